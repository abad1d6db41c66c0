"""RTF files written by hand, as Word, LibreOffice, TextEdit and WordPad write them (the RTF
1.9.1 specification is small), for the RTF reader's tests.

`word_rtf` writes the shared manuscript (manuscript.py) as Word does: a font table, a colour
table, a style sheet ("heading 1" with its outline level, or by name only as LibreOffice's
"Heading 1", or no heading styles), \\info, a page header with a PAGE field, the title in a
Title style, footnotes with \\chftn, curly quotes as \\uN with a code-page fallback, italic in
{\\i ...}, and the rsid noise Word adds. `textedit_rtf` writes it as macOS TextEdit does
(\\cocoartf, a backslash at each line's end for a paragraph, \\uc0\\uN, no styles, no
footnotes); `wordpad_rtf` as Windows WordPad (RichEdit) does (\\'hh bytes in code page 1252,
\\lang9). `build_rtf_book` and `build_plain_rtf_book` are test_formats.py's builders.
"""

from __future__ import annotations

from pathlib import Path

from . import manuscript as ms
from .marks import parts


def escape(text: str, mode: str = "word") -> str:
    """TEXT in RTF: MODE "word" writes \\uN with a cp1252 fallback byte, "cocoa" \\uc0\\uN,
    "codepage" \\'hh where cp1252 has the character (else \\uN?)."""
    out = []
    for ch in text:
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ord(ch) < 128:
            out.append(ch)
        elif mode == "codepage" and _cp1252(ch):
            out.append(f"\\'{_cp1252(ch):02x}")
        else:
            units = ch.encode("utf-16-le")
            for i in range(0, len(units), 2):
                code = int.from_bytes(units[i : i + 2], "little")
                signed = code - 65536 if code > 32767 else code
                if mode == "cocoa":
                    out.append(f"\\uc0\\u{signed} ")
                else:
                    fallback = f"\\'{_cp1252(ch):02x}" if _cp1252(ch) else "?"
                    out.append(f"\\u{signed}{fallback}")
    return "".join(out)


def _cp1252(ch: str) -> int | None:
    try:
        return ch.encode("cp1252")[0]
    except UnicodeEncodeError:
        return None


_WORD_HEAD = r"""{\rtf1\adeflang1025\ansi\ansicpg1252\uc1\adeff31507\deff0\stshfdbch31505
\stshfloch31506
\stshfhich31506\stshfbi31507\deflang1033\deflangfe1033\themelang1033\themelangfe0\themelangcs0
{\fonttbl{\f0\fbidi \froman\fcharset0\fprq2{\*\panose 02020603050405020304}Times New Roman;}{
\f1\fbidi \fswiss\fcharset0\fprq2{\*\panose 020b0604020202020204}Arial;}
{\f2\fbidi \fmodern\fcharset0\fprq1{\*\panose 02070309020205020404}Courier New{\*
\falt Courier New};}}
{\colortbl;\red0\green0\blue0;\red0\green0\blue255;\red0\green255\blue255;}
{\*\defchp \fs22\loch\af31506\hich\af31506\dbch\af31505 }{\*\defpap \ql \li0\ri0\sa160\sl259
\slmult1\widctlpar\wrapdefault\aspalpha\aspnum\faauto\adjustright\rin0\lin0\itap0 }
{\stylesheet{\ql \li0\ri0\sa160\sl259\slmult1\widctlpar\wrapdefault\aspalpha\aspnum\faauto
\adjustright\rin0\lin0\itap0 \rtlch\fcs1 \af0\afs22\alang1025 \ltrch\fcs0 \fs22\lang1033
\langfe1033\cgrid\langnp1033\langfenp1033 \snext0 \sqformat \spriority0 Normal;}
HEADINGSTYLE
{\s15\qc \li0\ri0\sa300\widctlpar\wrapdefault\aspalpha\aspnum\faauto\adjustright\rin0\lin0
\itap0 \rtlch\fcs1 \af0\afs56 \ltrch\fcs0 \fs56\expnd-2\expndtw-10\kerning28 \sbasedon0
\snext0 \slink16 \sqformat \spriority10 Title;}
{\*\cs10 \additive \ssemihidden \sunhideused \spriority1 Default Paragraph Font;}
{\s17\ql \li0\ri0\widctlpar\wrapdefault\aspalpha\aspnum\faauto\adjustright\rin0\lin0\itap0
\rtlch\fcs1 \af0\afs20 \ltrch\fcs0 \fs20 \sbasedon0 \snext17 \slink18 \ssemihidden
\sunhideused footnote text;}
{\*\cs19 \additive \rtlch\fcs1 \af0 \ltrch\fcs0 \super \sbasedon10 \ssemihidden
\sunhideused footnote reference;}}
{\*\rsidtbl \rsid1337\rsid4242}{\mmathPr\mmathFont34\mbrkBin0\mbrkBinSub0\msmallFrac0\mdispDef1}
{\info{\title The Lighthouse Keeper}{\author Mara Quill}{\operator Mara Quill}{\creatim\yr2024
\mo3\dy1\hr9\min5}{\version2}{\edmins3}{\nofpages3}{\nofwords300}{\nofchars1700}{\vern57}}
{\*\xmlnstbl {\xmlns1 http://schemas.microsoft.com/office/word/2003/wordml}}
\paperw12240\paperh15840\margl1440\margr1440\margt1440\margb1440\gutter0\ltrsect
\widowctrl\ftnbj\aenddoc\trackmoves0\trackformatting1\donotembedsysfont1\relyonvml0
\donotembedlingdata0\grfdocevents0\validatexml1\showplaceholdtext0\ignoremixedcontent0
\saveinvalidxml0\showxmlerrors1\noxlattoyen
\expshrtn\noultrlspc\dntblnsbdb\nospaceforul\formshade\horzdoc\dgmargin\dghspace180\dgvspace180
\dghorigin1440\dgvorigin1440\dghshow1\dgvshow1
\jexpand\viewkind1\viewscale100\pgbrdrhead\pgbrdrfoot\splytwnine\ftnlytwnine\htmautsp
\nolnhtadjtbl\useltbejust\alntblind\lytcalctblwd\lyttblrtgr\lnbrkrule\nobrkwrptbl
\snaptogridincell\allowfieldendsel\wrppunct
\asianbrkrule\rsidroot1337\newtblstyruls\nogrowautofit\usenormstyforlist\noindnmbrhd\felnbrelev
\nocxsptable\indrlsweleven\noafcnsttbl\afelev\utinl\hwelev\spltpgpar\notcvasp\notbrkcnstfrctbl
\notvatxbx\krnprsnet\cachedcolbal \nouicompat \fet0
{\*\wgrffmtfilter 2450}\nofeaturethrottle1\ilfomacatclnup0{\*\ftnsep \ltrpar \pard\plain
\ltrpar\ql \li0\ri0\widctlpar\wrapdefault\aspalpha\aspnum\faauto\adjustright\rin0\lin0\itap0
\rtlch\fcs1 \af0\afs22\alang1025 \ltrch\fcs0 \fs22\lang1033\langfe1033\cgrid\langnp1033
\langfenp1033 {\rtlch\fcs1 \af0 \ltrch\fcs0 \insrsid1337 \chftnsep
\par }}\ltrpar \sectd \ltrsect\linex0\endnhere\sectlinegrid360\sectdefaultcl\sftnbj {\headerr
\ltrpar \pard\plain \ltrpar\s21\qr \li0\ri0\widctlpar\tqc\tx4680\tqr\tx9360\wrapdefault
\aspalpha\aspnum\faauto\adjustright\rin0\lin0\itap0 \rtlch\fcs1 \af0\afs22\alang1025 \ltrch
\fcs0 \fs22\lang1033\langfe1033\cgrid\langnp1033\langfenp1033 {\rtlch\fcs1 \af0 \ltrch\fcs0
\insrsid1337 Running Header }{\field{\*\fldinst {\rtlch\fcs1 \af0 \ltrch\fcs0
\insrsid1337  PAGE   \\* MERGEFORMAT }}{\fldrslt {\rtlch\fcs1 \af0 \ltrch\fcs0 \lang1024
\langfe1024\noproof\insrsid1337 1}}}\sectd \ltrsect\linex0\endnhere\sectlinegrid360
\sectdefaultcl\sftnbj {\rtlch\fcs1 \af0 \ltrch\fcs0 \insrsid1337
\par }}
"""
_HEADING_STYLES = {
    # Word: "heading 1" with its outline level.
    "outline": r"{\s1\ql \li0\ri0\sb240\keepn\widctlpar\wrapdefault\aspalpha\aspnum\faauto"
    r"\outlinelevel0\adjustright\rin0\lin0\itap0 \rtlch\fcs1 \af0\afs32\alang1025 \ltrch\fcs0 "
    r"\fs32\cf19\lang1033\langfe1033\loch\f31502\hich\af31502\dbch\af31501\cgrid\langnp1033"
    r"\langfenp1033 \sbasedon0 \snext0 \slink15 \sqformat \spriority9 \styrsid1337 heading 1;}",
    # LibreOffice-like: known by its name only, a chapter style based on it.
    "name": r"{\s1\ql\sb240\sa120\keepn \b\fs36 \sbasedon0 \snext0 Heading 1;}"
    r"{\s2\ql\sb240 \b\fs32 \sbasedon1 \snext0 Chapter;}",
    "none": "",
}
_PARA = (
    r"\pard\plain \ltrpar\ql \li0\ri0\sa160\sl259\slmult1\widctlpar\wrapdefault\aspalpha"
    r"\aspnum\faauto\adjustright\rin0\lin0\itap0\pararsid4242 \rtlch\fcs1 \af0\afs22"
    r"\alang1025 \ltrch\fcs0 \fs22\lang1033\langfe1033\cgrid\langnp1033\langfenp1033 "
)
_ITALIC = r"{\rtlch\fcs1 \ai\af0 \ltrch\fcs0 \i\insrsid4242 "
_THEME = (  # the start of a theme: a ZIP, in hex
    "\n{\\*\\themedata 504b030414000600080000002100e9de0fbfff0000001c020000130000005b436f6e"
    "74656e745f54797065735d2e786d6cac91cb4ec3301045f748fc83e52d4a}\n"
)
_RUN = r"{\rtlch\fcs1 \af0 \ltrch\fcs0 \insrsid4242 "


def word_rtf(headings: str = "outline", *, title: bool = True, lang: int = 1033) -> str:
    """The manuscript as Word writes it; HEADINGS: "outline", "name" or "none"; LANG the
    language id of its text (1033 is US English)."""
    head = _WORD_HEAD.replace("HEADINGSTYLE", _HEADING_STYLES[headings])
    out = [head.replace("The Lighthouse Keeper", ms.TITLE).replace("Mara Quill", ms.AUTHOR)]
    if title:
        out.append(r"\pard\plain \ltrpar\s15\qc \li0\ri0\sa300\widctlpar\itap0 \fs56\expnd-2 ")
        out.append(_RUN + escape(ms.TITLE) + "}{\\rtlch\\fcs1 \\af0 \\insrsid4242 \\par }\n")
    style = {"outline": r"\s1\outlinelevel0 ", "name": r"\s2 ", "none": r"\b "}[headings]
    for chapter in ms.CHAPTERS:
        heading, paragraphs = chapter.title, chapter.paragraphs
        out.append(r"\pard\plain \ltrpar" + style + r"\ql \li0\ri0\sb240\keepn\widctlpar\itap0 ")
        out.append(_RUN + escape(heading) + "\n\\par }")
        for paragraph in paragraphs:
            centred = paragraph == ms.SCENE_BREAK
            out.append(_PARA + (r"\qc " if centred else ""))
            for kind, text in parts(paragraph):
                if kind == "text":
                    out.append(_RUN + escape(text) + "}")
                elif kind == "italic":
                    out.append(_ITALIC + escape(text) + "}")
                else:
                    out.append(
                        r"{\rtlch\fcs1 \af0 \ltrch\fcs0 \cs19\super\insrsid4242 \chftn {\footnote "
                        r"\ltrpar \pard\plain \ltrpar\s17\ql \li0\ri0\widctlpar\itap0 \fs20 "
                        r"{\rtlch\fcs1 \af0 \ltrch\fcs0 \cs19\super\insrsid4242 \chftn }"
                        + f"{_RUN} {escape(ms.FOOTNOTE)}}}}}}}"
                    )
            out.append(_RUN + "\n\\par }")
    out.append(_THEME + "}")
    return "".join(out).replace("lang1033", f"lang{lang}")


def textedit_rtf() -> str:
    """The manuscript as macOS TextEdit saves it (no styles, no footnotes)."""
    out = [
        "{\\rtf1\\ansi\\ansicpg1252\\cocoartf2761\n\\cocoatextscaling0\\cocoaplatform0"
        "{\\fonttbl\\f0\\fswiss\\fcharset0 Helvetica;\\f1\\fswiss\\fcharset0 Helvetica-Oblique;}\n"
        "{\\colortbl;\\red255\\green255\\blue255;}\n{\\*\\expandedcolortbl;;}\n"
        "\\paperw11900\\paperh16840\\margl1440\\margr1440\\vieww11520\\viewh8400\\viewkind0\n"
        "\\pard\\tx566\\tx1133\\tx1700\\tx2267\\pardirnatural\\partightenfactor0\n\n"
        "\\f0\\fs24 \\cf0 "
    ]
    for chapter in ms.CHAPTERS:
        heading, paragraphs = chapter.title, chapter.paragraphs
        out.append(escape(heading, "cocoa") + "\\\n\\\n")
        for paragraph in paragraphs:
            if paragraph == ms.SCENE_BREAK:
                out.append("\\pard\\tx566\\pardirnatural\\qc\\partightenfactor0\n")
                out.append("\\cf0 * * *\\\n\\\n")
                out.append("\\pard\\tx566\\pardirnatural\\partightenfactor0\n\\cf0 ")
                continue
            for kind, text in parts(paragraph):
                if kind == "text":
                    out.append(escape(text, "cocoa"))
                elif kind == "italic":
                    out.append("\n\\f1\\i " + escape(text, "cocoa") + "\n\\f0\\i0 ")
            out.append("\\\n\\\n")
    out.append("}")
    return "".join(out)


def wordpad_rtf() -> str:
    """The manuscript as Windows WordPad saves it (no styles; a footnote has no place)."""
    out = [
        "{\\rtf1\\ansi\\ansicpg1252\\deff0\\nouicompat\\deflang1033"
        "{\\fonttbl{\\f0\\fnil\\fcharset0 Calibri;}}\r\n{\\*\\generator Riched20 10.0.19041}"
        "\\viewkind4\\uc1 \r\n\\pard\\sa200\\sl276\\slmult1\\f0\\fs22\\lang9 "
    ]
    for chapter in ms.CHAPTERS:
        heading, paragraphs = chapter.title, chapter.paragraphs
        out.append(escape(heading, "codepage") + "\\par\r\n")
        for paragraph in paragraphs:
            if paragraph == ms.SCENE_BREAK:
                out.append("\\pard\\sa200\\sl276\\slmult1\\qc * * *\\par\r\n")
                out.append("\\pard\\sa200\\sl276\\slmult1 ")
                continue
            for kind, text in parts(paragraph):
                if kind == "text":
                    out.append(escape(text, "codepage"))
                elif kind == "italic":
                    out.append("\\i " + escape(text, "codepage") + "\\i0 ")
            out.append("\\par\r\n")
    out.append("}\r\n\x00")
    return "".join(out)


def write(path: Path, rtf: str) -> Path:
    path.write_bytes(rtf.encode("latin-1"))
    return path


def build_rtf_book(folder: Path) -> Path:
    """The manuscript as Word writes it, with heading styles (for test_formats.py); its text in
    English without a region (\\lang9, as WordPad writes it), which the cross-format test
    expects ("en")."""
    return write(folder / "book.rtf", word_rtf("outline", lang=9))


def build_plain_rtf_book(folder: Path) -> Path:
    """The same without heading styles: "Chapter One: The Storm" lines in bold, found as the
    text reader finds them."""
    return write(folder / "book.rtf", word_rtf("none", lang=9))


def manuscript_fodt() -> str:
    """The manuscript as a flat OpenDocument text, for LibreOffice to save as RTF itself: its
    title in the Title style, chapters in "Heading 1", the italic word, the footnote a real
    note (which an HTML source would not give)."""
    from xml.sax.saxutils import escape as xml

    paragraphs = []
    for chapter in ms.CHAPTERS:
        paragraphs.append(f'<text:h text:style-name="Heading_20_1" text:outline-level="1">'
                          f"{xml(chapter.title)}</text:h>")  # fmt: skip
        for paragraph in chapter.paragraphs:
            style = ' text:style-name="Centred"' if paragraph == ms.SCENE_BREAK else ""
            inline = "".join(
                xml(text) if kind == "text"
                else f'<text:span text:style-name="Italic">{xml(text)}</text:span>'
                if kind == "italic"
                else '<text:note text:id="ftn1" text:note-class="footnote"><text:note-citation>1'
                f"</text:note-citation><text:note-body><text:p>{xml(ms.FOOTNOTE)}</text:p>"
                "</text:note-body></text:note>"
                for kind, text in parts(paragraph)
            )  # fmt: skip
            paragraphs.append(f"<text:p{style}>{inline}</text:p>")
    ns = " ".join(
        f'xmlns:{p}="urn:oasis:names:tc:opendocument:xmlns:{u}:1.0"'
        for p, u in (("office", "office"), ("text", "text"), ("style", "style"),
                     ("fo", "xsl-fo-compatible"), ("meta", "meta"))
    )  # fmt: skip
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document {ns} '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3" '
        'office:mimetype="application/vnd.oasis.opendocument.text">'
        f"<office:meta><dc:title>{ms.TITLE}</dc:title><dc:creator>{ms.AUTHOR}</dc:creator>"
        "</office:meta><office:styles>"
        '<style:style style:name="Heading" style:family="paragraph" style:class="text"/>'
        '<style:style style:name="Heading_20_1" style:display-name="Heading 1" '
        'style:family="paragraph" style:parent-style-name="Heading" '
        'style:default-outline-level="1" style:class="text"/>'
        '<style:style style:name="Title" style:family="paragraph" style:class="chapter"/>'
        "</office:styles><office:automatic-styles>"
        '<style:style style:name="Centred" style:family="paragraph"><style:paragraph-properties '
        'fo:text-align="center"/></style:style><style:style style:name="Italic" '
        'style:family="text"><style:text-properties fo:font-style="italic"/></style:style>'
        "</office:automatic-styles><office:body><office:text>"
        f'<text:p text:style-name="Title">{ms.TITLE}</text:p>{"".join(paragraphs)}'
        "</office:text></office:body></office:document>"
    )
