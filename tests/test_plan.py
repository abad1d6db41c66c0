"""The plan: what each chapter file says, in order, with its pauses and credits."""

from __future__ import annotations

from pathlib import Path

from audiobook.core.audio import Pause
from audiobook.core.config import Timing
from audiobook.pipeline.plan import Say, credits, plan, slugify
from audiobook.readers import read_book

from .conftest import write_book


def test_plan_speaks_title_then_text_with_pauses_and_scene_breaks(tmp_path: Path) -> None:
    storm = read_book(write_book(tmp_path)).chapters[1]
    timing = Timing()
    steps = plan(storm, timing)
    assert steps[:3] == [
        Pause(timing.head), Say("The Storm", written="The Storm"), Pause(timing.after_title),
    ]  # fmt: skip
    assert Pause(timing.scene_break) in steps
    assert steps[-1] == Pause(timing.tail)
    spoken = " ".join(s.text for s in steps[3:] if isinstance(s, Say))
    assert spoken.split() == " ".join(p.text for p in storm.paragraphs).split()


def test_slugs_are_safe_file_names() -> None:
    assert slugify("CHAPTER XII. Alice's Evidence") == "chapter-xii-alice-s-evidence"
    assert slugify("Été à Paris") == "ete-a-paris"
    assert slugify("???") == "chapter"


def test_credits_open_the_first_chapter_and_close_the_last(tmp_path: Path) -> None:
    from audiobook.core.config import Cast

    book = read_book(write_book(tmp_path))
    opening, closing = credits(book, Cast())
    assert opening == "The Harbour Book. Written by Test Author. Narrated by Test Narrator."
    assert closing == "The End."
    steps = plan(book.chapters[0], Timing(), opening=opening)
    assert steps[1] == Say(opening, written=opening, run=-1)
    assert steps.index(Say("The Harbour", written="The Harbour")) > 1
    last = plan(book.chapters[-1], Timing(), closing=closing)
    assert last[-2:] == [Say("The End.", written="The End.", run=-2), Pause(Timing().tail)]
    off = Cast.model_validate({"credits": {"opening": False, "closing_text": "Fin de {title}."}})
    assert credits(book, off) == ("", "Fin de The Harbour Book.")
