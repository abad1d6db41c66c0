"""The EPUB builder the reader tests use: its books are valid ZIPs, valid EPUBs, and the hostile
ones are what they claim to be."""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import struct
import tracemalloc
import xml.etree.ElementTree as ET
import zipfile
import zlib
from pathlib import Path

import pytest

from . import epub_builder as eb
from .epub_builder import Doc, NavEntry

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xhtml": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "ncx": "http://www.daisy.org/z3986/2005/ncx/",
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
}
OPF_ROLE = "{http://www.idpf.org/2007/opf}role"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def opf_of(path: Path) -> ET.Element:
    with zipfile.ZipFile(path) as zf:
        container = ET.fromstring(zf.read("META-INF/container.xml"))
        rootfile = container.find("c:rootfiles/c:rootfile", NS)
        assert rootfile is not None
        assert rootfile.get("media-type") == "application/oebps-package+xml"
        return ET.fromstring(zf.read(rootfile.get("full-path", "")))


def spine_hrefs(opf: ET.Element) -> list[tuple[str, str | None]]:
    """(href, linear) of the spine, in order, through the manifest."""
    hrefs = {i.get("id"): i.get("href", "") for i in opf.iterfind("opf:manifest/opf:item", NS)}
    return [
        (hrefs[ref.get("idref")], ref.get("linear"))
        for ref in opf.iterfind("opf:spine/opf:itemref", NS)
    ]


def nav_tree(ol: ET.Element) -> list[tuple[str, str, list]]:
    """An EPUB 3 nav <ol> as (label, href, children)."""
    tree = []
    for li in ol.findall("xhtml:li", NS):
        head = li.find("xhtml:a", NS)
        if head is None:
            head = li.find("xhtml:span", NS)
        assert head is not None
        sub = li.find("xhtml:ol", NS)
        tree.append((head.text, head.get("href", ""), [] if sub is None else nav_tree(sub)))
    return tree


def ncx_tree(parent: ET.Element) -> list[tuple[str, str, str, list]]:
    """An NCX navMap as (label, src, playOrder, children)."""
    return [
        (
            point.findtext("ncx:navLabel/ncx:text", namespaces=NS),
            point.find("ncx:content", NS).get("src"),  # type: ignore[union-attr]
            point.get("playOrder"),
            ncx_tree(point),
        )
        for point in parent.findall("ncx:navPoint", NS)
    ]


SAMPLE_NAV_3 = [
    (
        "Part One",
        "",
        [
            ("The Harbour", "ch1.xhtml", []),
            ("The Storm", "ch2.xhtml", [("The Lighthouse", "ch2.xhtml#s2", [])]),
        ],
    ),
    ("The Return", "ch3.xhtml", []),
]
SAMPLE_SPINE = [
    ("ch1.xhtml", None),
    ("ch2.xhtml", None),
    ("ch3.xhtml", None),
    ("notes.xhtml", "no"),
]


# --------------------------------------------------------------------------- the container


@pytest.mark.parametrize("version", [2, 3])
def test_a_book_is_a_zip_with_the_mimetype_first_and_stored(tmp_path: Path, version: int) -> None:
    path = eb.sample_epub(tmp_path / "book.epub", version=version)
    assert zipfile.is_zipfile(path)
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        first = zf.infolist()[0]
        assert first.filename == "mimetype"
        assert first.compress_type == zipfile.ZIP_STORED
        assert zf.read("mimetype") == b"application/epub+zip"
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in zf.infolist()[1:])
        assert "META-INF/container.xml" in zf.namelist()
    # Readers sniff the bytes: "mimetype" at offset 30 with no extra field, then its content.
    raw = path.read_bytes()
    name_length, extra_length = struct.unpack("<HH", raw[26:30])
    assert (name_length, extra_length) == (8, 0)
    assert raw[30:58] == b"mimetypeapplication/epub+zip"


@pytest.mark.parametrize("version", [2, 3])
def test_the_same_arguments_give_the_same_bytes(tmp_path: Path, version: int) -> None:
    one = eb.sample_epub(tmp_path / "one.epub", version=version)
    two = eb.sample_epub(tmp_path / "two.epub", version=version)
    assert one.read_bytes() == two.read_bytes()
    with zipfile.ZipFile(one) as zf:
        assert {i.date_time for i in zf.infolist()} == {eb.ZIP_DATE}


def test_the_identifier_follows_the_title() -> None:
    assert eb.book_identifier("A") == eb.book_identifier("A")
    assert eb.book_identifier("A") != eb.book_identifier("B")
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", eb.book_identifier("A"))


# --------------------------------------------------------------------------- the package


@pytest.mark.parametrize("version", [2, 3])
def test_the_package_parses_and_lists_the_spine_in_order(tmp_path: Path, version: int) -> None:
    opf = opf_of(eb.sample_epub(tmp_path / "book.epub", version=version))
    assert opf.get("version") == f"{version}.0"
    assert spine_hrefs(opf) == SAMPLE_SPINE
    ident = opf.find(f"opf:metadata/dc:identifier[@id='{opf.get('unique-identifier')}']", NS)
    assert ident is not None and ident.text == eb.book_identifier("The Harbour Book")
    assert opf.findtext("opf:metadata/dc:title", namespaces=NS) == "The Harbour Book"
    assert opf.findtext("opf:metadata/dc:language", namespaces=NS) == "en"
    assert opf.findtext("opf:metadata/dc:date", namespaces=NS) == "1901"
    description = opf.findtext("opf:metadata/dc:description", namespaces=NS)
    assert description == "A small book for the tests, with <markup> & ampersands."
    # Every manifest item is in the ZIP, beside the package document.
    with zipfile.ZipFile(tmp_path / "book.epub") as zf:
        names = set(zf.namelist())
    for item in opf.iterfind("opf:manifest/opf:item", NS):
        assert posixpath.join("OEBPS", item.get("href", "")) in names


def test_epub3_metadata_roles_cover_and_modified(tmp_path: Path) -> None:
    opf = opf_of(eb.sample_epub(tmp_path / "book.epub"))
    meta = opf.find("opf:metadata", NS)
    assert meta is not None
    roles = {
        m.get("refines"): m.text
        for m in meta.iterfind("opf:meta[@property='role']", NS)
        if m.get("scheme") == "marc:relators"
    }
    creator = meta.find("dc:creator", NS)
    narrator = meta.find("dc:contributor", NS)
    assert creator is not None and narrator is not None
    assert (creator.text, roles[f"#{creator.get('id')}"]) == ("Ann Author", "aut")
    assert (narrator.text, roles[f"#{narrator.get('id')}"]) == ("Ned Narrator", "nrt")
    modified = meta.findtext("opf:meta[@property='dcterms:modified']", namespaces=NS)
    assert modified == eb.MODIFIED
    covers = opf.findall("opf:manifest/opf:item[@properties='cover-image']", NS)
    assert [c.get("href") for c in covers] == ["cover.png"]
    navs = opf.findall("opf:manifest/opf:item[@properties='nav']", NS)
    assert [n.get("href") for n in navs] == ["nav.xhtml"]


def test_epub2_metadata_roles_cover_and_guide(tmp_path: Path) -> None:
    opf = opf_of(eb.sample_epub(tmp_path / "book.epub", version=2))
    meta = opf.find("opf:metadata", NS)
    assert meta is not None
    assert [(c.text, c.get(OPF_ROLE)) for c in meta.iterfind("dc:creator", NS)] == [
        ("Ann Author", "aut")
    ]
    assert [(c.text, c.get(OPF_ROLE)) for c in meta.iterfind("dc:contributor", NS)] == [
        ("Ned Narrator", "nrt")
    ]
    cover = meta.find("opf:meta[@name='cover']", NS)
    assert cover is not None and cover.get("content") == "cover-img"
    item = opf.find("opf:manifest/opf:item[@id='cover-img']", NS)
    assert item is not None and item.get("media-type") == "image/png"
    spine = opf.find("opf:spine", NS)
    assert spine is not None and spine.get("toc") == "ncx"
    guide = [(r.get("type"), r.get("href")) for r in opf.iterfind("opf:guide/opf:reference", NS)]
    assert guide == [("text", "ch1.xhtml"), ("other.backmatter", "notes.xhtml")]


def test_narrators_can_be_creators(tmp_path: Path) -> None:
    docs = [Doc("ch1.xhtml", "<p>One.</p>")]
    nav = [NavEntry("One", "ch1.xhtml")]
    for version in (2, 3):
        path = eb.build_epub(
            tmp_path / f"b{version}.epub",
            docs,
            nav,
            version=version,
            narrators=("Ned",),
            narrator_element="creator",
        )
        meta = opf_of(path).find("opf:metadata", NS)
        assert meta is not None
        assert [c.text for c in meta.iterfind("dc:creator", NS)] == ["Ann Author", "Ned"]
        assert meta.find("dc:contributor", NS) is None


def test_missing_language_and_date_are_left_out(tmp_path: Path) -> None:
    docs = [Doc("ch1.xhtml", "<p>One.</p>")]
    path = eb.build_epub(tmp_path / "b.epub", docs, [], language=None, date=None)
    meta = opf_of(path).find("opf:metadata", NS)
    assert meta is not None
    assert meta.find("dc:language", NS) is None and meta.find("dc:date", NS) is None


def test_the_nav_document_can_open_the_spine(tmp_path: Path) -> None:
    docs = [Doc("ch1.xhtml", "<p>One.</p>")]
    path = eb.build_epub(
        tmp_path / "b.epub", docs, [NavEntry("One", "ch1.xhtml")], nav_in_spine=True
    )
    assert spine_hrefs(opf_of(path)) == [("nav.xhtml", None), ("ch1.xhtml", None)]


# --------------------------------------------------------------------------- navigation


def test_epub3_nav_is_nested_with_landmarks(tmp_path: Path) -> None:
    with zipfile.ZipFile(eb.sample_epub(tmp_path / "book.epub")) as zf:
        nav = ET.fromstring(zf.read("OEBPS/nav.xhtml"))
    navs = {n.get(EPUB_TYPE): n for n in nav.iterfind(".//xhtml:nav", NS)}
    assert set(navs) == {"toc", "landmarks"}
    toc = navs["toc"].find("xhtml:ol", NS)
    assert toc is not None and nav_tree(toc) == SAMPLE_NAV_3
    marks = navs["landmarks"].iterfind(".//xhtml:a", NS)
    assert [(a.get(EPUB_TYPE), a.text, a.get("href")) for a in marks] == [
        ("bodymatter", "Start", "ch1.xhtml"),
        ("backmatter", "Notes", "notes.xhtml"),
    ]


def test_epub2_ncx_is_nested_and_play_orders_follow_targets(tmp_path: Path) -> None:
    with zipfile.ZipFile(eb.sample_epub(tmp_path / "book.epub", version=2)) as zf:
        ncx = ET.fromstring(zf.read("OEBPS/toc.ncx"))
    uid = ncx.find("ncx:head/ncx:meta[@name='dtb:uid']", NS)
    assert uid is not None and uid.get("content") == eb.book_identifier("The Harbour Book")
    nav_map = ncx.find("ncx:navMap", NS)
    assert nav_map is not None
    # A heading without a link points at its first chapter and shares its playOrder.
    assert ncx_tree(nav_map) == [
        (
            "Part One",
            "ch1.xhtml",
            "1",
            [
                ("The Harbour", "ch1.xhtml", "1", []),
                ("The Storm", "ch2.xhtml", "2", [("The Lighthouse", "ch2.xhtml#s2", "3", [])]),
            ],
        ),
        ("The Return", "ch3.xhtml", "4", []),
    ]


# --------------------------------------------------------------------------- content documents


def test_epub3_content_documents_are_xhtml5(tmp_path: Path) -> None:
    with zipfile.ZipFile(eb.sample_epub(tmp_path / "book.epub")) as zf:
        raw = zf.read("OEBPS/ch1.xhtml").decode()
        notes = ET.fromstring(zf.read("OEBPS/notes.xhtml"))
    assert "<!DOCTYPE html>" in raw and 'xmlns:epub="http://www.idpf.org/2007/ops"' in raw
    html = ET.fromstring(raw)
    assert html.tag == "{http://www.w3.org/1999/xhtml}html"
    assert html.findtext("xhtml:head/xhtml:title", namespaces=NS) == "The Harbour"
    body = html.find("xhtml:body", NS)
    assert body is not None and body.get(EPUB_TYPE) == "bodymatter"
    noteref = body.find(".//xhtml:a", NS)
    assert noteref is not None and noteref.get(EPUB_TYPE) == "noteref"
    assert noteref.get("href") == "notes.xhtml#n1"
    page = body.find(".//xhtml:span", NS)
    assert page is not None and (page.get(EPUB_TYPE), page.get("title")) == ("pagebreak", "5")
    assert body.findtext(".//xhtml:ruby/xhtml:rt", namespaces=NS) == "kan"
    aside = notes.find(".//xhtml:aside", NS)
    assert aside is not None and (aside.get(EPUB_TYPE), aside.get("id")) == ("footnote", "n1")


def test_epub2_content_documents_are_xhtml11(tmp_path: Path) -> None:
    with zipfile.ZipFile(eb.sample_epub(tmp_path / "book.epub", version=2)) as zf:
        raw = zf.read("OEBPS/ch2.xhtml").decode()
    assert '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN"' in raw
    assert "epub:" not in raw
    html = ET.fromstring(raw)
    assert html.find(".//xhtml:img", NS).get("alt") == "A map"  # type: ignore[union-attr]


def test_the_png_is_a_png() -> None:
    data = eb.png_bytes(3, 2)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    length, tag = struct.unpack(">I4s", data[8:16])
    assert (length, tag) == (13, b"IHDR")
    assert struct.unpack(">II", data[16:24]) == (3, 2)
    assert struct.unpack(">I", data[29:33])[0] == zlib.crc32(data[12:29])
    assert data.endswith(b"IEND\xaeB`\x82")


# --------------------------------------------------------------------------- EPUBCheck


@pytest.mark.parametrize("version", [3, 2])
def test_the_sample_book_passes_epubcheck(tmp_path: Path, version: int) -> None:
    eb.require_epubcheck()
    path = eb.sample_epub(tmp_path / "book.epub", version=version)
    result = eb.run_epubcheck(path)
    assert eb.epubcheck_messages(result) == []
    assert result.returncode == 0, result.stderr


def test_epubcheck_reports_a_broken_book(tmp_path: Path) -> None:
    """The check above is not vacuous: a missing spine file is an error."""
    eb.require_epubcheck()
    result = eb.run_epubcheck(eb.epub_with_missing_spine_item(tmp_path / "broken.epub"))
    assert result.returncode != 0
    assert any("ch2.xhtml" in line for line in eb.epubcheck_messages(result))


def test_a_bare_jar_runs_with_java(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jar = tmp_path / "epubcheck"
    jar.write_bytes(b"PK\x03\x04" + bytes(40))
    script = tmp_path / "script"
    script.write_text("#!/bin/sh\n")
    assert eb.epubcheck_argv(str(script)) == [str(script)]
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/java" if name == "java" else None)
    assert eb.epubcheck_argv(str(jar)) == [
        "/usr/bin/java", *eb.JAVA_QUICK, "-jar", os.path.realpath(jar)
    ]  # fmt: skip


def test_without_epubcheck_the_test_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install epubcheck"):
        eb.require_epubcheck()


# --------------------------------------------------------------------------- hostile files


def test_not_a_zip_is_not_a_zip(tmp_path: Path) -> None:
    path = eb.not_a_zip(tmp_path / "book.epub")
    assert path.stat().st_size > 0 and not zipfile.is_zipfile(path)


def test_zip_without_container_has_no_container(tmp_path: Path) -> None:
    with zipfile.ZipFile(eb.zip_without_container(tmp_path / "book.epub")) as zf:
        names = zf.namelist()
    assert names[0] == "mimetype" and eb.OPF_PATH in names
    assert "META-INF/container.xml" not in names


def test_missing_spine_item_is_in_the_spine_but_not_the_zip(tmp_path: Path) -> None:
    path = eb.epub_with_missing_spine_item(tmp_path / "book.epub")
    assert [href for href, _ in spine_hrefs(opf_of(path))] == ["ch1.xhtml", "ch2.xhtml"]
    with zipfile.ZipFile(path) as zf:
        assert "OEBPS/ch1.xhtml" in zf.namelist() and "OEBPS/ch2.xhtml" not in zf.namelist()


def expansion(text: str, name: str) -> int:
    """How many characters the internal entity ``name`` expands to, computed, not expanded."""
    entities = dict(re.findall(r'<!ENTITY (\w+) "([^"]*)">', text))
    sizes: dict[str, int] = {}

    def size(entity: str) -> int:
        if entity not in sizes:
            value = entities[entity]
            refs = re.findall(r"&(\w+);", value)
            sizes[entity] = len(re.sub(r"&\w+;", "", value)) + sum(size(r) for r in refs)
        return sizes[entity]

    return size(name)


@pytest.mark.parametrize("target", ["opf", "content"])
def test_the_entity_bomb_would_expand_to_gigabytes(tmp_path: Path, target: str) -> None:
    path = eb.epub_with_entity_bomb(tmp_path / "book.epub", target=target)  # type: ignore[arg-type]
    member = eb.OPF_PATH if target == "opf" else "OEBPS/ch1.xhtml"
    with zipfile.ZipFile(path) as zf:
        text = zf.read(member).decode()
    assert len(text) < 5000 and "<!DOCTYPE" in text and "&lol9;" in text
    assert expansion(text, "lol9") == 3 * 10**9


def test_the_zip_bomb_claims_gigabytes_in_a_small_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Made cheaply, whatever the machine's speed: a MiB of zeros deflated once (and its bytes
    # repeated), not 2 GiB, and nothing near 2 GiB held in memory.
    deflated: list[int] = []
    compressobj = zlib.compressobj

    class Counted:
        def __init__(self, *args: object) -> None:
            self._comp = compressobj(*args)

        def compress(self, data: bytes) -> bytes:
            deflated.append(len(data))
            return self._comp.compress(data)

        def flush(self, *args: int) -> bytes:
            return self._comp.flush(*args)

    monkeypatch.setattr(zlib, "compressobj", Counted)
    tracemalloc.start()
    try:
        path = eb.epub_with_zip_bomb(tmp_path / "book.epub")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sum(deflated) < 2 * 1024**2 and peak < 64 * 1024**2, (sum(deflated), peak)
    assert path.stat().st_size < 5 * 1024**2
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("OEBPS/ch1.xhtml")
        assert info.file_size == eb.ZIP_BOMB_SIZE > 1024**3
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert zf.namelist()[0] == "mimetype"
        assert spine_hrefs(opf_of(path)) == [("ch1.xhtml", None)]
        # The stream really is zeros (the first 16 MiB of it; all of it would take seconds).
        with zf.open(info) as member:
            assert member.read(16 * 1024**2) == bytes(16 * 1024**2)


def test_a_small_zip_bomb_inflates_whole_with_the_right_crc(tmp_path: Path) -> None:
    size = 5 * 1024**2 + 123
    path = eb.epub_with_zip_bomb(tmp_path / "book.epub", inflated_size=size)
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None  # checks every CRC
        assert zf.read("OEBPS/ch1.xhtml") == bytes(size)


def test_the_traversal_member_climbs_out_of_the_book(tmp_path: Path) -> None:
    path = eb.epub_with_traversal_member(tmp_path / "book.epub")
    with zipfile.ZipFile(path) as zf:
        assert "../../evil.xhtml" in zf.namelist()
    hrefs = [href for href, _ in spine_hrefs(opf_of(path))]
    assert hrefs == ["ch1.xhtml", "../../../evil.xhtml"]
    assert posixpath.normpath(posixpath.join("OEBPS", hrefs[1])) == "../../evil.xhtml"
