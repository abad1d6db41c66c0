"""The read-along EPUB: the book's text, each sentence highlighted as it is heard.

An EPUB 3 (SPECS.md section 10) with one XHTML document per chapter (an id on every sentence),
navigation, the cover, and a Media Overlay (SMIL) per chapter pairing each sentence with its clip
of the chapter's audio. The audio inside is each chapter's AAC twin (the one the M4B is joined
from) in an MP4 of its own: AAC LC is a core media type, and at 64 kbps it is a third of the
chapter MP3's 192 kbps (Pride and Prejudice: about 300 MB instead of 900). The clips' times are
the sentences' times in the chapter's timeline: the MP4's edit list skips the encoder's delay, as
in the M4B, so the AAC twin and the MP3 share one timeline.

Deterministic: fixed ZIP times, an identifier derived from the book's title and author, and a
modification date from the book's year (EPUB requires one; a wall-clock date would make every
render differ).
"""

from __future__ import annotations

import html
import re
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from xml.etree import ElementTree

from mutagen import MutagenError
from mutagen.mp4 import MP4, MP4Info

from audiobook.core.files import sha256
from audiobook.core.manifest import BookFile, Manifest
from audiobook.core.sentences import Timed
from audiobook.formats import m4b as mp4
from audiobook.outputs.captions import CAPTION_SLACK_S
from audiobook.outputs.interface import BookContext, ChapterFile, CheckStage, Result

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
ACTIVE_CLASS = "-epub-media-overlay-active"
CSS = f"""body {{ font-family: serif; line-height: 1.5; margin: 1em 5%; }}
h1 {{ font-size: 1.4em; margin: 1.5em 0 1em; }}
p {{ margin: 0 0 0.8em; text-indent: 0; }}
.{ACTIVE_CLASS} {{ background-color: #fff3a8; color: inherit; }}
"""


def clock(seconds: float) -> str:
    """A SMIL clock value: "0:01:02.345"."""
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h}:{m:02d}:{s:02d}.{ms:03d}"


def parse_clock(value: str | None) -> float:
    """A SMIL clock value ("0:01:02.345", "62.345s") in seconds."""
    if value is None:
        raise ValueError("a clip without its times")
    if value.endswith("s") and ":" not in value:
        return float(value[:-1])
    seconds = 0.0
    for part in value.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


class ReadAlong:
    name = "epub"
    switch = "book_readalong"
    check_stage = CheckStage.TIMED

    def file_name(self, book: BookContext) -> str:
        return f"{book.slug}.epub"

    def write(self, book: BookContext, tmp: Path) -> BookFile:
        write_epub(book, tmp)
        return BookFile(self.name, self.file_name(book), sha256(tmp))

    def check(self, path: Path, manifest: Manifest, quick: bool) -> Iterator[Result]:
        """An overlay for every chapter, each of its clips pointing at a sentence that is in the
        chapter's document and inside the audio it names."""
        chapters = len(manifest.chapters)
        try:
            problems, clips, overlays = _readalong_problems(path)
        except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError) as exc:
            yield Result(path.name, "read-along", False, f"not a read-along EPUB: {exc}")
            return
        if overlays != chapters:
            problems.insert(0, f"{overlays} overlays for {chapters} chapters")
        yield Result(
            path.name, "read-along", not problems,
            "; ".join(problems[:3]) or f"{overlays} overlays, {clips} clips",
        )  # fmt: skip


OUTPUT = ReadAlong()


def _seconds(track: mp4.AacTrack) -> float:
    """What is heard of an AAC twin: its frames less the encoder's delay (as in m4b.py)."""
    bounds = mp4.chapter_starts([mp4.Chapter("", track)])
    return bounds[-1] / track.sample_rate


def write_epub(book: BookContext, out: Path) -> None:
    """The EPUB at OUT. Each chapter's audio is made into an MP4 beside OUT (a hidden .tmp file,
    which a killed render's clean-up removes), streamed into the ZIP and deleted: one chapter's
    audio on disk at a time."""
    tags = book.tags
    durations = [_seconds(c.aac) for c in book.chapters]
    language = tags.language or "en"
    identifier = (
        f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'audiobook:{tags.title}:{tags.author}')}"
    )
    modified = f"{tags.year or 2000:04d}-01-01T00:00:00Z"
    total = sum(durations)
    items, spine, refines = [], [], []
    docs: dict[str, bytes] = {}
    for n, (chapter, seconds) in enumerate(zip(book.chapters, durations, strict=True), start=1):
        doc, smil = f"ch{n:03d}.xhtml", f"ch{n:03d}.smil"
        sentences = [s for s in chapter.sentences if s.end > s.start]
        docs[doc] = _chapter_xhtml(chapter, sentences, language).encode("utf-8")
        docs[smil] = _smil(doc, f"audio/ch{n:03d}.m4a", sentences).encode("utf-8")
        items += [
            f'<item id="c{n}" href="{doc}" media-type="application/xhtml+xml" '
            f'media-overlay="o{n}"/>',
            f'<item id="o{n}" href="{smil}" media-type="application/smil+xml"/>',
            f'<item id="a{n}" href="audio/ch{n:03d}.m4a" media-type="audio/mp4"/>',
        ]
        spine.append(f'<itemref idref="c{n}"/>')
        refines.append(f'<meta property="media:duration" refines="#o{n}">{clock(seconds)}</meta>')
    cover = ""
    if tags.cover:
        suffix = "png" if tags.cover_mime == "image/png" else "jpg"
        docs[f"cover.{suffix}"] = tags.cover
        items.append(
            f'<item id="cover" href="cover.{suffix}" media-type="{tags.cover_mime}" '
            'properties="cover-image"/>'
        )
        cover = f"cover.{suffix}"
    docs["nav.xhtml"] = _nav(book.chapters, language, tags.title).encode("utf-8")
    docs["style.css"] = CSS.encode("utf-8")
    items += [
        '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>',
        '<item id="css" href="style.css" media-type="text/css"/>',
    ]
    e = html.escape
    opf = f"""<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" xml:lang="{e(language)}">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="uid">{identifier}</dc:identifier>
    <dc:title>{e(tags.title)}</dc:title>
    {f"<dc:creator>{e(tags.author)}</dc:creator>" if tags.author else ""}
    <dc:language>{e(language)}</dc:language>
    <meta property="dcterms:modified">{modified}</meta>
    <meta property="media:duration">{clock(total)}</meta>
    {"".join(refines)}
    {f'<meta property="media:narrator">{e(tags.narrator)}</meta>' if tags.narrator else ""}
    <meta property="media:active-class">{ACTIVE_CLASS}</meta>
  </metadata>
  <manifest>
    {"".join(items)}
  </manifest>
  <spine>
    {"".join(spine)}
  </spine>
</package>
"""  # noqa: E501
    container = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""
    del cover
    with zipfile.ZipFile(out, "w") as z:
        _add(z, "mimetype", b"application/epub+zip", zipfile.ZIP_STORED)
        _add(z, "META-INF/container.xml", container.encode("utf-8"))
        _add(z, "EPUB/package.opf", opf.encode("utf-8"))
        for name, data in docs.items():
            _add(z, f"EPUB/{name}", data)
        for n, chapter in enumerate(book.chapters, start=1):
            path = out.with_name(f".{out.name}.ch{n:03d}.m4a.tmp")
            try:
                mp4.write_m4b([mp4.Chapter(chapter.title, chapter.aac)], path)
                info = zipfile.ZipInfo(f"EPUB/audio/ch{n:03d}.m4a", ZIP_TIME)
                info.compress_type = zipfile.ZIP_STORED  # AAC does not compress
                with path.open("rb") as source, z.open(info, "w", force_zip64=True) as sink:
                    while block := source.read(1 << 20):
                        sink.write(block)
            finally:
                path.unlink(missing_ok=True)


def _add(z: zipfile.ZipFile, name: str, data: bytes, kind: int = zipfile.ZIP_DEFLATED) -> None:
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.compress_type = kind
    z.writestr(info, data)


def _ids(sentences: Sequence[Timed]) -> list[str]:
    return [f"s{n:05d}" for n in range(1, len(sentences) + 1)]


def _chapter_xhtml(chapter: ChapterFile, sentences: Sequence[Timed], language: str) -> str:
    """The chapter's text, a span with an id on each sentence, a paragraph per written run; the
    title (its first run) as the heading."""
    e = html.escape
    body: list[str] = []
    current: int | None = None
    for sentence, sid in zip(sentences, _ids(sentences), strict=True):
        span = f'<span id="{sid}">{e(sentence.text, quote=False)}</span>'
        if sentence.group != current:
            if current is not None:
                body.append("</h1>" if current == 0 else "</p>")
            body.append("<h1>" if sentence.group == 0 else "<p>")
            current = sentence.group
            body.append(span)
        else:
            body.append(" " + span)
    if current is not None:
        body.append("</h1>" if current == 0 else "</p>")
    if not body:
        body = [f"<h1>{e(chapter.title)}</h1>"]
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="{e(language)}" xml:lang="{e(language)}">
<head><meta charset="UTF-8"/><title>{e(chapter.title)}</title><link rel="stylesheet" href="style.css"/></head>
<body>
<section id="chapter" epub:type="chapter">
{"".join(body)}
</section>
</body>
</html>
"""  # noqa: E501


def _smil(doc: str, audio: str, sentences: Sequence[Timed]) -> str:
    pars = "\n".join(
        f'<par id="p{sid}"><text src="{doc}#{sid}"/>'
        f'<audio src="{audio}" clipBegin="{clock(s.start)}" clipEnd="{clock(s.end)}"/></par>'
        for s, sid in zip(sentences, _ids(sentences), strict=True)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<smil xmlns="http://www.w3.org/ns/SMIL" xmlns:epub="http://www.idpf.org/2007/ops" version="3.0">
<body>
<seq id="seq1" epub:textref="{doc}#chapter" epub:type="chapter">
{pars}
</seq>
</body>
</smil>
"""


def _nav(chapters: Sequence[ChapterFile], language: str, title: str) -> str:
    e = html.escape
    entries = "\n".join(
        f'<li><a href="ch{n:03d}.xhtml">{e(c.title)}</a></li>'
        for n, c in enumerate(chapters, start=1)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="{e(language)}" xml:lang="{e(language)}">
<head><meta charset="UTF-8"/><title>{e(title)}</title></head>
<body>
<nav epub:type="toc" id="toc"><h1>{e(title)}</h1>
<ol>
{entries}
</ol>
</nav>
</body>
</html>
"""  # noqa: E501


def _readalong_problems(path: Path) -> tuple[list[str], int, int]:
    """What is wrong with the EPUB's overlays, how many clips and how many overlays it has."""
    from defusedxml import ElementTree as SafeTree

    smil_ns, opf_ns = "{http://www.w3.org/ns/SMIL}", "{http://www.idpf.org/2007/opf}"
    problems: list[str] = []
    clips = 0
    with zipfile.ZipFile(path) as z:
        package = SafeTree.fromstring(z.read("EPUB/package.opf"))
        items = {i.get("id"): i for i in package.iter(f"{opf_ns}item")}
        overlays = [i for i in items.values() if i.get("media-overlay")]
        durations: dict[str, float] = {}
        for doc in overlays:
            smil_name = "EPUB/" + items[doc.get("media-overlay")].get("href")
            text = z.read("EPUB/" + doc.get("href")).decode("utf-8")
            ids = set(re.findall(r'\sid="([^"]+)"', text))
            for par in SafeTree.fromstring(z.read(smil_name)).iter(f"{smil_ns}par"):
                clips += 1
                target = par.find(f"{smil_ns}text").get("src").partition("#")[2]
                audio = par.find(f"{smil_ns}audio")
                src = "EPUB/" + audio.get("src")
                if src not in durations:
                    durations[src] = _audio_seconds(z, src)
                begin, end = parse_clock(audio.get("clipBegin")), parse_clock(audio.get("clipEnd"))
                if target not in ids:
                    problems.append(f"{smil_name}: #{target} is not in {doc.get('href')}")
                if not 0 <= begin < end <= durations[src] + CAPTION_SLACK_S:
                    problems.append(
                        f"{smil_name}: clip {begin:.3f}-{end:.3f} s is outside {src} "
                        f"({durations[src]:.3f} s)"
                    )
    return problems, clips, len(overlays)


def _audio_seconds(epub: zipfile.ZipFile, name: str) -> float:
    """The length of the MP4 audio NAME inside EPUB (stored, so seeking in it is cheap)."""
    with epub.open(name) as audio:
        try:
            info = MP4(audio).info
        except MutagenError as exc:
            raise ValueError(f"{name} is not readable MP4 audio ({exc})") from None
    if not isinstance(info, MP4Info):
        raise ValueError(f"{name} holds no audio stream")
    return info.length
