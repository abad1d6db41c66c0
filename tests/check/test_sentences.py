"""`check` proves every sentence was spoken: a real render (eSpeak NG), damaged with ffmpeg the
ways listeners find books damaged, each caught and named by its chapter and its sentence."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from audiobook.formats.sentence_spans import read_sentences
from audiobook.mastering import ffmpeg

from ..conftest import run_cli, write_book

RATE = 44100

# Chapter 2 has several paragraphs of several sentences of different lengths, and a scene break
# (two seconds of room tone); chapter 1 is the speech pasted into it.
BOOK = """\
# The Harbour

The boats came in at dawn, their sails heavy with rain. Nobody on the quay said a word. Mara
counted them twice, as her father had taught her, and then a third time to be sure.

# The Storm

By noon the sky had turned the colour of slate. The gulls went quiet.

The harbour master walked the length of the quay, checking every rope and every knot, and
stopped at the end to look at the darkening water for a long time. Nobody followed him.

* * *

The wind rose in the afternoon. The old lighthouse keeper climbed his stairs one more time,
counting each step aloud as he always did. At the top he lit the lamp.

The rain came at six.
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sentences")
    write_book(folder, BOOK)
    result = run_cli("render", "--jobs", "2", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder / "audio"


def chapter(folder: Path, n: int) -> Path:
    return next(folder.glob(f"0{n}-*.mp3"))


def check(folder: Path, *args: str) -> tuple[int, list[dict]]:
    result = run_cli("check", str(folder), "--json", *args, cwd=folder.parent)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)["checks"]


def decode(path: Path) -> np.ndarray:
    pcm = ffmpeg.run(["-i", str(path), "-ac", "1", "-ar", str(RATE), "-f", "f32le", "-"])
    return np.frombuffer(pcm, dtype="<f4").copy()


def encode(samples: np.ndarray, path: Path) -> None:
    """SAMPLES back into PATH as the render's format (the damage leaves a well-formed MP3)."""
    raw = path.with_suffix(".raw")
    raw.write_bytes(samples.astype("<f4").tobytes())
    tmp = path.with_suffix(".tmp.mp3")
    ffmpeg.run(
        ["-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", str(raw),
         "-c:a", "libmp3lame", "-b:a", "192k", str(tmp)]
    )  # fmt: skip
    raw.unlink()
    tmp.replace(path)


def at(seconds: float) -> int:
    return round(seconds * RATE)


def spans(folder: Path, n: int) -> list[tuple[float, float, str]]:
    record = read_sentences(chapter(folder, n).with_suffix("").with_suffix(".sentences.json"))
    return [(s.start, s.end, s.text) for s in record.sentences]


def middle_sentence(folder: Path) -> tuple[float, float, str]:
    """A sentence of chapter 2's body, in its middle, that lasts a second more or less than the
    one after it (cut out, the next one then ends elsewhere than it did)."""
    body = spans(folder, 2)[2:]  # not the title
    for (a, b, text), (c, d, _) in itertools.pairwise(body[len(body) // 3 :]):
        if abs((b - a) - (d - c)) > 1.0:
            return a, b, text
    raise AssertionError("no sentence to cut")


def room_tone(samples: np.ndarray, seconds: float) -> np.ndarray:
    """SECONDS of the chapter's own room tone (its first 0.5 s, before any word, repeated)."""
    tone = samples[: at(0.5)]
    return np.resize(tone, at(seconds))


def replace_with_room_tone(folder: Path) -> str:
    a, b, text = middle_sentence(folder)
    path = chapter(folder, 2)
    x = decode(path)
    x[at(a) : at(b)] = room_tone(x, (at(b) - at(a)) / RATE)
    encode(x, path)
    return text


def cut_out_and_pad(folder: Path) -> str:
    a, b, text = middle_sentence(folder)
    following = [s for s in spans(folder, 2) if s[0] >= b]
    end = following[0][0] if following else b  # the sentence and the pause after it
    path = chapter(folder, 2)
    x = decode(path)
    y = np.concatenate([x[: at(a)], x[at(end) :], room_tone(x, (at(end) - at(a)) / RATE)])
    encode(y, path)
    return text


def paste_into_a_pause(folder: Path) -> str:
    """Two seconds of chapter 1's speech into chapter 2's longest pause (the scene break)."""
    sentences = spans(folder, 2)
    gaps = [(c - b, b, text) for (_, b, text), (c, _, _) in itertools.pairwise(sentences)]
    _, start, before = max(gaps)
    one = decode(chapter(folder, 1))
    speech = spans(folder, 1)[-1]  # its last sentence: speech throughout
    pasted = one[at(speech[0]) : at(speech[0] + 2.0)]
    path = chapter(folder, 2)
    x = decode(path)
    x[at(start + 0.1) : at(start + 0.1) + pasted.size] = pasted
    encode(x, path)
    return before


def truncate_by_a_tenth(folder: Path) -> str:
    path = chapter(folder, 2)
    x = decode(path)
    cut = x[: round(x.size * 0.9)]
    encode(cut, path)
    last = [s for s in spans(folder, 2) if s[1] > cut.size / RATE]
    return last[0][2]


DAMAGE: list[tuple[str, Callable[[Path], str], str]] = [
    ("a sentence replaced by room tone", replace_with_room_tone, "sentences"),
    ("a sentence cut out, the chapter padded back", cut_out_and_pad, "sentences|stray speech"),
    ("two seconds of another chapter pasted into a pause", paste_into_a_pause, "stray speech"),
    ("the chapter truncated by 10%", truncate_by_a_tenth, "sentences"),
]


def test_an_undamaged_render_passes_every_sentence(rendered: Path) -> None:
    code, results = check(rendered)
    assert code == 0, [r for r in results if not r["ok"]]
    by_check = {(r["file"], r["check"]): r for r in results}
    name = chapter(rendered, 2).name
    for check_name in ("sentences", "stray speech", "pace", "plausible"):
        assert by_check[(name, check_name)]["ok"]
    count = len(spans(rendered, 2))
    assert by_check[(name, "sentences")]["detail"].startswith(f"{count} sentences")


@pytest.mark.slow
@pytest.mark.parametrize(("what", "damage", "checks"), DAMAGE, ids=[d[0] for d in DAMAGE])
def test_damage_names_the_chapter_and_the_sentence(
    book: Path, what: str, damage: Callable[[Path], str], checks: str
) -> None:
    sentence = damage(book)
    code, results = check(book)
    assert code == 1
    name = chapter(book, 2).name
    named = [
        r for r in results if not r["ok"] and r["file"] == name and r["check"] in checks.split("|")
    ]
    assert named, [r for r in results if not r["ok"]]
    first_words = " ".join(sentence.split()[:4])
    assert any(first_words in r["detail"] for r in named), (first_words, named)
    # Chapter 1 is whole: nothing is said against it.
    assert not [r for r in results if not r["ok"] and r["file"].startswith("01-")]


def test_an_older_render_without_records_is_checked_as_before(book: Path) -> None:
    manifest = json.loads((book / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["chapters"]:
        (book / entry.pop("sentences")).unlink()
        del entry["sentences_sha256"]
    (book / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    code, results = check(book)
    assert code == 0, [r for r in results if not r["ok"]]
    said = [r for r in results if r["check"] == "sentences"]
    assert len(said) == 1 and "render it again" in said[0]["detail"]
    assert {r["check"] for r in results if r["file"] == chapter(book, 2).name} >= {"plausible"}


def test_an_edited_record_is_not_trusted(book: Path) -> None:
    record = chapter(book, 2).with_suffix("").with_suffix(".sentences.json")
    record.write_text(record.read_text(encoding="utf-8").replace("gulls", "crows"), "utf-8")
    code, results = check(book, "--quick")
    assert code == 1
    assert (record.name, "sha256") in {(r["file"], r["check"]) for r in results if not r["ok"]}


@pytest.mark.slow
def test_the_report_shades_the_failing_sentence(book: Path, tmp_path: Path) -> None:
    sentence = replace_with_room_tone(book)
    report = tmp_path / "report.html"
    code, _ = check(book, "--report", str(report))
    assert code == 1
    html = report.read_text(encoding="utf-8")
    section = html[html.index('data-file="' + chapter(book, 2).name) :]
    section = section[: section.index("</section>")]
    listed = section[section.index('class="sentences"') : section.index("<figure")]
    assert "missing" in listed and " ".join(sentence.split()[:4]) in listed
    assert "failing sentence" in section  # the shaded span's legend, in the chapter's plot
    other = html[html.index('data-file="' + chapter(book, 1).name) :]
    assert "failing sentence" not in other[: other.index("</section>")]
