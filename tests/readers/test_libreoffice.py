"""Files as LibreOffice writes them: the manuscript opened and exported by Writer itself
(Debian's libreoffice-writer, `soffice --headless --convert-to`) as DOCX, ODT, RTF and PDF reads
back as the same three chapters and words, the footnote still a footnote.

LibreOffice is large and is not installed by the test set-up: without `soffice` these tests are
skipped, with the reason, which `-ra` prints.
"""

from __future__ import annotations

import difflib
import shutil
import subprocess
from pathlib import Path

import pytest

from audiobook.readers import read_book

from . import manuscript as ms
from .office_builder import docx_manuscript, odt_manuscript
from .test_formats import TITLES, _expected_words, _spoken_words

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        SOFFICE is None, reason="LibreOffice is not installed (apt install libreoffice-writer)"
    ),
]
# Writer's export filters, and the manuscript each is made from (odfpy's ODT, python-docx's
# DOCX for the ODT).
FILTERS = {
    "docx": ("docx:MS Word 2007 XML", "odt"),
    "odt": ("odt:writer8", "docx"),
    "rtf": ("rtf:Rich Text Format", "odt"),
    "pdf": ("pdf:writer_pdf_Export", "odt"),
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("libreoffice")
    (folder / "source").mkdir()
    sources = {
        "odt": odt_manuscript(folder / "source" / "book.odt"),
        "docx": docx_manuscript(folder / "source" / "book.docx"),
    }
    profile = folder / "profile"  # its own user profile: no lock shared with a running Writer
    for target, source in FILTERS.values():
        subprocess.run(
            [str(SOFFICE), f"-env:UserInstallation=file://{profile}", "--headless",
             "--convert-to", target, "--outdir", str(folder), str(sources[source])],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
    return folder


@pytest.mark.parametrize("kind", sorted(FILTERS))
def test_a_writer_export_reads_as_the_manuscript(exported: Path, kind: str) -> None:
    book = read_book(exported / f"book.{kind}")
    assert [c.title for c in book.chapters] == TITLES
    assert book.title == ms.TITLE
    got, wanted = _spoken_words(book), _expected_words()
    changed = sum(
        max(i2 - i1, j2 - j1)
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, wanted, got).get_opcodes()
        if op != "equal"
    )
    assert changed <= (5 if kind == "pdf" else 0), (wanted, got)
    assert ms.FOOTNOTE in " ".join(s.text for s in book.skipped)
