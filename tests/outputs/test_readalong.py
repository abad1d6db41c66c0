"""Captions and the read-along EPUB: rendered for real (both engines), read back by readers that
did not write them (webvtt-py, srt, EPUBCheck, ffmpeg, mutagen) and measured."""

from __future__ import annotations

import json
import random
import re
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
import srt
import webvtt
from mutagen.mp3 import MP3

from audiobook.core.sentences import caption_words
from audiobook.engines import piper
from audiobook.mastering import ffmpeg

from ..conftest import SMALL_BOOK, run_cli, write_book
from ..readers import epub_builder as eb

pytestmark = pytest.mark.slow

ENGINES = {
    "espeak": '[narrator]\nengine = "espeak"\nvoice = "en-us"\nrate = 190\n',
    "piper": '[narrator]\nengine = "piper"\nvoice = "en_US-joe-medium"\n',
}


def render(folder: Path, engine: str, text: str = SMALL_BOOK) -> Path:
    if engine == "piper" and not piper.available():
        pytest.skip("Piper is not installed: pip install -e '.[piper]'")
    write_book(folder, text=text)
    (folder / "voices.toml").write_text(ENGINES[engine], encoding="utf-8")
    result = run_cli("render", "--quiet", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder / "audio"


@pytest.fixture(scope="module", params=sorted(ENGINES))
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp(f"readalong-{request.param}")
    return request.param, render(folder, request.param)


def manifest_of(audio: Path) -> dict:
    return json.loads((audio / "manifest.json").read_text(encoding="utf-8"))


def seconds(stamp: str) -> float:
    """webvtt-py's "HH:MM:SS.mmm" (its *_in_seconds are whole seconds)."""
    h, m, s = stamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def body_words(text: str) -> list[list[str]]:
    """Each chapter's words as the manuscript has them, by a split of our own (# headings)."""
    chapters = re.split(r"(?m)^# .*$", text)[1:]
    return [caption_words(c.replace("* * *", "")) for c in chapters]


def test_captions_read_back_hold_every_word_in_order_inside_the_audio(rendered) -> None:
    _, audio = rendered
    manifest = manifest_of(audio)
    for chapter, words in zip(manifest["chapters"], body_words(SMALL_BOOK), strict=True):
        vtt_name, srt_name = chapter["captions"]
        vtt_cues = list(webvtt.read(audio / vtt_name))
        srt_cues = list(srt.parse((audio / srt_name).read_text(encoding="utf-8")))
        assert len(vtt_cues) == len(srt_cues) > 1
        starts = [seconds(c.start) for c in vtt_cues]
        ends = [seconds(c.end) for c in vtt_cues]
        assert starts == sorted(starts) and all(a < b for a, b in zip(starts, ends, strict=True))
        assert all(b <= a for a, b in zip(starts[1:], ends, strict=False))  # no overlaps
        assert ends[-1] <= MP3(audio / chapter["file"]).info.length + 0.05
        assert [round(c.start.total_seconds(), 3) for c in srt_cues] == [
            round(s, 3) for s in starts
        ]
        for cue in vtt_cues:
            assert all(len(line) <= 42 for line in cue.text.splitlines() if " " in line)
            assert len(cue.text.splitlines()) <= 2
        said = caption_words(" ".join(c.text for c in vtt_cues))
        # The body, word for word and in order, after the title and the opening credits, and
        # before the closing ones ("The End.").
        at = next(i for i in range(len(said)) if said[i : i + len(words)] == words)
        assert said[at - len(chapter["title"].split()) : at] == caption_words(chapter["title"])
        assert said[at + len(words) :] in ([], ["the", "end"])
    book_cues = list(webvtt.read(audio / manifest["book"]["vtt"]))
    assert len(book_cues) == sum(
        len(list(webvtt.read(audio / c["captions"][0]))) for c in manifest["chapters"]
    )
    last = manifest["chapters"][-1]
    book_mp3 = MP3(audio / manifest["book"]["mp3"]).info.length
    assert seconds(book_cues[-1].end) <= book_mp3 + 0.05
    assert seconds(book_cues[-1].end) > book_mp3 - last["duration_ms"] / 1000


def test_the_readalong_epub_passes_epubcheck_with_an_overlay_per_chapter(rendered) -> None:
    eb.require_epubcheck()
    _, audio = rendered
    manifest = manifest_of(audio)
    epub = audio / manifest["book"]["epub"]
    result = eb.run_epubcheck(epub)
    assert eb.epubcheck_messages(result, ("FATAL", "ERROR", "WARNING")) == [], result.stdout
    with zipfile.ZipFile(epub) as z:
        package = z.read("EPUB/package.opf").decode()
        assert package.count("media-overlay=") == len(manifest["chapters"])
        assert "media:active-class" in package and 'media:duration" refines' in package
        text = z.read("EPUB/ch002.xhtml").decode()
        assert "By noon the sky had turned the colour of slate." in text
    checked = run_cli("check", "--json", cwd=audio.parent)
    assert checked.returncode == 0, checked.stdout
    results = json.loads(checked.stdout)["checks"]
    assert any(r["check"] == "read-along" and r["ok"] for r in results)
    assert sum(r["check"] == "captions" and r["ok"] for r in results) == 2 * 3 + 2


def speech_extent(pcm: np.ndarray, rate: int) -> tuple[float, float] | None:
    """Where the speech is in PCM: the first and last 5 ms window above -45 dBFS."""
    window = rate // 200
    frames = pcm[: pcm.size // window * window].reshape(-1, window).astype(np.float64)
    rms = np.sqrt((frames**2).mean(axis=1)) / 32768
    loud = np.flatnonzero(rms > 10 ** (-45 / 20))
    if loud.size == 0:
        return None
    return loud[0] * window / rate, (loud[-1] + 1) * window / rate


def test_overlay_clips_cut_out_with_ffmpeg_hold_their_sentence(rendered, tmp_path: Path) -> None:
    """Random overlay clips, cut out of the EPUB's audio with room tone around them: the speech
    in each runs from its clip's start to its end, within 50 ms, and the edges are quiet."""
    engine, audio = rendered
    epub = audio / manifest_of(audio)["book"]["epub"]
    clips = []
    with zipfile.ZipFile(epub) as z:
        for n in (1, 2, 3):
            smil = z.read(f"EPUB/ch{n:03d}.smil").decode()
            times = [(float(a), float(b)) for a, b in re.findall(
                r'clipBegin="0:00:([\d.]+)" clipEnd="0:00:([\d.]+)"', smil)]  # fmt: skip
            track = tmp_path / f"ch{n}.m4a"
            track.write_bytes(z.read(f"EPUB/audio/ch{n:03d}.m4a"))
            for i, (begin, end) in enumerate(times):
                before = begin - times[i - 1][1] if i else begin
                after = times[i + 1][0] - end if i + 1 < len(times) else 1.0
                margin = min(0.25, before / 2, after / 2)
                if margin >= 0.08:
                    clips.append((track, begin, end, margin))
    assert len(clips) >= 4, f"{engine}: too few clips with room around them"
    for track, begin, end, margin in random.Random(7).sample(clips, 4):
        cut = subprocess.run(
            [ffmpeg.find_ffmpeg(), "-v", "error", "-ss", f"{begin - margin:.3f}",
             "-to", f"{end + margin:.3f}", "-i", str(track), "-f", "s16le", "-ac", "1",
             "-ar", "22050", "-"],
            capture_output=True, check=True,
        )  # fmt: skip
        pcm = np.frombuffer(cut.stdout, dtype="<i2")
        extent = speech_extent(pcm, 22050)
        assert extent is not None
        assert abs((extent[1] - extent[0]) - (end - begin)) <= 0.05, (engine, begin, end, extent)
        assert abs(extent[0] - margin) <= 0.05, (engine, begin, extent)
        edge = 22050 * 20 // 1000
        assert np.abs(pcm[:edge]).max() < 10 ** (-45 / 20) * 32768 * 2  # room tone, not speech


def test_one_changed_word_rewrites_that_chapters_captions_and_overlay_only(
    tmp_path: Path,
) -> None:
    audio = render(tmp_path, "espeak")
    manifest = manifest_of(audio)
    names = [n for c in manifest["chapters"] for n in c["captions"]]
    before = {n: (audio / n).read_bytes() for n in names}
    with zipfile.ZipFile(audio / manifest["book"]["epub"]) as z:
        entries = {i.filename: z.read(i) for i in z.infolist()}
    edited = SMALL_BOOK.replace("colour of slate", "colour of lead")
    (tmp_path / "text" / "book.md").write_text(edited, encoding="utf-8")
    assert run_cli("render", "--quiet", cwd=tmp_path).returncode == 0
    after = {n: (audio / n).read_bytes() for n in names}
    changed = {n for n in names if before[n] != after[n]}
    assert changed == set(manifest["chapters"][1]["captions"])
    new_vtt = after[manifest["chapters"][1]["captions"][0]].decode()
    assert "colour of lead" in " ".join(new_vtt.split())
    with zipfile.ZipFile(audio / manifest["book"]["epub"]) as z:
        now = {i.filename: z.read(i) for i in z.infolist()}
    differ = {name for name in entries if entries[name] != now.get(name)}
    assert {"EPUB/ch002.xhtml", "EPUB/ch002.smil", "EPUB/audio/ch002.m4a"} <= differ
    assert not {n for n in differ if "ch001" in n or "ch003" in n}


def test_check_fails_captions_missing_a_cue_and_clips_past_their_audio(tmp_path: Path) -> None:
    audio = render(tmp_path, "espeak")
    manifest = manifest_of(audio)
    vtt = audio / manifest["chapters"][0]["captions"][0]
    blocks = vtt.read_text(encoding="utf-8").split("\n\n")
    vtt.write_text("\n\n".join(blocks[:-2] + blocks[-1:]), encoding="utf-8")  # a cue dropped
    epub = audio / manifest["book"]["epub"]
    with zipfile.ZipFile(epub) as z:
        entries = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(epub, "w") as z:
        for info, data in entries:
            if info.filename == "EPUB/ch003.smil":
                data = re.sub(rb'clipEnd="[^"]+"', b'clipEnd="9:00:00.000"', data, count=1)
            z.writestr(info, data)
    result = run_cli("check", "--json", cwd=tmp_path)
    assert result.returncode == 1
    failed = {(r["file"], r["check"]) for r in json.loads(result.stdout)["checks"] if not r["ok"]}
    assert failed == {(vtt.name, "captions"), (epub.name, "read-along")}
