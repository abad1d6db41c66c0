"""Benchmark: `audiobook chapters` on a 300-page PDF and a 1 MB DOCX (issue 27), seconds (median
of 3) and peak memory.

Run by hand from the repository: `.venv/bin/python bench/readers.py [runs]`. Builds, in a
temporary folder, Pride and Prejudice (../shared/corpus) as a book is printed: a PDF laid out by
reportlab (A5, 11 pt, a running header and a page number on every page, a heading and an outline
entry for each of the 61 chapters, its language declared: about 300 pages), and a DOCX written
by python-docx (Heading 1 for each chapter, a photograph-like picture on its first page to bring
it to about 1 MB). Then times the whole command on each (a fresh process, imports included, as a
user runs it) and, as references in the same run, on the book as plain text and a bare
`python -c pass`. The peak is the largest resident set of the command and its children (the PDF
reader's child process), as `getrusage(RUSAGE_CHILDREN)` reports it in a process that runs
nothing else. Prints medians.
"""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.chapters import CORPUS

BOOK = CORPUS / "pride-and-prejudice.txt"
_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run([sys.executable, "-m", "audiobook", "chapters", "--json", *sys.argv[1:]],
                      capture_output=True, text=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps([done.returncode, time.perf_counter() - start, usage.ru_maxrss / 1024,
                  usage.ru_utime + usage.ru_stime,
                  done.stdout if done.returncode == 0 else done.stderr]))
"""


def measure(args: list[str], runs: int) -> tuple[float, float, float, str]:
    """The median seconds (wall and CPU) and the largest peak MB of RUNS runs of `chapters
    --json ARGS`, and what the last run said (its JSON, or its error). CPU time, the command's
    and its children's, is the steadier figure on a shared machine."""
    times, cpus, peaks, said = [], [], [], ""
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", _MEASURE, *args], capture_output=True, text=True, check=True
        )
        code, seconds, peak, cpu, said = json.loads(done.stdout)
        if code != 0:
            return float("nan"), cpu, peak, said.strip()
        times.append(seconds)
        cpus.append(cpu)
        peaks.append(peak)
    return statistics.median(times), statistics.median(cpus), max(peaks), said


def build_pdf(path: Path) -> Path:
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A5
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from audiobook.readers import read_book

    book = read_book(BOOK)
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", styles["BodyText"], fontName="Times-Roman", fontSize=11,
                          leading=13.5, firstLineIndent=14, spaceBefore=0, alignment=4)  # fmt: skip
    heading = ParagraphStyle("heading", styles["Heading1"], pageBreakBefore=1)

    class Heading(Paragraph):
        """A chapter heading that bookmarks where it is drawn and makes an outline entry."""

        def draw(self) -> None:
            key = f"h{id(self)}"
            self.canv.bookmarkHorizontal(key, 0, self.height)
            self.canv.addOutlineEntry(self.getPlainText(), key, level=0)
            super().draw()

    story = []
    for chapter in book.chapters:
        story.append(Heading(escape(chapter.spoken_title), heading))
        story += [Paragraph(escape(p.text), body) for p in chapter.paragraphs]

    def furniture(canvas, doc) -> None:  # type: ignore[no-untyped-def]
        canvas.setFont("Times-Italic", 8)
        canvas.drawCentredString(A5[0] / 2, A5[1] - 28, book.title)
        canvas.drawCentredString(A5[0] / 2, 22, str(doc.page))

    margins = {"leftMargin": 42, "rightMargin": 42, "topMargin": 46, "bottomMargin": 42}
    # Its language declared, as Word and LibreOffice write it (else it is detected: a second).
    doc = SimpleDocTemplate(
        str(path), pagesize=A5, title=book.title, author=book.author, lang="en-GB", **margins
    )
    doc.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return path


def build_docx(path: Path) -> Path:
    import docx
    import numpy as np
    from docx.shared import Inches
    from PIL import Image

    from audiobook.readers import read_book

    book = read_book(BOOK)
    document = docx.Document()
    document.core_properties.title = book.title
    document.core_properties.author = book.author
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:2000, 0:2000]
    base = np.stack([x / 2000 * 200, y / 2000 * 160, (x + y) / 4000 * 220], axis=-1)
    pixels = np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)
    picture = io.BytesIO()
    Image.fromarray(pixels).save(picture, "JPEG", quality=85)
    picture.seek(0)
    document.add_picture(picture, width=Inches(4))
    for chapter in book.chapters:
        document.add_heading(chapter.spoken_title, level=1)
        for p in chapter.paragraphs:
            document.add_paragraph(p.text)
    document.save(str(path))
    return path


def pages_of(path: Path) -> int:
    import pypdfium2

    with pypdfium2.PdfDocument(path) as pdf:
        return len(pdf)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        python = statistics.median(_seconds([sys.executable, "-c", "pass"]) for _ in range(runs))
        print(f"{'reference: python -c pass':46} {python:6.3f} s  (median of {runs})")
        text, cpu, peak, _ = measure([str(BOOK)], runs)
        _row("reference: chapters pride-and-prejudice.txt", text, cpu, peak, "")
        pdf = build_pdf(folder / "pride-and-prejudice.pdf")
        seconds, cpu, peak, said = measure([str(pdf)], runs)
        size = pdf.stat().st_size / 2**20
        _row(f"chapters on a {pages_of(pdf)}-page PDF ({size:.2f} MB)", seconds, cpu, peak, said)
        try:
            document = build_docx(folder / "pride-and-prejudice.docx")
        except ImportError as exc:  # python-docx is the DOCX tests' writer
            print(f"DOCX: not built ({exc})")
            return
        seconds, cpu, peak, said = measure([str(document)], runs)
        size = document.stat().st_size / 2**20
        _row(f"chapters on a {size:.2f} MB DOCX", seconds, cpu, peak, said)


def _row(what: str, seconds: float, cpu: float, peak: float, said: str) -> None:
    chapters = _chapters(said) if said else ""
    print(f"{what:46} {seconds:6.3f} s  (CPU {cpu:5.2f} s)  {peak:4.0f} MB  {chapters}")


def _seconds(command: list[str]) -> float:
    import time

    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def _chapters(said: str) -> str:
    """How many chapters the command found, or the error it gave."""
    try:
        return f"({len(json.loads(said)['chapters'])} chapters)"
    except (ValueError, KeyError):
        return f"(failed: {said[-200:]})"


if __name__ == "__main__":
    main()
