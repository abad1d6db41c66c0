"""A book that names no narrator (or no author) says nothing of one, anywhere, and never
"Unknown"; one that ends with its own "THE END" is not given a second."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import feedparser
import mutagen
import pytest

from audiobook.core.book import Book
from audiobook.core.config import Cast, Credits
from audiobook.pipeline.plan import credits
from audiobook.readers import read_book

from .conftest import SMALL_BOOK, SMALL_META, run_cli, write_book

NO_NARRATOR = "\n".join(line for line in SMALL_META.splitlines() if "narrator" not in line)
NO_PEOPLE = "\n".join(line for line in NO_NARRATOR.splitlines() if "author" not in line)
ENDING = SMALL_BOOK + "\nTHE END\n"


def _book(tmp_path: Path, text: str = SMALL_BOOK, meta: str = NO_NARRATOR) -> Book:
    return read_book(write_book(tmp_path, text, meta))


def test_without_a_narrator_the_credits_name_none(tmp_path: Path) -> None:
    opening, closing = credits(_book(tmp_path), Cast())
    assert opening == "The Harbour Book. Written by Test Author."
    assert closing == "The End."


def test_without_an_author_or_a_narrator_the_credits_say_the_title(tmp_path: Path) -> None:
    assert credits(_book(tmp_path, meta=NO_PEOPLE), Cast())[0] == "The Harbour Book."


def test_the_book_s_own_the_end_is_not_said_twice(tmp_path: Path) -> None:
    assert credits(_book(tmp_path, ENDING), Cast())[1] == ""
    # Only a last paragraph that is nothing but the ending counts.
    told = SMALL_BOOK + "\nShe never saw the end of it.\n"
    assert credits(_book(tmp_path / "b", told), Cast())[1] == "The End."


def test_german_credits_say_no_narrator_and_keep_the_book_s_ende(tmp_path: Path) -> None:
    meta = NO_NARRATOR.replace('language = "en"', 'language = "de"')
    opening, closing = credits(_book(tmp_path, SMALL_BOOK + "\nEnde.\n", meta), Cast())
    assert opening == "The Harbour Book. Von Test Author." and closing == ""


def test_a_named_narrator_is_still_credited(tmp_path: Path) -> None:
    opening, _ = credits(_book(tmp_path, meta=SMALL_META), Cast(credits=Credits()))
    assert opening.endswith("Narrated by Test Narrator.")


def _texts(folder: Path) -> dict[str, str]:
    """Every text a listener or a player reads in FOLDER, by file (the EPUB's members too)."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".vtt", ".srt", ".json", ".m3u", ".m3u8", ".xml", ".html", ".md"):
            found[str(path)] = path.read_text(encoding="utf-8")
        elif path.suffix == ".epub":
            with zipfile.ZipFile(path) as epub:
                for name in epub.namelist():
                    if name.endswith((".opf", ".xhtml", ".ncx", ".smil")):
                        found[f"{path}!{name}"] = epub.read(name).decode("utf-8")
    return found


@pytest.mark.slow
def test_a_render_without_author_or_narrator_says_unknown_nowhere(tmp_path: Path) -> None:
    write_book(tmp_path, ENDING, NO_PEOPLE)
    assert (result := run_cli("render", cwd=tmp_path)).returncode == 0, result.stderr
    assert (result := run_cli("check", "audio", "--report", "report.html", cwd=tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    base = "https://example.org/book/"
    published = run_cli("publish", "audio", "--base-url", base, "--out", "site", cwd=tmp_path)
    assert published.returncode == 0, published.stderr

    texts = _texts(tmp_path / "audio") | _texts(tmp_path / "site")
    texts["report.html"] = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert any(name.endswith(".vtt") for name in texts) and any("!" in name for name in texts)
    for name, text in texts.items():
        assert "Unknown" not in text, name
        assert not re.search(r"narrated by|read by|media:narrator|written by", text, re.I), name
        assert "dc:creator" not in text, name
    for name, text in texts.items():  # each chapter's and the book's captions, audio/ and site/
        if name.endswith(".vtt") and "THE END" in text:
            assert len(re.findall(r"\bthe end\b", text, re.I)) == 1, name  # the book's own only

    manifest = json.loads((tmp_path / "audio" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest.get("narrator") is None and manifest.get("author") is None
    about = json.loads((tmp_path / "audio" / "metadata.json").read_text())
    assert about["narrators"] == [] and about["authors"] == []
    feed = feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes())
    assert feed.feed.get("author") is None and not feed.bozo and len(feed.entries) >= 3
    audio = sorted((tmp_path / "audio").glob("*.mp3")) + sorted((tmp_path / "audio").glob("*.m4b"))
    assert len(audio) >= 4
    for path in audio:
        tags = mutagen.File(path)
        assert tags is not None and tags.tags is not None
        keys = set(tags.tags.keys())
        # No artist (the author's field) and no composer (the narrator's).
        assert not keys & {"TPE1", "TPE2", "TCOM", "\xa9ART", "aART", "\xa9wrt"}, path
        assert "Unknown" not in " ".join(
            str(v) for v in tags.tags.values() if "APIC" not in str(type(v))
        )


@pytest.mark.slow
def test_the_producer_may_credit_the_synthetic_voice_instead(tmp_path: Path) -> None:
    write_book(tmp_path, SMALL_BOOK, NO_NARRATOR)
    voices = tmp_path / "voices.toml"
    voices.write_text(voices.read_text() + "\n[credits]\nname_voice = true\n", encoding="utf-8")
    assert (result := run_cli("render", cwd=tmp_path)).returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "audio" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["narrator"].startswith("eSpeak NG ")
    first = sorted((tmp_path / "audio").glob("01-*.vtt"))[0].read_text(encoding="utf-8")
    assert f"Narrated by {manifest['narrator']}." in " ".join(first.split())
    tags = mutagen.File(sorted((tmp_path / "audio").glob("01-*.mp3"))[0])
    assert tags is not None and str(tags.tags["TCOM"]) == manifest["narrator"]
    assert run_cli("check", "audio", cwd=tmp_path).returncode == 0
