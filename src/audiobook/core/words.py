"""What counts as a word, and how a character's line is written in a manuscript.

Shared core: the readers count words with it, the plan finds characters' lines with it, and the
engines check a spoken duration against it, so all three agree on what "every word" means.
"""

from __future__ import annotations

import re

WORD = re.compile(r"\w", re.UNICODE)

# A character's line: "{alice: Curiouser and curiouser!}" is read in the voice named alice.
VOICE_SPAN = re.compile(r"\{([a-z][a-z0-9_-]*):\s*([^{}]*)\}")


def count_words(text: str) -> int:
    text = VOICE_SPAN.sub(r" \2 ", text)  # the voice's name is not a word of the text
    return sum(1 for token in text.split() if WORD.search(token))
