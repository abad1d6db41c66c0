"""audiobook: turn a manuscript into a mastered, tagged text-to-speech audiobook, offline."""

__version__ = "0.2.0"
