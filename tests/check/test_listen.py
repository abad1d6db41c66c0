"""`check --listen`: the rendered book heard by Whisper tiny.en and held to its text.

The alignment and the choice of what to hear are tested on plain data; the rest on the sample
book (text/the-dancer.md, about 3.5 minutes) rendered once with eSpeak NG and heard by the real
model: it passes; a paragraph whose text was changed after the render fails, naming its chapter,
its paragraph and its words; a sample hears about what was asked; a book in French is said, not
failed; an undecodable chapter is a failed result.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audiobook import cli
from audiobook.check import listen, listen_windows, recogniser, wer
from audiobook.core.manifest import read_manifest
from audiobook.formats.sentence_spans import SpokenSentence, read_sentences

from ..conftest import REPO, run_cli, write_book

DEFAULT_MAX_WER = 0.35  # the CLI's default --max-wer (README: check --listen)


# --- the words: normalised alike, aligned, counted ----------------------------------------------


def tokens(*sentences: str) -> list[wer.Token]:
    return wer.written_tokens(list(enumerate(sentences)))


def test_both_sides_are_the_words_a_listener_hears() -> None:
    written = [t.key for t in tokens("Chapter XII: To-day Mr. Bennet's £5 in 1847, 3rd & “last”.")]
    assert written == [
        "chapter", "twelve", "to", "day", "mister", "bennets", "five", "pounds", "in", "eighteen",
        "forty", "seven", "third", "and", "last",
    ]  # fmt: skip
    heard = wer.heard_keys("Chapter 12. To day, Mister Bennets five pounds in 1847, third and last")
    assert heard == written


def test_an_exact_transcript_has_no_errors() -> None:
    written = tokens("The boats came in at dawn.", "Nobody said a word.")
    result = wer.align(written, wer.heard_keys("the boats came in at dawn nobody said a word"))
    assert (result.words, result.heard, result.errors, result.wer) == (10, 10, 0, 0.0)


def test_errors_are_counted_and_the_unheard_words_named_as_written() -> None:
    said = ("Audrey Kalmurzaev was a renowned dancer.", "She trained in Moscow.")
    heard = wer.heard_keys("Audrey Kalmorsiev was a dancer. She trained hard in Moscow.")
    result = wer.align(tokens(*said), heard)
    assert (result.substituted, result.deleted, result.inserted) == (1, 1, 1)
    assert result.wer == pytest.approx(3 / 10)
    unheard = [wer.written_word(said[t.sentence], t.word) for t in result.unheard]
    assert unheard == ["Kalmurzaev", "renowned"]
    assert result.instead == ["kalmorsiev", "hard"]
    assert result.lost == {0: 2, 1: 1}  # each error in its sentence


def test_spellings_of_a_sound_and_words_split_or_joined_are_heard() -> None:
    written = tokens("To-day any one would honour Mr. Bennet.")
    heard = wer.heard_keys("Today anyone would honor Mr. Bennett.")
    result = wer.align(written, heard)
    assert (result.errors, result.heard, result.words) == (0, 8, 8)
    # Short words are not "spellings" of each other: "the" is not "they".
    assert wer.align(tokens("the end"), ["they", "end"]).errors == 1


def test_an_open_end_does_not_count_the_words_after_the_audio_stopped() -> None:
    written = tokens("The wind rose, and the old keeper climbed his stairs one more time.")
    heard = wer.heard_keys("The wind rose, and the old keeper climbed")
    assert wer.align(written, heard).deleted == 5
    result = wer.align(written, heard, open_end=True)
    assert (result.words, result.errors) == (8, 0)


def test_a_long_transcript_of_noise_is_aligned_within_bounds() -> None:
    """A page heard as something else: the alignment stays linear, not a cell per pair."""
    written = [wer.Token(f"w{i}", i // 10, i % 10) for i in range(4000)]
    heard = [f"h{i}" for i in range(3000)]
    result = wer.align(written, heard)
    assert (result.substituted, result.deleted, result.inserted) == (3000, 1000, 0)


# --- what is heard: windows of whole paragraphs, samples spread through the chapter ------------


def sentences(count: int, seconds: float = 5.0, gap: float = 0.3, per_group: int = 3):
    """COUNT sentences of SECONDS each, GAP apart, PER_GROUP to a paragraph (1 s between)."""
    out, at = [], 1.0
    for i in range(count):
        if i and i % per_group == 0:
            at += 1.0
        out.append(
            SpokenSentence(f"sentence {i} said here", at, at + seconds, group=i // per_group)
        )
        at += seconds + gap
    return out


def test_a_chapter_is_heard_in_windows_of_whole_paragraphs() -> None:
    said = sentences(60)
    windows = listen_windows.full_windows(said, said[-1].end + 2)
    assert [i for w in windows for i in w.sentences] == list(range(60))  # each once, in order
    for w in windows:
        groups = {said[i].group for i in w.sentences}
        assert {i for i, s in enumerate(said) if s.group in groups} == set(w.sentences)
        assert w.seconds <= listen_windows.WINDOW_S + 2 * listen_windows.PAD_S
        # Padded into the pauses around it, never into a neighbour's speech.
        first, last = w.sentences[0], w.sentences[-1]
        assert w.start < said[first].start and (first == 0 or w.start > said[first - 1].end)
        assert w.end > said[last].end and (last == 59 or w.end < said[last + 1].start)


def test_a_paragraph_longer_than_a_window_is_one_window_heard_in_pieces() -> None:
    said = sentences(12, per_group=12)  # one paragraph of 63 s
    windows = listen_windows.full_windows(said, 70.0)
    assert [w.sentences for w in windows] == [tuple(range(12))]


@pytest.mark.parametrize("seconds", [20.0, 60.0, 120.0])
def test_a_sample_is_about_the_seconds_asked_spread_through_the_chapter(seconds: float) -> None:
    said = sentences(240)  # about 21 minutes
    windows = listen_windows.sample_windows(said, said[-1].end + 2, seconds)
    heard = sum(w.seconds for w in windows)
    assert 0.7 * seconds <= heard <= 1.5 * seconds
    chosen = [i for w in windows for i in w.sentences]
    assert chosen == sorted(set(chosen))  # whole sentences, none twice
    if len(windows) > 1:  # from the start to the end of the chapter
        assert windows[0].start < 0.1 * said[-1].end and windows[-1].end > 0.9 * said[-1].end
    for w in windows:  # whole paragraphs (of 16 s here), heard in pieces when over 30 s
        groups = {said[i].group for i in w.sentences}
        assert {i for i, s in enumerate(said) if s.group in groups} == set(w.sentences)
        assert not w.open_end


def test_a_sample_of_a_long_paragraph_is_its_first_sentences_open_at_the_end() -> None:
    said = sentences(20, per_group=20)  # one paragraph of 105 s
    (window,) = listen_windows.sample_windows(said, said[-1].end + 2, 20.0)
    assert window.open_end and window.seconds == pytest.approx(20.0, abs=0.5)
    assert window.sentences[0] == 0 and said[window.sentences[-1]].start < window.end + 5.0


def test_a_short_chapter_is_heard_whole_whatever_the_sample() -> None:
    said = sentences(6)
    whole = listen_windows.full_windows(said, 40.0)
    assert listen_windows.sample_windows(said, 40.0, 60.0) == whole


def test_a_pause_is_found_to_cut_at() -> None:
    import numpy as np

    rate = recogniser.SAMPLE_RATE
    loud = np.random.default_rng(1).uniform(-0.5, 0.5, 40 * rate).astype(np.float32)
    loud[int(21.0 * rate) : int(21.4 * rate)] = 0.0  # a pause at 21.0-21.4 s
    first, second = recogniser.split_at_pauses(loud)
    assert 21.0 < len(first) / rate < 21.4 and len(first) + len(second) == len(loud)


# --- the real thing: the sample book, rendered once, heard by the model --------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("listen")
    text = (REPO / "text" / "the-dancer.md").read_text(encoding="utf-8")
    meta = (REPO / "text" / "book.toml").read_text(encoding="utf-8")
    write_book(folder, text, meta)
    result = run_cli("render", "--jobs", "2", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder / "audio"


def check(folder: Path, *args: str) -> tuple[int, list[dict], str]:
    result = run_cli("check", str(folder), "--json", "--listen", *args, cwd=folder.parent)
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout)["checks"], result.stderr


def heard(checks: list[dict]) -> dict[str, dict]:
    return {c["file"]: c for c in checks if c["check"] == listen.CHECK}


@pytest.mark.slow
def test_a_rendered_book_is_heard_and_passes(rendered: Path, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    code, checks, stderr = check(rendered, "--junit", str(junit))
    manifest = read_manifest(rendered)
    results = heard(checks)
    assert code == 0, [c for c in checks if not c["ok"]]
    assert set(results) == {c.file for c in manifest.chapters}
    assert all(r["ok"] and r["detail"].startswith("WER ") for r in results.values())
    assert 'name="heard"' in junit.read_text(encoding="utf-8")
    assert stderr.count("heard ") == len(manifest.chapters)  # progress, chapter by chapter
    # In this process (the first chapter, the shortest): the same figures as the pool's, word
    # for word (the decoding is pinned, one thread a worker).
    first = manifest.model_copy(update={"chapters": manifest.chapters[:1]})
    listened = listen.listen_book(
        rendered, first, sample_seconds=None, jobs=1, max_wer=DEFAULT_MAX_WER
    )
    (chapter,) = listened.chapters
    assert listened.results[0].detail == results[chapter.file]["detail"]
    assert chapter.listened and chapter.wer <= DEFAULT_MAX_WER
    assert chapter.words >= manifest.chapters[0].words  # its text (and the credits) compared
    assert chapter.seconds_listened > 0.8 * chapter.chapter_seconds - 5


ORIGINAL = "As she matured, Audrey's passion for dance only intensified"


def change_a_paragraph(folder: Path) -> tuple[str, list[str]]:
    """The paragraph of chapter 1 that starts with ORIGINAL, its text replaced in the sentence
    record (the manifest's hash made to match): the audio says what it said. Returns the
    chapter's file and the words the audio says that the record no longer has."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["chapters"][0]
    record = folder / entry["sentences"]
    document = json.loads(record.read_text(encoding="utf-8"))
    group = next(s["group"] for s in document["sentences"] if s["text"].startswith(ORIGINAL))
    replaced: list[str] = []
    for s in document["sentences"]:
        if s["group"] == group:
            replaced += s["text"].split()
            s["text"] = "Pigeons gather quietly near bridges whenever autumn rain returns."
    record.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    entry["sentences_sha256"] = hashlib.sha256(record.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return entry["file"], replaced


@pytest.mark.slow
def test_a_paragraph_changed_after_the_render_fails_naming_it(book: Path) -> None:
    chapter, original = change_a_paragraph(book)
    code, checks, _ = check(book)
    results = heard(checks)
    assert code == 1
    assert [f for f, r in results.items() if not r["ok"]] == [chapter]
    detail = results[chapter]["detail"]
    # Named as the paragraph heard otherwise than written, whatever the chapter's rate.
    assert "was not heard as written" in detail and "'Pigeons gather quietly" in detail
    manifest = read_manifest(book)
    only = manifest.model_copy(update={"chapters": manifest.chapters[:1]})
    listened = listen.listen_book(book, only, sample_seconds=None, jobs=1, max_wer=DEFAULT_MAX_WER)
    (changed,) = listened.chapters
    assert changed.file == chapter
    # Not heard: the words now written; heard instead: the words the audio says (the original).
    unheard = {u.word for u in changed.unheard}
    assert {"Pigeons", "bridges", "autumn"} <= unheard
    originals = {key for word in original for key in wer.spoken_keys(word)}
    instead = set(changed.instead)
    assert len(instead & originals) >= 0.7 * len(instead)
    assert {"matured", "passion", "intensified", "dedication", "talent"} & instead
    assert changed.worst is not None and changed.worst.opening.startswith("Pigeons gather")
    # For a report: the words not heard, sentence by sentence, with when each is said.
    passages = listened.unheard_passages()[chapter]
    at, words = next((at, words) for at, words in passages if words.startswith("Pigeons"))
    assert at == changed.worst.at and "autumn" in words


@pytest.mark.slow
def test_a_sample_hears_about_the_seconds_asked(rendered: Path) -> None:
    manifest = read_manifest(rendered)
    listened = listen.listen_book(
        rendered, manifest, sample_seconds=20.0, jobs=1, max_wer=DEFAULT_MAX_WER
    )
    for sample, entry in zip(listened.chapters, manifest.chapters, strict=True):
        assert sample.ok and sample.sampled
        assert 12.0 <= sample.seconds_listened <= 35.0 < entry.duration_ms / 1000
        said = read_sentences(rendered / str(entry.sentences)).sentences
        assert sample.words < len(wer.written_tokens(list(enumerate(s.text for s in said))))
    assert all("s sampled of" in r.detail for r in listened.results)


def test_a_book_in_another_language_is_said_not_failed(rendered_or_any: Path) -> None:
    manifest = read_manifest(rendered_or_any).model_copy(update={"language": "fr"})
    listened = listen.listen_book(
        rendered_or_any, manifest, sample_seconds=None, jobs=2, max_wer=DEFAULT_MAX_WER
    )
    (result,) = listened.results
    assert result.ok and "not listened to" in result.detail and "'fr'" in result.detail
    assert "English only" in result.detail


def test_a_render_without_sentence_records_needs_a_render_again(rendered_or_any: Path) -> None:
    manifest = read_manifest(rendered_or_any)
    chapters = tuple(c.model_copy(update={"sentences": None}) for c in manifest.chapters)
    older = manifest.model_copy(update={"chapters": chapters})
    listened = listen.listen_book(
        rendered_or_any, older, sample_seconds=None, jobs=2, max_wer=DEFAULT_MAX_WER
    )
    assert [r.ok for r in listened.results] == [True] * len(manifest.chapters)
    assert all("render it again to listen" in r.detail for r in listened.results)


@pytest.mark.slow
def test_an_undecodable_chapter_is_a_failed_result(book: Path) -> None:
    manifest = read_manifest(book)
    broken = book / manifest.chapters[1].file
    broken.write_bytes(b"\x00not an mp3\xff" * 4096)
    two = manifest.model_copy(update={"chapters": manifest.chapters[:2]})
    listened = listen.listen_book(book, two, sample_seconds=None, jobs=1, max_wer=DEFAULT_MAX_WER)
    results = {r.file: r for r in listened.results}
    assert not results[broken.name].ok
    assert results[broken.name].detail.startswith("cannot listen: ffmpeg")
    assert all(r.ok for name, r in results.items() if name != broken.name)


def test_without_the_listen_extra_it_says_how_to_install_it(
    rendered_or_any: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recogniser, "_NEEDS", ("faster_whisper", "no_such_module_for_listen"))
    result = CliRunner().invoke(cli.app, ["check", str(rendered_or_any), "--listen"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "no_such_module_for_listen" in result.stderr
    assert "pip install 'audiobook[listen]'" in result.stderr


@pytest.mark.parametrize("value", ["abc", "-5%"])
def test_a_bad_max_wer_is_a_usage_error(value: str, rendered_or_any: Path) -> None:
    result = CliRunner().invoke(cli.app, ["check", str(rendered_or_any), "--listen",
                                          "--max-wer", value])  # fmt: skip
    assert result.exit_code == 2 and "--max-wer" in result.stderr


@pytest.fixture
def rendered_or_any(rendered_book: Path) -> Path:
    """A rendered book for tests that hear nothing: the session's (shared with other tests)."""
    return rendered_book / "audio"


def test_the_chapter_record_read_is_the_one_rendered(rendered_or_any: Path) -> None:
    """The session's render writes sentence records (what --listen reads)."""
    manifest = read_manifest(rendered_or_any)
    for chapter in manifest.chapters:
        assert chapter.sentences is not None
        record = read_sentences(rendered_or_any / chapter.sentences)
        assert record.sentences and all(s.end > s.start for s in record.sentences)


@pytest.mark.slow
def test_ctrl_c_stops_the_listening_workers_at_once(rendered: Path) -> None:
    """Ctrl-C in a terminal reaches the whole process group: the check exits 130 with one line,
    its workers stopped (not after their stretches), nothing left running, nothing leaked."""
    command = [sys.executable, "-m", "audiobook", "check", str(rendered), "--listen", "--quick"]
    process = subprocess.Popen(
        [*command, "--jobs", "2"], stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    assert process.stderr is not None
    line = process.stderr.readline()  # the first chapter heard: the others are being heard
    assert line.startswith("heard "), line
    os.killpg(process.pid, signal.SIGINT)
    started = time.monotonic()
    _, rest = process.communicate(timeout=60)
    assert process.returncode == 130
    assert time.monotonic() - started < 10
    assert rest.strip().splitlines()[-1] == "audiobook: interrupted"
    assert "Traceback" not in rest and "leaked" not in rest
    with pytest.raises(ProcessLookupError):  # no worker (nor its ffmpeg) left in the group
        for _ in range(50):
            os.killpg(process.pid, 0)
            time.sleep(0.1)


def test_one_paragraph_lost_in_a_long_chapter_fails_it_though_its_rate_passes() -> None:
    paragraphs = tuple(
        listen.ParagraphHeard(n, 10.0 * n, f"Paragraph {n} opens", lost, 40)
        for n, lost in enumerate([1, 2, 0, 30, 1, 0, 2, 1, 0, 1])
    )
    chapter = listen.ChapterHeard(
        "01-a.mp3", "A", listened=True, ok=False, wer=38 / 400, words=400, heard=380,
        errors=38, paragraphs=paragraphs,
    )  # fmt: skip
    (lost,) = chapter.lost_paragraphs
    assert lost.group == 3 and chapter.wer < DEFAULT_MAX_WER
    detail = listen._result(chapter, DEFAULT_MAX_WER).detail
    assert "the paragraph at 0:30, 'Paragraph 3 opens', was not heard as written" in detail
    assert "above" in detail and f"above {DEFAULT_MAX_WER:.1%}" not in detail
