"""Word and OpenDocument files for the DOCX and ODT readers' tests.

The shared three-chapter manuscript (manuscript.py) is written by python-docx and odfpy, writers
that are not our readers; what they cannot write (footnotes in a DOCX, comments, tracked changes,
fields, text boxes) is written as the XML Word and LibreOffice write, in small packages made here.
Hostile files (a ZIP bomb, a deep or huge document) are made here too, and `measured` runs the
command line on one as a user would and says how long it took and how much memory it used.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from odf import dc, meta
from odf.opendocument import OpenDocumentText
from odf.style import ParagraphProperties, Style, TextProperties
from odf.text import H, Note, NoteBody, NoteCitation, P, Span

from . import manuscript as ms

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DOC_NS = (
    f'xmlns:w="{W}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PART = "application/vnd.openxmlformats-officedocument.wordprocessingml"
# Word's own: the built-in styles by their English names, whatever the language of its menus.
STYLES = f"""<w:styles {_DOC_NS}>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/>
  <w:basedOn w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/>
  <w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/>
  <w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="TOC1"><w:name w:val="toc 1"/></w:style>
<w:style w:type="paragraph" w:styleId="Secret"><w:name w:val="Secret"/>
  <w:rPr><w:vanish/></w:rPr></w:style>
<w:style w:type="character" w:styleId="HiddenChar"><w:name w:val="Hidden Char"/>
  <w:rPr><w:vanish/></w:rPr></w:style>
</w:styles>"""


def p(text: str = "", style: str | None = None, inner: str | None = None) -> str:
    """A WordprocessingML paragraph of one run of TEXT (or of the runs INNER)."""
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{props}{inner if inner is not None else r(text)}</w:p>"


def r(text: str, props: str = "") -> str:
    """A run of TEXT with run properties PROPS (e.g. "<w:i/>")."""
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{text}</w:t></w:r>'


def chapter(title: str, *paragraphs: str) -> str:
    return p(title, "Heading1") + "".join(p(t) for t in paragraphs)


def notes_part(kind: str, notes: dict[int, str]) -> str:
    """word/footnotes.xml (KIND "footnote") or endnotes.xml, with Word's two separators."""
    separators = (
        f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
        f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r>'
        f"<w:continuationSeparator/></w:r></w:p></w:{kind}>"
    )
    body = "".join(
        f'<w:{kind} w:id="{n}"><w:p><w:r><w:{kind}Ref/></w:r>{r(" " + text)}</w:p></w:{kind}>'
        for n, text in notes.items()
    )
    return f"<w:{kind}s {_DOC_NS}>{separators}{body}</w:{kind}s>"


def comments_part(comments: dict[int, str]) -> str:
    body = "".join(
        f'<w:comment w:id="{n}" w:author="Ed"><w:p>{r(text)}</w:p></w:comment>'
        for n, text in comments.items()
    )
    return f"<w:comments {_DOC_NS}>{body}</w:comments>"


def core(title: str = "", author: str = "", language: str = "") -> str:
    return (
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{title}</dc:title><dc:creator>{author}</dc:creator>"
        f"<cp:keywords>not, the, book</cp:keywords><dc:language>{language}</dc:language>"
        "</cp:coreProperties>"
    )


def docx_package(
    path: Path,
    body: str,
    *,
    styles: str | None = STYLES,
    parts: dict[str, str] | None = None,
    properties: str | None = None,
    document: str | None = None,
) -> Path:
    """A DOCX whose body is BODY, with PARTS ("footnotes", "endnotes", "comments": their XML),
    as Word lays out its package; DOCUMENT replaces the whole document.xml."""
    related = {"styles": styles, **(parts or {})}
    related = {kind: xml for kind, xml in related.items() if xml is not None}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        overrides = "".join(
            f'<Override PartName="/word/{kind}.xml" ContentType="{_PART}.{kind}+xml"/>'
            for kind in related
        )
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{_PART}.document.main+xml"/>'
            f"{overrides}</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="word/document.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
            'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "word/document.xml",
            document
            if document is not None
            else f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f"<w:document {_DOC_NS}><w:body>{body}<w:sectPr/></w:body></w:document>",
        )
        z.writestr(
            "word/_rels/document.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{n}" Type="{_REL}/{kind}" Target="{kind}.xml"/>'
                for n, kind in enumerate(related, start=10)
            )
            + "</Relationships>",
        )
        for kind, xml in related.items():
            z.writestr(f"word/{kind}.xml", xml)
        if properties is not None:
            z.writestr("docProps/core.xml", properties)
    return path


def add_docx_parts(path: Path, parts: dict[str, str]) -> None:
    """Add PARTS ("footnotes": its XML) to the DOCX at PATH, related to its document."""
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    types = members["[Content_Types].xml"].decode()
    rels = members["word/_rels/document.xml.rels"].decode()
    for n, (kind, xml) in enumerate(parts.items(), start=900):
        members[f"word/{kind}.xml"] = xml.encode()
        types = types.replace(
            "</Types>",
            f'<Override PartName="/word/{kind}.xml" ContentType="{_PART}.{kind}+xml"/></Types>',
        )
        rels = rels.replace(
            "</Relationships>",
            f'<Relationship Id="rId{n}" Type="{_REL}/{kind}" Target="{kind}.xml"/></Relationships>',
        )
    members["[Content_Types].xml"], members["word/_rels/document.xml.rels"] = (
        types.encode(),
        rels.encode(),
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)


def docx_manuscript(path: Path) -> Path:
    """The manuscript by python-docx: core properties, a Title paragraph, "Heading 1"
    chapters, italics, a centred scene break, and the footnote (python-docx writes no notes:
    its reference is added to the run and footnotes.xml to the package)."""
    document = docx.Document()
    props = document.core_properties
    props.title, props.author, props.language = ms.TITLE, ms.AUTHOR, ms.LANGUAGE
    document.add_paragraph(ms.TITLE, style="Title")
    for chapter_ in ms.CHAPTERS:
        document.add_heading(chapter_.title, level=1)
        for text in chapter_.paragraphs:
            para = document.add_paragraph()
            if text == ms.SCENE_BREAK:
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for n, part in enumerate(re.split(r"\*(\w+)\*", text)):
                before, note, after = part.partition("[1]")
                para.add_run(before).italic = bool(n % 2)
                if note:
                    run = para.add_run()
                    reference = OxmlElement("w:footnoteReference")
                    reference.set(qn("w:id"), "1")
                    run._r.append(reference)
                    para.add_run(after)
    document.save(str(path))
    add_docx_parts(path, {"footnotes": notes_part("footnote", {1: ms.FOOTNOTE})})
    return path


# --- OpenDocument ------------------------------------------------------------------------------

_ODF = "urn:oasis:names:tc:opendocument:xmlns:"
_ODF_NS = (
    f'xmlns:office="{_ODF}office:1.0" xmlns:text="{_ODF}text:1.0" '
    f'xmlns:style="{_ODF}style:1.0" xmlns:table="{_ODF}table:1.0" '
    f'xmlns:draw="{_ODF}drawing:1.0" xmlns:svg="{_ODF}svg-compatible:1.0" '
    f'xmlns:fo="{_ODF}xsl-fo-compatible:1.0" xmlns:meta="{_ODF}meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3"'
)
ODT_STYLES = (
    '<style:style style:name="Title" style:family="paragraph"/>'
    '<style:style style:name="Heading_20_1" style:display-name="Heading 1" '
    'style:family="paragraph" style:default-outline-level="1"/>'
)
ODT_META = (
    "<dc:title>The Tide Tables</dc:title><meta:initial-creator>Ana Brook</meta:initial-creator>"
    "<dc:creator>An Editor</dc:creator><dc:language>en-GB</dc:language>"
)


def odt_xml(body: str, automatic: str = "", styles: str = ODT_STYLES, meta_: str = "") -> str:
    """A flat ODT (.fodt): the same elements as an ODT's parts, in one document."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document {_ODF_NS} '
        'office:mimetype="application/vnd.oasis.opendocument.text">'
        f"<office:meta>{meta_}</office:meta><office:styles>{styles}</office:styles>"
        f"<office:automatic-styles>{automatic}</office:automatic-styles>"
        f"<office:body><office:text>{body}</office:text></office:body></office:document>"
    )


def odt_package(
    path: Path,
    body: str,
    *,
    automatic: str = "",
    styles: str = ODT_STYLES,
    meta_: str = ODT_META,
    content: str | None = None,
    encrypted: bool = False,
) -> Path:
    """An ODT as LibreOffice lays it out: `mimetype` first and stored, then its parts;
    CONTENT replaces the whole content.xml; ENCRYPTED: its manifest says content.xml is (as
    LibreOffice's does for a password-protected file)."""
    secret = '<manifest:encryption-data manifest:checksum-type="SHA1/1K"/>' if encrypted else ""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.text",
            compress_type=zipfile.ZIP_STORED,
        )
        z.writestr(
            "content.xml",
            content
            if content is not None
            else f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_ODF_NS}>'
            f"<office:automatic-styles>{automatic}</office:automatic-styles>"
            f"<office:body><office:text>{body}</office:text></office:body>"
            "</office:document-content>",
        )
        z.writestr(
            "styles.xml",
            f"<office:document-styles {_ODF_NS}><office:styles>{styles}</office:styles>"
            '<office:master-styles><style:master-page style:name="Standard"><style:header>'
            "<text:p>A RUNNING HEADER</text:p></style:header></style:master-page>"
            "</office:master-styles></office:document-styles>",
        )
        z.writestr(
            "meta.xml",
            f"<office:document-meta {_ODF_NS}><office:meta>{meta_}</office:meta>"
            "</office:document-meta>",
        )
        z.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
            'manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
            f"{secret}</manifest:file-entry></manifest:manifest>",
        )
    return path


def odt_manuscript(path: Path) -> Path:
    """The manuscript by odfpy: meta.xml, a paragraph whose automatic style's parent is
    "Title", text:h chapters at outline level 1, an italic span, a centred scene break, and
    the footnote as a text:note."""
    document = OpenDocumentText()
    title = Style(name="Title", family="paragraph")
    heading = Style(
        name="Heading_20_1", displayname="Heading 1", family="paragraph", defaultoutlinelevel="1"
    )
    for style in (title, heading):
        document.styles.addElement(style)
    titled = Style(name="P1", family="paragraph", parentstylename="Title")
    centred = Style(name="P2", family="paragraph")
    centred.addElement(ParagraphProperties(textalign="center"))
    italic = Style(name="T1", family="text")
    italic.addElement(TextProperties(fontstyle="italic"))
    for style in (titled, centred, italic):
        document.automaticstyles.addElement(style)
    document.text.addElement(P(stylename=titled, text=ms.TITLE))
    for chapter_ in ms.CHAPTERS:
        document.text.addElement(H(outlinelevel=1, stylename=heading, text=chapter_.title))
        for text in chapter_.paragraphs:
            para = P(stylename=centred) if text == ms.SCENE_BREAK else P()
            for n, part in enumerate(re.split(r"\*(\w+)\*", text)):
                if n % 2:
                    para.addElement(Span(stylename=italic, text=part))
                    continue
                before, note, after = part.partition("[1]")
                para.addText(before)
                if note:
                    element = Note(id="ftn1", noteclass="footnote")
                    element.addElement(NoteCitation(text="1"))
                    body = NoteBody()
                    body.addElement(P(text=ms.FOOTNOTE))
                    element.addElement(body)
                    para.addElement(element)
                    para.addText(after)
            document.text.addElement(para)
    document.meta.addElement(dc.Title(text=ms.TITLE))
    document.meta.addElement(meta.InitialCreator(text=ms.AUTHOR))
    document.meta.addElement(dc.Language(text=ms.LANGUAGE))
    document.save(str(path))
    return path


# --- LibreOffice ------------------------------------------------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


def converted(source: Path, kind: str, folder: Path) -> Path:
    """SOURCE saved as KIND ("docx", "odt") by LibreOffice Writer, headless, with a profile of
    its own (no lock shared with a Writer the user has open)."""
    subprocess.run(
        [str(SOFFICE), f"-env:UserInstallation=file://{folder / 'profile'}", "--headless",
         "--convert-to", kind, "--outdir", str(folder), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return folder / f"{source.stem}.{kind}"


# --- hostile files -----------------------------------------------------------------------------


def zip_bomb(path: Path, member: str, size: int, others: dict[str, bytes]) -> Path:
    """A ZIP whose MEMBER inflates to SIZE bytes of spaces from ~SIZE/1000 on disk, written
    directly (deflating gigabytes through zipfile takes seconds): each MB of spaces deflated
    after a full flush is the same bytes, so the stream is one MB's output repeated. Its CRC is
    wrong, as a bomb's may be: nothing may read that far to find out."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(b" " * (1 << 20)) + packer.flush(zlib.Z_FULL_FLUSH)
    stream = block * (size >> 20) + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    entries = [(n.encode(), d, 0, len(d), zlib.crc32(d)) for n, d in others.items()]
    entries.append((member.encode(), stream, 8, size, 0))
    out, central = bytearray(), bytearray()
    for name, data, method, full, crc in entries:
        offset = len(out)
        head = struct.pack("<IHHHHHIII", 0x04034B50, 20, 0, method, 0, 0, crc, len(data), full)
        out += head + struct.pack("<HH", len(name), 0) + name + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, crc, len(data), full,
            len(name), 0, 0, 0, 0, 0, offset,
        ) + name  # fmt: skip
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(out), 0
    )
    path.write_bytes(bytes(out + central + end))
    return path


@dataclass(frozen=True)
class Measured:
    returncode: int
    stderr: str
    seconds: float
    peak_mb: float


_MEASURE = """
import json, resource, subprocess, sys, time
start = time.monotonic()
done = subprocess.run([sys.executable, "-m", "audiobook", "chapters", sys.argv[1]],
                      capture_output=True, text=True, timeout=60)
print(json.dumps([done.returncode, done.stderr, time.monotonic() - start,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]))
"""


def measured(path: Path, cwd: Path) -> Measured:
    """`audiobook chapters PATH` run as a user runs it, in a process of its own: its exit
    code, what it said, its time and its peak memory (the child's maximum resident set)."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return Measured(*json.loads(done.stdout))
