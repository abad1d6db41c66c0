"""The one three-chapter manuscript every reader's test builds in its own format.

Each format's builder writes it with a writer that is not our reader; the cross-format test
(test_formats.py) reads every one back and finds the same titles and the same words. Paragraphs
hold plain text with one italic word marked as *word* (a builder sets it in italics), curly
quotes, an em dash and an apostrophe; the footnote reference is [1].
"""

from __future__ import annotations

from dataclasses import dataclass

TITLE = "The Lighthouse Keeper"
AUTHOR = "Mara Quill"
LANGUAGE = "en"
FOOTNOTE = "The lamp was converted to electricity in 1921."
SCENE_BREAK = "* * *"


@dataclass(frozen=True)
class Chapter:
    title: str
    paragraphs: tuple[str, ...]  # SCENE_BREAK alone is a scene break


CHAPTERS = (
    Chapter(
        "Chapter One: The Storm",
        (
            "The storm came in from the west before dark, and the keeper climbed the tower "
            "stairs two at a time to light the lamp.",
            "“Don't let it go out,” his daughter called from the kitchen door — she had "
            "heard the shutters bang.",
            "He did not answer. The *glass* rattled in its frame, and far below the sea threw "
            "itself against the rocks.",
            SCENE_BREAK,
            "By midnight the wind had dropped, and the beam swept the water as calmly as ever.",
        ),
    ),
    Chapter(
        "Chapter Two: The Light",
        (
            "A ship had seen the light. Its captain wrote in his log that the keeper's lamp "
            "had saved them all.",
            "Nobody in the village believed him until the letter came, sealed with red wax.",
        ),
    ),
    Chapter(
        "Chapter Three: The Morning",
        (
            "In the morning the keeper's daughter walked down to the harbour with the letter "
            "in her pocket.[1]",
            "She read it aloud to the fishermen, and for once nobody said a word.",
        ),
    ),
)


def markdown() -> str:
    """The manuscript as the text reader's Markdown, for the words every format must give."""
    parts = [f"# {TITLE}\n"]
    for chapter in CHAPTERS:
        parts.append(f"## {chapter.title}\n")
        parts += [p.replace("[1]", "") + "\n" for p in chapter.paragraphs]
    return "\n".join(parts)
