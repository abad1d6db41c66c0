"""Mastering: a chapter's speech and pauses -> stitched with room tone -> leveled and encoded.

stitch (utterances, pauses, room tone), loudness (one gain per chapter, the limiter, the encoders,
proof on the decoded file), levels (RMS, peak and noise floor as the delivery spec measures
them), profiles (the delivery targets by name) and ffmpeg (finding and running it).
"""
