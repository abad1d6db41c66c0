"""The PDF reader: the manuscript typeset in two columns by reportlab (pdf_builder.py) reads back
as its three chapters and its words, with and without an outline; running headers, page numbers
and the footnote are listed, not spoken; hyphenated words are whole again; scans, passwords
and hostile files are one line, exit 2, in bounded time and memory."""

from __future__ import annotations

import difflib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from audiobook.core.book import Book, SceneBreak
from audiobook.core.config import SplitOptions
from audiobook.core.errors import InputError
from audiobook.readers import read_book
from audiobook.readers.headings import heading_for
from audiobook.readers.pdf.layout import Page, Run, lay_out
from audiobook.readers.pdf.structure import Outline, build_items
from audiobook.readers.pdf.text import _join

from ..conftest import run_cli
from . import manuscript as ms
from .pdf_builder import build_pdf, build_pdf_book, build_plain_pdf, build_scanned, hostile

pytest.importorskip("reportlab")

TITLES = [heading_for(c.title).title for c in ms.CHAPTERS]


def _words(text: str) -> list[str]:
    return text.replace("\u2019", "'").replace("_", "").split()


def _spoken(book: Book) -> list[str]:
    return [w for c in book.chapters for p in c.paragraphs for w in _words(p.text)]


def _expected() -> list[str]:
    paragraphs = (p for c in ms.CHAPTERS for p in c.paragraphs if p != ms.SCENE_BREAK)
    return [w for p in paragraphs for w in _words(p.replace("[1]", "").replace("*", ""))]


def _changed(got: list[str], wanted: list[str]) -> int:
    return sum(
        max(i2 - i1, j2 - j1)
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, wanted, got).get_opcodes()
        if op != "equal"
    )


@pytest.mark.parametrize("outline", [True, False], ids=["outline", "headings-by-size"])
def test_a_two_column_book_reads_as_the_manuscript(tmp_path: Path, outline: bool) -> None:
    made = build_pdf(tmp_path / "book.pdf", outline=outline)
    assert made.pages >= 3 and made.hyphenated  # what the test is about is in the file
    shown = run_cli("chapters", str(made.path), "--json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    listed = json.loads(shown.stdout)
    assert [c["title"] for c in listed["chapters"]] == TITLES
    assert (listed["title"], listed["author"], listed["language"]) == (ms.TITLE, ms.AUTHOR, "en")
    book = read_book(made.path)
    assert _changed(_spoken(book), _expected()) == 0, list(
        difflib.unified_diff(_expected(), _spoken(book), lineterm="")
    )
    assert [len(c.paragraphs) for c in book.chapters] == [
        len([p for p in c.paragraphs if p != ms.SCENE_BREAK]) for c in ms.CHAPTERS
    ]
    assert [b for b in book.chapters[0].blocks if isinstance(b, SceneBreak)]
    skipped = {s.reason: s.text for s in book.skipped}
    assert ms.TITLE in skipped["page header"]
    assert skipped["page number"].split() and skipped["footnote"] == ms.FOOTNOTE


def test_footnotes_are_read_at_the_chapters_end_when_asked(tmp_path: Path) -> None:
    made = build_pdf(tmp_path / "book.pdf")
    book = read_book(made.path, SplitOptions(notes=True))
    last = [p.text for p in book.chapters[-1].paragraphs]
    assert last[-1] == ms.FOOTNOTE and not any("pocket.1" in p for p in last)
    assert "footnote" not in {s.reason for s in book.skipped}


def test_one_column_without_headers_outline_or_metadata(tmp_path: Path) -> None:
    """The title set above the chapters, larger, is the book's title, not a part."""
    made = build_pdf(tmp_path / "book.pdf", outline=False, columns=1, header="", metadata=False)
    book = read_book(made.path)
    assert [c.title for c in book.chapters] == TITLES
    assert book.title == ms.TITLE and ms.TITLE not in book.chapters[0].spoken_title
    assert _changed(_spoken(book), _expected()) == 0


def test_an_outline_in_other_words_than_the_headings_leads_by_position(tmp_path: Path) -> None:
    """Bookmarks titled "The Storm" where "Chapter One: The Storm" is printed: chapters start
    where they point (one mid-column), titled by them; the printed headings are listed, not
    read twice."""
    made = build_pdf(tmp_path / "book.pdf", outline_titles=tuple(TITLES))
    book = read_book(made.path)
    assert [c.spoken_title for c in book.chapters] == TITLES
    assert _changed(_spoken(book), _expected()) == 0
    printed = [s.text for s in book.skipped if s.reason.startswith("heading as printed")]
    assert printed == [c.title for c in ms.CHAPTERS]


def test_no_large_headings_goes_the_text_readers_way(tmp_path: Path) -> None:
    """Headings set as the body is ("Chapter One: The Storm" in 10 pt) are found as a text
    file's are."""
    made = build_pdf(tmp_path / "book.pdf", outline=False, title_line=False, heading_size=10.0)
    book = read_book(made.path)
    assert [c.title for c in book.chapters] == TITLES
    assert _changed(_spoken(book), _expected()) <= 2


@pytest.mark.parametrize(
    ("space_after", "wrap_spaces", "breaks"),
    [(0.0, True, True), (6.0, False, True), (0.0, False, False)],
    ids=["spaces-at-wraps", "space-after", "nothing-between"],
)
def test_a_word_processors_page_reads_as_the_manuscript(
    tmp_path: Path, space_after: float, wrap_spaces: bool, breaks: bool
) -> None:
    """As LibreOffice Writer exports a manuscript: one ragged-right column without indents,
    chapters running on, headings bold but of the body's size, an outline. Paragraphs part
    where a space is drawn at the end of the lines that wrap (Writer's way), or at space after
    them; with neither, where the next line's first word would have fit (not always: the
    chapters and words are right all the same)."""
    path = build_plain_pdf(tmp_path / "book.pdf", space_after=space_after, wrap_spaces=wrap_spaces)
    book = read_book(path)
    assert [c.title for c in book.chapters] == TITLES and book.title == ms.TITLE
    assert _changed(_spoken(book), _expected()) == 0
    assert [b for b in book.chapters[0].blocks if isinstance(b, SceneBreak)]
    assert {s.reason: s.text for s in book.skipped}["footnote"] == ms.FOOTNOTE
    if breaks:
        assert [len(c.paragraphs) for c in book.chapters] == [
            len([p for p in c.paragraphs if p != ms.SCENE_BREAK]) for c in ms.CHAPTERS
        ]


def test_the_outline_parts_headings_set_as_the_body_from_the_text() -> None:
    """Headings the outline names, on lines like the text's (as full, as close): each is a
    paragraph of its own and a chapter, two on a page."""
    texts = ["The Keeper", "Chapter One", "the first words of one", "and more of them here"]
    texts += ["Chapter Two", "the second chapter's words", "and the end of them."]
    runs = [_run(40, 40 + 12 * i, text, width=200.0) for i, text in enumerate(texts)]
    laid = lay_out([Page(1, 300, 400, runs)])
    outline = [Outline(0, "Chapter One", 1, 40.0, 345.0), Outline(0, "Chapter Two", 1, 40.0, 297.0)]
    built = build_items(laid, {1: 400.0}, outline, "The Keeper")
    assert [(type(i).__name__, getattr(i, "text", "")) for i in built.items] == [
        ("Text", "The Keeper"),
        ("Heading", "Chapter One"),
        ("Text", "the first words of one and more of them here"),
        ("Heading", "Chapter Two"),
        ("Text", "the second chapter's words and the end of them."),
    ]


# --- pieces ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "nxt", "joined"),
    [
        ("an extra-", "ordinary day", "an extraordinary day"),
        ("the well-", "known tale", "the well-known tale"),  # "well-known" is written below
        ("said Jean-", "Paul", "said Jean-Paul"),
        ("a light\u00ad", "house", "a lighthouse"),
        ("the door—", "she had", "the door—she had"),
        ("the door —", "she had", "the door — she had"),
        ("1914-", "18", "1914-18"),
        ("the end", "of it", "the end of it"),
    ],
)
def test_lines_are_joined(line: str, nxt: str, joined: str) -> None:
    from collections import Counter

    assert _join(line, nxt, Counter({"well-known": 2})) == joined


def _run(x: float, top: float, text: str, size: float = 10.0, width: float = 100.0) -> Run:
    return Run(x, top, x + width, top + size * 1.2, size, text)


def test_columns_are_read_in_turn_and_a_heading_across_both_cuts_them() -> None:
    runs = [_run(40, 40 + 12 * i, f"upper left {i}") for i in range(4)]
    runs += [_run(160, 40 + 12 * i, f"upper right {i}") for i in range(4)]
    runs.append(_run(40, 100, "A heading over both columns", 14.0, 220.0))
    runs += [_run(40, 130 + 12 * i, f"lower left {i}") for i in range(4)]
    runs += [_run(160, 130 + 12 * i, f"lower right {i}") for i in range(4)]
    laid = lay_out([Page(1, 300, 400, runs[::-1])])
    assert [line.text for line in laid.lines] == [
        *(f"upper left {i}" for i in range(4)),
        *(f"upper right {i}" for i in range(4)),
        "A heading over both columns",
        *(f"lower left {i}" for i in range(4)),
        *(f"lower right {i}" for i in range(4)),
    ]


def test_a_last_line_alone_in_the_right_column_comes_after_the_left_one() -> None:
    runs = [_run(40, 40 + 12 * i, f"left {i}") for i in range(6)]
    runs.append(_run(160, 40, "the end.", width=40.0))
    laid = lay_out([Page(1, 300, 400, runs[::-1])])
    assert [line.text for line in laid.lines] == [*(f"left {i}" for i in range(6)), "the end."]


def test_running_headers_and_page_numbers_are_taken_off() -> None:
    pages = []
    for n in range(1, 5):
        runs = [_run(40, 10, f"The Keeper · {n}", 8.0), _run(140, 380, str(n + 10), 8.0)]
        runs += [_run(40, 40 + 12 * i, f"text of page {n} line {i}") for i in range(10)]
        pages.append(Page(n, 300, 400, runs))
    laid = lay_out(pages)
    assert all(line.text.startswith("text of page") for line in laid.lines)
    assert [(r.reason, r.text) for r in laid.removed[:2]] == [
        ("page header", "The Keeper · 1"),
        ("page number", "11"),
    ]


# --- refusals and hostile files -------------------------------------------------------------


def test_a_scan_without_text_is_one_line(tmp_path: Path) -> None:
    path = build_scanned(tmp_path / "scan.pdf")
    shown = run_cli("chapters", str(path), cwd=tmp_path)
    assert shown.returncode == 2
    assert shown.stderr.strip().count("\n") == 0 and "no text layer" in shown.stderr
    assert "OCR" in shown.stderr and "Traceback" not in shown.stderr


@pytest.mark.parametrize("user", ["secret", ""], ids=["to-open", "owner-only"])
def test_a_password_protected_pdf_is_one_line(tmp_path: Path, user: str) -> None:
    """A password needed to open it is refused in one line; one that only guards printing or
    editing (an owner password, empty user password) opens as any PDF does."""
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen.canvas import Canvas

    path = tmp_path / "locked.pdf"
    lock = pdfencrypt.StandardEncryption(user, ownerPassword="owner", canPrint=0)
    canvas = Canvas(str(path), encrypt=lock)
    canvas.drawString(72, 720, "Words nobody may read without the password, nor print.")
    canvas.save()
    if user:
        with pytest.raises(InputError, match="protected by a password"):
            read_book(path)
    else:
        assert "nobody may read" in read_book(path).chapters[0].paragraphs[0].text


def test_not_a_pdf_named_pdf(tmp_path: Path) -> None:
    path = tmp_path / "book.pdf"
    path.write_text("Chapter 1\n\nJust text, named as a PDF.\n", encoding="utf-8")
    with pytest.raises(InputError, match="is not a PDF"):
        read_book(path)


HOSTILE = {
    "million-pages": "says it has 1000000 pages",
    "kids-loop": "page tree is broken or loops",
    "outline-loop": "outline (bookmarks) loops",
    "bomb": "made to exhaust memory",
    "broken-xref": "structure is broken",
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_files_are_one_input_error(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"{kind}.pdf"
    path.write_bytes(hostile(kind))
    with pytest.raises(InputError, match=re.escape(HOSTILE[kind])):
        read_book(path)


_MEASURE = """
import json, resource, subprocess, sys, time
start = time.monotonic()
done = subprocess.run([sys.executable, "-m", "audiobook", "chapters", sys.argv[1]],
                      capture_output=True, text=True, timeout=60)
print(json.dumps([done.returncode, done.stderr, time.monotonic() - start,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]))
"""


@pytest.mark.parametrize(
    "kind",
    [
        "bomb",
        pytest.param("million-pages", marks=pytest.mark.slow),
        pytest.param("kids-loop", marks=pytest.mark.slow),
        pytest.param("outline-loop", marks=pytest.mark.slow),
        pytest.param("broken-xref", marks=pytest.mark.slow),
        # Readable in the end (PDFium bounds them itself): read, in bounded time and memory.
        pytest.param("million-objects", marks=pytest.mark.slow),
        pytest.param("deep-arrays", marks=pytest.mark.slow),
        pytest.param("xobject-loop", marks=pytest.mark.slow),
    ],
)
def test_hostile_files_end_within_10_s_and_500_mb(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"{kind}.pdf"
    path.write_bytes(hostile(kind))
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    code, stderr, seconds, peak_mb = json.loads(done.stdout)
    assert seconds < 10 and peak_mb < 500, (seconds, peak_mb)
    assert "Traceback" not in stderr
    if kind in HOSTILE:
        assert code == 2 and stderr.strip().count("\n") == 0, stderr
    else:
        assert code in (0, 2), stderr


@pytest.mark.parametrize("fault", ["killed", "cannot start"])
def test_a_reader_process_that_dies_or_cannot_start_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    """The child that reads the PDF killed halfway (as the kernel's OOM killer would), or not
    started at all: one InputError naming the file, and no child left behind."""
    from audiobook.readers import pdf

    path = build_pdf_book(tmp_path)
    if fault == "killed":
        script = tmp_path / "dies.py"
        script.write_text(
            "import json, os, signal, sys\n"
            'print(json.dumps({"kind": "doc", "pages": 3, "outline": []}), flush=True)\n'
            "os.kill(os.getpid(), signal.SIGKILL)\n",
            encoding="utf-8",
        )
        monkeypatch.setattr(pdf, "EXTRACTOR", script)
    else:
        monkeypatch.setattr(pdf.sys, "executable", str(tmp_path / "no-such-python"))
    with pytest.raises(InputError) as error:
        pdf.READER.read(path, SplitOptions())
    message = str(error.value)
    assert str(path) in message and "\n" not in message
    assert ("stopped on it" in message) if fault == "killed" else ("cannot start" in message)


def test_a_gutenberg_text_printed_to_pdf_loses_its_header_and_licence(tmp_path: Path) -> None:
    """A Gutenberg .txt printed to PDF (no outline, no larger headings): the header and licence
    are taken off and their Title/Author kept, as the text reader does."""
    from reportlab.lib.pagesizes import A5
    from reportlab.pdfgen.canvas import Canvas

    from .test_rtf import GUTENBERG

    path = tmp_path / "keeper.pdf"
    canvas = Canvas(str(path), pagesize=A5)
    y = A5[1] - 60
    for line in GUTENBERG:
        words, text = line.split(), ""
        for word in words:  # wrapped to the page, as a print of the text would be
            if canvas.stringWidth(f"{text} {word}", "Times-Roman", 10) > A5[0] - 80:
                canvas.drawString(40, y, text)
                y, text = y - 13, word
            else:
                text = f"{text} {word}".strip()
        canvas.drawString(40, y, text)
        y -= 26  # a blank line between the text's paragraphs
    canvas.save()
    book = read_book(path)
    spoken = " ".join(p.text for c in book.chapters for p in c.paragraphs)
    assert len(book.chapters) == 2 and "Gutenberg" not in spoken, spoken
    assert (book.title, book.author) == ("The Lighthouse Keeper", "Mara Quill")
    assert "Project Gutenberg licence" in {s.reason for s in book.skipped}
