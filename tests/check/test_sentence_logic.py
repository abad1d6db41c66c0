"""The sentence checks' logic on plain data: paces, runs, frames and pauses (the real renders and
their damage are in test_sentences.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audiobook.check.sentences import (
    Frames,
    audio_checks,
    book_paces,
    pace_checks,
    rated_pace_check,
    spoken_runs,
)
from audiobook.core.errors import InputError
from audiobook.formats.sentence_spans import (
    ChapterSentences,
    SpokenSentence,
    read_sentences,
    sentences_json,
    sentences_name,
)

FRAME = 0.01
VOICE = {"narrator": "espeak en-us"}


def record(*sentences: SpokenSentence) -> ChapterSentences:
    return ChapterSentences("01-a.mp3", VOICE, sentences)


def steady_book(chapters: int = 4, per_word: float = 0.3) -> list[ChapterSentences]:
    """Chapters of ten-word sentences, each its own paragraph, at PER_WORD seconds a word (with
    a little spread, as a real voice has)."""
    out = []
    for c in range(chapters):
        t, sentences = 1.0, []
        for n in range(40):
            seconds = 10 * per_word * (1 + 0.05 * ((n * 7 + c) % 5 - 2))
            sentences.append(SpokenSentence("word " * 10, t, t + seconds, group=n))
            t += seconds + 0.7
        out.append(ChapterSentences(f"0{c + 1}-c.mp3", VOICE, tuple(sentences)))
    return out


def frames_for(chapter: ChapterSentences, seconds: float) -> Frames:
    """Speech exactly where CHAPTER's sentences are."""
    speech = np.zeros(round(seconds / FRAME), dtype=bool)
    for s in chapter.sentences:
        speech[round(s.start / FRAME) : round(s.end / FRAME)] = True
    return Frames(speech, FRAME)


def test_the_record_round_trips_and_names_itself(tmp_path: Path) -> None:
    chapter = record(
        SpokenSentence("The Storm", 0.77, 1.33, group=0),
        SpokenSentence('"Hush," said she.', 2.5, 3.6, voice="c1", group=1),
    )
    path = tmp_path / sentences_name("02-the-storm.mp3")
    assert path.name == "02-the-storm.sentences.json"
    path.write_text(sentences_json(chapter), encoding="utf-8")
    back = read_sentences(path)
    assert back.sentences == chapter.sentences and dict(back.voices) == VOICE
    assert back.sentences[1].words == 3
    # One sentence a line: the record greps like the text it holds.
    assert path.read_text(encoding="utf-8").count("\n") == 1 + len(chapter.sentences) + 1


@pytest.mark.parametrize(
    "content", ["not json", '{"format": 99, "chapter": "a", "voices": {}, "sentences": []}', "[]"]
)
def test_a_bad_record_is_an_input_error_naming_it(tmp_path: Path, content: str) -> None:
    path = tmp_path / "01-a.sentences.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_sentences(path)
    assert caught.value.path == path


def test_sentences_of_one_paragraph_are_paced_together() -> None:
    # The engine split "Oh! my dear Lizzy!" where the text did not: the written sentences share
    # its spans by position, one short and one long; together they are what their words take.
    chapter = record(
        SpokenSentence("Oh! my dear Lizzy!", 1.0, 4.0, group=3),
        SpokenSentence("How rich you will be, and how great!", 4.3, 5.5, group=3),
        SpokenSentence("Next paragraph.", 6.5, 7.1, group=4),
    )
    runs = spoken_runs(chapter)
    assert [(r.words, r.start, r.end) for r in runs] == [(12, 1.0, 5.5), (2, 6.5, 7.1)]


def test_an_undamaged_book_passes_and_its_pace_is_measured() -> None:
    book = steady_book()
    paces = book_paces(book)
    pace = paces.of("espeak en-us")
    assert pace is not None and pace.seconds_per_word == pytest.approx(0.3, rel=0.02)
    for chapter in book:
        results = pace_checks(chapter.chapter, chapter, paces).results
        assert all(r.ok for r in results), results
        end = chapter.sentences[-1].end + 2.0
        heard = audio_checks(chapter.chapter, chapter, frames_for(chapter, end))
        assert all(r.ok for r in heard.results)
    ok = rated_pace_check("manifest.json", paces, "espeak en-us", 200)
    assert ok.ok and "200" in ok.detail
    assert not rated_pace_check("manifest.json", paces, "espeak en-us", 400).ok


def test_a_paragraph_far_off_its_voices_pace_is_named() -> None:
    book = steady_book()
    sentences = list(book[1].sentences)
    odd = sentences[20]
    sentences[20] = SpokenSentence("Stuck here " * 5, odd.start, odd.start + 12.0, group=20)
    book[1] = ChapterSentences(book[1].chapter, VOICE, tuple(sentences))
    paces = book_paces(book)
    verdict = pace_checks(book[1].chapter, book[1], paces)
    failed = [r for r in verdict.results if not r.ok]
    assert [r.check for r in failed] == ["pace"]
    assert "'Stuck here Stuck here Stuck here …'" in failed[0].detail
    assert "too long for its words" in failed[0].detail
    assert verdict.flagged[0].start == odd.start


def test_a_chapter_that_lost_a_third_of_its_speech_is_not_plausible() -> None:
    book = steady_book()
    # Every sentence of chapter 3 a third shorter than its words take: no paragraph alone is far
    # enough off, the chapter is.
    book[2] = ChapterSentences(
        book[2].chapter,
        VOICE,
        tuple(SpokenSentence(s.text, s.start, s.start + s.seconds * 0.66, group=s.group)
              for s in book[2].sentences),
    )  # fmt: skip
    paces = book_paces(book)
    results = {r.check: r for r in pace_checks(book[2].chapter, book[2], paces).results}
    assert results["pace"].ok
    assert not results["plausible"].ok


def test_silence_in_a_span_and_speech_in_a_pause_are_found() -> None:
    chapter = steady_book(1)[0]
    end = chapter.sentences[-1].end + 2.0
    frames = frames_for(chapter, end)
    gone, pasted = chapter.sentences[5], chapter.sentences[9]
    frames.speech[frames.index(gone.start) : frames.index(gone.end)] = False
    frames.speech[frames.index(pasted.end + 0.1) : frames.index(pasted.end + 0.5)] = True
    verdict = audio_checks(chapter.chapter, chapter, frames)
    by_check = {r.check: r for r in verdict.results}
    assert not by_check["sentences"].ok and "missing" in by_check["sentences"].detail
    assert f"at {int(gone.start // 60)}:{gone.start % 60:04.1f}" in by_check["sentences"].detail
    assert not by_check["stray speech"].ok
    assert "speech where nothing was said" in by_check["stray speech"].detail
    assert sorted(f.what for f in verdict.flagged) == ["missing", "speech where nothing was said"]


def test_a_sentence_cut_short_and_a_file_cut_off() -> None:
    chapter = steady_book(1)[0]
    end = chapter.sentences[-1].end + 2.0
    frames = frames_for(chapter, end)
    short = chapter.sentences[3]
    frames.speech[frames.index(short.end - 1.0) : frames.index(short.end)] = False
    verdict = audio_checks(chapter.chapter, chapter, frames)
    assert "cut short: speech stops 1.0 s before its end" in verdict.results[0].detail
    truncated = Frames(frames_for(chapter, end).speech[: frames.index(end * 0.9)], FRAME)
    verdict = audio_checks(chapter.chapter, chapter, truncated)
    assert "the file ends at" in verdict.results[0].detail


def test_frames_are_speech_between_the_floor_and_the_rms() -> None:
    levels = np.array([-72.0, -70.0, -44.0, -20.0, -30.0, -58.0], dtype=np.float32)
    frames = Frames.of(levels, FRAME, rms_db=-20.0, floor_db=-70.0)
    assert frames.speech.tolist() == [False, False, True, True, True, False]


def test_a_sentence_trailing_off_under_the_speech_threshold_is_not_cut_short() -> None:
    # One sentence, 0 to 2 s: speech for 1.4 s, then 0.6 s trailing off at -52 dBFS (under the
    # speech threshold, over room tone), then room tone; and the same with room tone instead.
    chapter = record(SpokenSentence("She trailed off, and then", 0.0, 2.0))
    levels = np.full(300, -72.0, dtype=np.float32)
    levels[:140] = -20.0
    levels[140:200] = -52.0
    frames = Frames.of(levels, FRAME, rms_db=-20.0, floor_db=-72.0)
    assert audio_checks(chapter.chapter, chapter, frames).results[0].ok
    levels[140:200] = -72.0
    frames = Frames.of(levels, FRAME, rms_db=-20.0, floor_db=-72.0)
    assert (
        "cut short: speech stops 0.6 s"
        in audio_checks(chapter.chapter, chapter, frames).results[0].detail
    )
