"""File formats other rooms read and write: ID3/MP4 tags (mutagen), the MP4 container, captions."""
