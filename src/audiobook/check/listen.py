"""`audiobook check --listen`: the rendered book heard by a speech recogniser and held to its text.

Each chapter's sentence record (formats/sentence_spans: every sentence said, as written, and
where it is in the MP3) gives the text and the times. The chapter is heard in windows of whole
paragraphs (check/listen_windows: all of it, or a sample spread through it), each transcribed
alone (check/recogniser) and compared with its own sentences (check/wer): a window's words can
only be matched with the text said in it, so the alignment stays small however long the chapter,
and a word lost is placed in its sentence.

A chapter fails when its word error rate is above `--max-wer`, or when a paragraph of
PARAGRAPH_WORDS or more is heard at over PARAGRAPH_WER; its result names the paragraph and the
words not heard. A book in a language the model does not hear (tiny.en: English), or a render
without sentence records (from before they were written), passes with a result that says it was
not listened to and why.

The chapters' stretches (at most STRETCH_S of audio each, so a two-hour chapter is shared among
the workers too) run on a pool of `jobs` worker processes, each with the model loaded once and
one CPU thread; `jobs=1` hears them in this process.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from audiobook.check import recogniser, wer
from audiobook.check.listen_windows import Window, full_windows, sample_windows
from audiobook.core.audio import clock
from audiobook.core.errors import AudiobookError, SetupError
from audiobook.core.files import sha256
from audiobook.core.manifest import MANIFEST, ChapterEntry, Manifest
from audiobook.formats.sentence_spans import SpokenSentence, read_sentences
from audiobook.outputs.interface import Result

CHECK = "heard"
STRETCH_S = 300.0  # a worker's task: at most this much of a chapter's audio, decoded at once
UNHEARD_SHOWN = 8  # unheard words a result names (the data keeps them all)
# A paragraph of PARAGRAPH_WORDS or more heard this badly fails its chapter whatever the chapter's
# rate: one paragraph lost or changed in a long chapter moves its rate by a few points only. The
# worst paragraph of 15+ words measured on our renders: 34.7% (eSpeak NG), 10.2% (Piper).
PARAGRAPH_WER = 0.6
PARAGRAPH_WORDS = 15


@dataclass(frozen=True)
class UnheardWord:
    """A written word the recogniser did not hear, in the sentence that starts AT seconds."""

    word: str
    sentence: int
    at: float


@dataclass(frozen=True)
class ParagraphHeard:
    """A written run (paragraph, credits, a character's line) as heard."""

    group: int
    at: float  # its first sentence's start, seconds of the chapter
    opening: str  # its first words
    lost: int  # errors counted in it
    words: int  # its words compared

    @property
    def wer(self) -> float:
        return self.lost / self.words if self.words else 0.0


@dataclass(frozen=True)
class ChapterHeard:
    """One chapter as heard: what a result says, and what a report would draw."""

    file: str
    title: str
    listened: bool  # False: not listened to (NOTE says why)
    ok: bool
    wer: float = 0.0
    words: int = 0  # written words (as compared) in what was heard
    heard: int = 0
    errors: int = 0
    unheard: tuple[UnheardWord, ...] = ()
    instead: tuple[str, ...] = ()  # words heard that the text does not have where they were
    paragraphs: tuple[ParagraphHeard, ...] = ()  # each one heard, in order
    seconds_listened: float = 0.0
    seconds_taken: float = 0.0  # the recogniser's time (in its worker)
    chapter_seconds: float = 0.0
    sampled: bool = False
    note: str = ""

    @property
    def lost_paragraphs(self) -> tuple[ParagraphHeard, ...]:
        """The paragraphs heard so badly that they fail the chapter (PARAGRAPH_WER)."""
        return tuple(
            p for p in self.paragraphs if p.words >= PARAGRAPH_WORDS and p.wer > PARAGRAPH_WER
        )

    @property
    def worst(self) -> ParagraphHeard | None:
        """The paragraph where most words were lost, or None when none was."""
        lost = [p for p in self.paragraphs if p.lost]
        return max(lost, key=lambda p: p.lost) if lost else None


@dataclass
class Listened:
    """What listening found: one Result per chapter (or one for the book, when it was not
    listened to at all) and, per chapter, the figures behind it."""

    results: list[Result] = field(default_factory=list)
    chapters: list[ChapterHeard] = field(default_factory=list)
    model: str = recogniser.MODEL
    max_wer: float = 0.0
    sample_seconds: float | None = None
    jobs: int = 1
    seconds_taken: float = 0.0  # wall time of the whole listening

    def unheard_passages(self) -> dict[str, list[tuple[float, str]]]:
        """By chapter file, the words not heard sentence by sentence: (when the sentence starts,
        its unheard words), for a report."""
        passages: dict[str, list[tuple[float, str]]] = {}
        for chapter in self.chapters:
            rows: list[tuple[int, float, list[str]]] = []
            for u in chapter.unheard:
                if rows and rows[-1][0] == u.sentence:
                    rows[-1][2].append(u.word)
                else:
                    rows.append((u.sentence, u.at, [u.word]))
            if rows:
                passages[chapter.file] = [(at, " ".join(words)) for _, at, words in rows]
        return passages


def require() -> None:
    """The recogniser is installed, or a set-up error (exit 2) with the install hint."""
    recogniser.require()


def listen_book(
    folder: Path,
    manifest: Manifest,
    *,
    sample_seconds: float | None,
    jobs: int,
    max_wer: float,
    progress: Callable[[ChapterHeard], None] | None = None,
) -> Listened:
    """Hear every chapter of the rendered book in FOLDER (all of it, or SAMPLE_SECONDS of each)
    on JOBS workers, each chapter held to MAX_WER; PROGRESS is told of each chapter heard."""
    started = time.perf_counter()
    listened = Listened(max_wer=max_wer, sample_seconds=sample_seconds, jobs=jobs)
    language = manifest.language or "en"
    if language.split("-")[0].lower() not in recogniser.LANGUAGES:
        detail = (
            f"not listened to: the book is in {language!r} and {recogniser.MODEL} hears "
            f"{', '.join(recogniser.LANGUAGES.values())} only"
        )
        listened.results.append(Result(MANIFEST, CHECK, True, detail))
        return listened
    plans: dict[str, _Plan] = {}
    skipped: dict[str, ChapterHeard] = {}
    for chapter in manifest.chapters:
        plan = _plan_chapter(folder, chapter, sample_seconds)
        if isinstance(plan, ChapterHeard):
            skipped[chapter.file] = plan
        else:
            plans[chapter.file] = plan
    heard = _hear_chapters(plans, jobs, language, max_wer, progress)
    for chapter in manifest.chapters:
        result = skipped.get(chapter.file) or heard[chapter.file]
        listened.chapters.append(result)
        listened.results.append(_result(result, max_wer))
    listened.seconds_taken = time.perf_counter() - started
    return listened


# --- what each chapter is heard in ---------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    chapter: ChapterEntry
    sentences: tuple[SpokenSentence, ...]
    windows: tuple[Window, ...]
    stretches: tuple[recogniser.Stretch, ...]
    sampled: bool


def _plan_chapter(
    folder: Path, chapter: ChapterEntry, sample_seconds: float | None
) -> _Plan | ChapterHeard:
    """The windows CHAPTER is heard in, or the result that says why it cannot be."""
    file, title = chapter.file, chapter.title
    if chapter.sentences is None:
        note = "not listened to: this render has no sentence record; render it again to listen"
        return ChapterHeard(file, title, listened=False, ok=True, note=note)
    record_path = folder / chapter.sentences
    try:
        if not (folder / file).is_file():
            raise AudiobookError("the chapter's file is missing", path=folder / file)
        if chapter.sentences_sha256 and sha256(record_path) != chapter.sentences_sha256:
            raise AudiobookError(
                "the sentence record is not the one the manifest lists (sha256)",
                path=record_path,
                hint="render again",
            )
        record = read_sentences(record_path)
    except OSError as exc:
        error = AudiobookError((exc.strerror or str(exc)).lower(), path=record_path)
        return ChapterHeard(file, title, listened=False, ok=False, note=f"cannot listen: {error}")
    except AudiobookError as exc:
        return ChapterHeard(file, title, listened=False, ok=False, note=f"cannot listen: {exc}")
    sentences = record.sentences
    duration = chapter.duration_ms / 1000
    if not any(s.words for s in sentences):
        return ChapterHeard(file, title, listened=False, ok=True, note="no words to listen to")
    if sample_seconds is None:
        windows = full_windows(sentences, duration)
    else:
        windows = sample_windows(sentences, duration, sample_seconds)
    path = str(folder / file)
    if sample_seconds is None:
        stretches = _stretches(path, windows)
    else:  # each window its own stretch: the audio between them is not decoded
        stretches = tuple(s for w in windows for s in _stretches(path, [w]))
    sampled = sum(len(w.sentences) for w in windows) < len(sentences)
    return _Plan(chapter, sentences, windows, stretches, sampled)


def _stretches(path: str, windows: Sequence[Window]) -> tuple[recogniser.Stretch, ...]:
    """WINDOWS (in order) as stretches of at most STRETCH_S of audio, each decoded at once."""
    out: list[recogniser.Stretch] = []
    group: list[Window] = []

    def close() -> None:
        start, end = group[0].start, group[-1].end
        spans = tuple((w.start, w.end, w.open_end) for w in group)
        out.append(recogniser.Stretch(path, start, end - start, spans))

    for w in windows:
        if group and w.end - group[0].start > STRETCH_S:
            close()
            group = []
        group.append(w)
    if group:
        close()
    return tuple(out)


# --- hearing them --------------------------------------------------------------------------------


def _hear_chapters(
    plans: Mapping[str, _Plan],
    jobs: int,
    language: str,
    max_wer: float,
    progress: Callable[[ChapterHeard], None] | None,
) -> dict[str, ChapterHeard]:
    """Every plan's stretches heard (longest first, on JOBS workers) and each chapter scored
    as soon as all of its stretches are."""
    tasks = [(name, i, s) for name, plan in plans.items() for i, s in enumerate(plan.stretches)]
    tasks.sort(key=lambda t: -t[2].seconds)
    pending = {name: len(plan.stretches) for name, plan in plans.items()}
    heard: dict[str, dict[int, recogniser.Heard]] = {name: {} for name in plans}
    done: dict[str, ChapterHeard] = {}
    for (name, i, _), result in _hear(tasks, jobs):
        heard[name][i] = result
        pending[name] -= 1
        if pending[name] == 0:
            done[name] = _score(plans[name], heard[name], language, max_wer)
            if progress is not None:
                progress(done[name])
    return done


def _hear(
    tasks: Sequence[tuple[str, int, recogniser.Stretch]], jobs: int
) -> Iterator[tuple[tuple[str, int, recogniser.Stretch], recogniser.Heard]]:
    """Each task's stretch heard, as they finish."""
    if not tasks:
        return
    workers = max(1, min(jobs, len(tasks)))
    if workers == 1:
        recogniser.start_here()
        for task in tasks:
            yield task, _checked(recogniser.hear(task[2]))
        return
    # Spawned, not forked: a worker starts clean of this process's threads and libraries; its
    # numeric libraries read their thread counts from the environment it is started with.
    context = multiprocessing.get_context("spawn")
    with _environment(recogniser.WORKER_ENV):
        pool = ProcessPoolExecutor(workers, context, initializer=recogniser.start_worker)
        futures: dict[Future[recogniser.Heard], tuple[str, int, recogniser.Stretch]] = {
            pool.submit(recogniser.hear, task[2]): task for task in tasks
        }
    try:
        for future in as_completed(futures):
            task = futures[future]
            try:
                result = future.result()
            except BrokenProcessPool:
                result = recogniser.Heard((), (), 0.0, error="the recogniser's process died")
            yield task, _checked(result)
    except BaseException:
        # Ctrl-C, or a set-up error: the workers are stopped now, not after their stretches.
        # (Python 3.14 has ProcessPoolExecutor.terminate_workers; until then, its processes.)
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        # Let its queues go now, while this process runs: kept by the traceback until exit,
        # their semaphores would be reported as leaked.
        futures.clear()
        del pool
        raise
    pool.shutdown(wait=True)


def _checked(result: recogniser.Heard) -> recogniser.Heard:
    if result.setup_error:
        raise SetupError(result.setup_error, hint=recogniser.INSTALL)
    return result


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """VALUES set in os.environ (where not already set) for the processes started inside."""
    added = {k: v for k, v in values.items() if k not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


# --- the score ---------------------------------------------------------------------------------


def _score(
    plan: _Plan, heard: Mapping[int, recogniser.Heard], language: str, max_wer: float
) -> ChapterHeard:
    """A chapter's stretches' transcripts against its sentences, window by window."""
    chapter, sentences = plan.chapter, plan.sentences
    taken = sum(h.seconds_taken for h in heard.values())
    errors = [h.error for h in heard.values() if h.error]
    base = ChapterHeard(
        chapter.file,
        chapter.title,
        listened=True,
        ok=False,
        seconds_taken=taken,
        chapter_seconds=chapter.duration_ms / 1000,
        sampled=plan.sampled,
    )
    if errors:
        return replace(base, listened=False, note=f"cannot listen: {errors[0]}")
    texts = [text for i in range(len(plan.stretches)) for text in heard[i].texts]
    seconds = [s for i in range(len(plan.stretches)) for s in heard[i].seconds]
    total = wer.Alignment()
    for window, text in zip(plan.windows, texts, strict=True):
        written = wer.written_tokens([(i, sentences[i].text) for i in window.sentences], language)
        keys = wer.heard_keys(text, language)
        total.add(wer.align(written, keys, window.sentences[0], open_end=window.open_end))
    unheard: list[UnheardWord] = []
    seen: set[tuple[int, int]] = set()
    for token in total.unheard:  # a written word once, however many tokens it made ("1847")
        if (token.sentence, token.word) in seen:
            continue
        seen.add((token.sentence, token.word))
        sentence = sentences[token.sentence]
        word = wer.written_word(sentence.text, token.word)
        unheard.append(UnheardWord(word or token.key, token.sentence, sentence.start))
    rate = total.wer
    scored = replace(
        base,
        ok=rate <= max_wer,
        wer=rate,
        words=total.words,
        heard=total.heard,
        errors=total.errors,
        unheard=tuple(unheard),
        instead=tuple(total.instead),
        paragraphs=_paragraphs(sentences, total),
        seconds_listened=sum(seconds),
    )
    return replace(scored, ok=scored.ok and not scored.lost_paragraphs)


def _paragraphs(
    sentences: Sequence[SpokenSentence], total: wer.Alignment
) -> tuple[ParagraphHeard, ...]:
    """Each written run heard: its errors and its words compared."""
    heard: dict[int, list[int]] = {}  # group: [errors, words, first sentence]
    for sentence in sorted(set(total.said) | set(total.lost)):
        row = heard.setdefault(sentences[sentence].group, [0, 0, sentence])
        row[0] += total.lost.get(sentence, 0)
        row[1] += total.said.get(sentence, 0)
    out = []
    for group, (lost, words, first) in heard.items():
        words_said: list[str] = []
        for s in itertools.islice(sentences, first, None):
            if s.group != group or len(words_said) >= 6:
                break
            words_said += s.text.split()
        opening = " ".join(words_said[:6])
        out.append(ParagraphHeard(group, sentences[first].start, opening, lost, words))
    return tuple(sorted(out, key=lambda p: p.at))


def _result(chapter: ChapterHeard, max_wer: float) -> Result:
    """The chapter's one result, as `check` lists it."""
    if not chapter.listened:
        return Result(chapter.file, CHECK, chapter.ok, chapter.note)
    heard = f"{chapter.heard:,} words heard of {chapter.words:,}"
    if chapter.sampled:
        heard += f"; {chapter.seconds_listened:.0f} s sampled of {chapter.chapter_seconds:.0f} s"
    detail = f"WER {chapter.wer:.1%}"
    if chapter.wer > max_wer:
        detail += f", above {max_wer:.1%}"
    detail += f" ({heard}"
    if chapter.unheard:
        shown = ", ".join(repr(u.word) for u in chapter.unheard[:UNHEARD_SHOWN])
        more = len(chapter.unheard) - UNHEARD_SHOWN
        detail += f"; {len(chapter.unheard)} unheard: {shown}"
        detail += f" and {more} more" if more > 0 else ""
    detail += ")"
    for lost in chapter.lost_paragraphs[:3]:
        detail += (
            f"; the paragraph at {clock(lost.at)}, {lost.opening!r}, was not heard as written: "
            f"{lost.lost} errors in {lost.words} words ({lost.wer:.0%}, above "
            f"{PARAGRAPH_WER:.0%})"
        )
    if not chapter.ok and chapter.worst is not None and not chapter.lost_paragraphs:
        worst = chapter.worst
        where = "the opening credits" if worst.group < 0 else "the paragraph"
        detail += (
            f"; most lost in {where} at {clock(worst.at)}, {worst.opening!r}: "
            f"{worst.lost} errors in {worst.words} words"
        )
    return Result(chapter.file, CHECK, chapter.ok, detail)
