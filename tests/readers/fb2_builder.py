"""FictionBook 2 files written for the FB2 reader's tests, as the converters of the Russian
libraries write them: the shared manuscript (manuscript.py: sections with titles, the scene
break as a subtitle, emphasis, the footnote in <body name="notes">, a cover in a <binary>), a
short Russian book in windows-1251, and hostile files. `build_fb2_book` and
`build_fb2_zip_book` are test_formats.py's builders."""

# ruff: noqa: RUF001 - Russian prose is made of Cyrillic letters, not look-alikes
from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image

from . import manuscript as ms
from .marks import parts

NS = 'xmlns="http://www.gribuser.ru/xml/fictionbook/2.0" xmlns:l="http://www.w3.org/1999/xlink"'


def cover_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (30, 60, 90)).save(buffer, "PNG")
    return buffer.getvalue()


def _paragraph(text: str) -> str:
    out = []
    for kind, value in parts(text):
        if kind == "text":
            out.append(escape(value))
        elif kind == "italic":
            out.append(f"<emphasis>{escape(value)}</emphasis>")
        else:
            out.append(f'<a l:href="#n{value}" type="note">[{value}]</a>')
    return "".join(out)


def description(
    title: str = ms.TITLE,
    first: str = "Mara",
    last: str = "Quill",
    lang: str = ms.LANGUAGE,
    cover: bool = True,
) -> str:
    cover_page = '<coverpage><image l:href="#cover.png"/></coverpage>' if cover else ""
    return (
        "<description><title-info><genre>prose_contemporary</genre>"
        f"<author><first-name>{first}</first-name><last-name>{last}</last-name></author>"
        f"<book-title>{escape(title)}</book-title>"
        "<annotation><p>A keeper, a storm, and a <emphasis>letter</emphasis>.</p></annotation>"
        f'<date value="2024-03-01">2024</date>{cover_page}<lang>{lang}</lang></title-info>'
        "<document-info><author><nickname>converter</nickname></author>"
        "<program-used>FictionBook Editor 2.6</program-used><id>0001</id><version>1.0</version>"
        "</document-info></description>"
    )


def lighthouse_fb2(*, cover: bool = True, in_parts: bool = False) -> bytes:
    """The manuscript as FB2; IN_PARTS puts chapters one and two in "Part One", three in "Part
    Two", as books in parts are."""
    sections = []
    for chapter in ms.CHAPTERS:
        body = "".join(
            "<subtitle>* * *</subtitle>" if p == ms.SCENE_BREAK else f"<p>{_paragraph(p)}</p>"
            for p in chapter.paragraphs
        )
        sections.append(f"<section><title><p>{escape(chapter.title)}</p></title>{body}</section>")
    if in_parts:
        sections = [
            "<section><title><p>Part One</p></title>" + "".join(sections[:2]) + "</section>",
            "<section><title><p>Part Two</p></title>" + sections[2] + "</section>",
        ]
    notes = f'<section id="n1"><title><p>1</p></title><p>{escape(ms.FOOTNOTE)}</p></section>'
    binary = (
        f'<binary id="cover.png" content-type="image/png">'
        f"{base64.encodebytes(cover_png()).decode()}</binary>"
        if cover
        else ""
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<FictionBook {NS}>{description(cover=cover)}'
        f"<body><title><p>{ms.AUTHOR}</p><p>{ms.TITLE}</p></title>{''.join(sections)}</body>"
        f'<body name="notes"><title><p>Notes</p></title>{notes}</body>{binary}</FictionBook>'
    ).encode()


RUSSIAN_TITLES = ["Глава первая", "Глава вторая"]
RUSSIAN_TEXT = [
    "Ветер дул с моря весь вечер, и Мара поднималась по ступеням маяка с маслом для лампы.",
    "К утру буря утихла, и лодки одна за другой вернулись в гавань.",
]


def russian_fb2(encoding: str = "windows-1251") -> bytes:
    """A short Russian book in ENCODING, as the XML declaration says."""
    sections = "".join(
        f"<section><title><p>{title}</p></title><p>{text}</p><p>{text}</p></section>"
        for title, text in zip(RUSSIAN_TITLES, RUSSIAN_TEXT, strict=True)
    )
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<FictionBook {NS}>'
        + description("Смотритель маяка", "Мара", "Квилл", "ru", cover=False)
        + f"<body>{sections}</body></FictionBook>"
    )
    return text.encode(encoding)


def body_fb2(body: str, notes: str = "", lang: str = "en") -> bytes:
    """A book whose main body is BODY (markup), with a notes body NOTES."""
    extra = f'<body name="notes">{notes}</body>' if notes else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><FictionBook {NS}>'
        f"{description(lang=lang, cover=False)}<body>{body}</body>{extra}</FictionBook>"
    ).encode()


def section(title: str, *paragraphs: str, attrs: str = "") -> str:
    inner = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<section{attrs}><title><p>{title}</p></title>{inner}</section>"


def zipped(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def billion_laughs() -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">'
        for n in range(1, 10)
    )
    return (
        f'<?xml version="1.0"?><!DOCTYPE FictionBook [{entities}]>'
        f"<FictionBook {NS}><body><section><p>&lol9;</p></section></body></FictionBook>"
    ).encode()


def zip_bomb(path: Path) -> Path:
    """A .fb2.zip whose one member inflates to 200 MB of spaces (a few hundred KB zipped)."""
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("book.fb2", "w") as member,
    ):
        member.write(f'<?xml version="1.0"?><FictionBook {NS}><body>'.encode())
        chunk = b" " * (1 << 20)
        for _ in range(200):
            member.write(chunk)
        member.write(b"</body></FictionBook>")
    return path


def deep_fb2(depth: int = 100_000) -> bytes:
    return (
        f'<?xml version="1.0"?><FictionBook {NS}><body>'
        + "<section>" * depth
        + "<p>deep</p>"
        + "</section>" * depth
        + "</body></FictionBook>"
    ).encode()


def build_fb2_book(folder: Path) -> Path:
    path = folder / "book.fb2"
    path.write_bytes(lighthouse_fb2())
    return path


def build_fb2_zip_book(folder: Path) -> Path:
    return zipped(folder / "book.fb2.zip", {"book.fb2": lighthouse_fb2()})
