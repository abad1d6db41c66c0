"""The chapter job: one chapter, start to finish, as a pure function of its inputs.

It plans what the chapter says, keys it by everything its audio depends on, and takes the audio
from the cache, or has a Studio make it (chapter_audio.py: here, or on a cluster's workers);
then it writes the captions and the tagged MP3 under temporary names that become the final ones
only when each file is complete. Module-level, and all it is given is one ChapterRequest, so any
concurrent.futures executor can run it; it runs where the output folder is.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from audiobook import __version__
from audiobook.core.audio import Pause
from audiobook.core.cache import Cache, CacheUnwritable, CorruptEntry, content_key
from audiobook.core.config import Voice
from audiobook.core.errors import AudiobookError
from audiobook.core.files import atomic_write, sha256
from audiobook.core.sentences import Timed, words_digest
from audiobook.formats.captions import (
    FORMATS,
    TIMINGS,
    caption_cues,
    chapter_caption_names,
    load_timings,
)
from audiobook.formats.m4b import AacTrack, load_track
from audiobook.formats.sentence_spans import (
    ChapterSentences,
    SpokenSentence,
    sentences_json,
    sentences_name,
)
from audiobook.formats.tags import mp3_info, write_tags
from audiobook.mastering.ffmpeg import ffmpeg_version
from audiobook.mastering.profiles import PROFILES
from audiobook.mastering.stitch import LEVELLING
from audiobook.pipeline.chapter_audio import (
    AAC_FRAMES,
    AAC_SIZES,
    ENTRY_FILES,
    AudioRequest,
    LocalStudio,
    Studio,
)
from audiobook.pipeline.events import ChapterResult, ChapterStarted, ChapterWarning, Progress
from audiobook.pipeline.plan import ChapterJob, Say, Step, plan, tags_key
from audiobook.pronunciation.lexicon import Lexicon
from audiobook.pronunciation.spoken import spoken

# What a cache entry holds changed (its timings came): older entries are other keys, not damaged.
ENTRY_FORMAT = 2


def tool_versions(engine_identity: str) -> dict[str, str]:
    """What, besides the text and the settings, a chapter's bytes depend on."""
    return {"audiobook": __version__, "engine": engine_identity, "ffmpeg": ffmpeg_version()}


def chapter_steps(job: ChapterJob) -> list[Step]:
    """The job's plan with the lexicon, normalisation and heteronyms applied: exactly what is
    said. A lexicon entry for some voices knows a voice by its key or its character's name."""
    lexicon = Lexicon(job.lexicon)

    def prepare(text: str, voice: str) -> str:
        names = {voice, job.speakers.get(voice, voice)}
        return spoken(text, job.language, lexicon, names, job.voice_languages.get(voice))

    return plan(job.chapter, job.timing, job.opening, job.closing, prepare, job.cast_spans)


def chapter_key(job: ChapterJob, steps: list[Step], tools: dict[str, str]) -> str:
    """The hash of everything the chapter's audio depends on, and nothing else (not its tags)."""
    said: list[list[object]] = []
    for step in steps:
        if isinstance(step, Pause):
            said.append(["pause", step.ms])
        else:
            said.append(["say", step.text, job.voices[step.voice].model_dump()])
    if len({s.voice for s in steps if isinstance(s, Say)}) > 1:
        said.append(["levelled", LEVELLING])  # several voices: each utterance is levelled
    return content_key(f"chapter-{ENTRY_FORMAT}", said, asdict(PROFILES[job.profile]), tools)


def chapter_cast(job: ChapterJob, steps: list[Step]) -> dict[str, Any]:
    """What a chapter's result says of its cast: each quoted line and who reads it, the runs
    read by characters (for the captions' speakers), and the voices that read lines."""
    if not job.lines and not job.speakers:
        return {}
    speakers = tuple(
        sorted({(s.run, job.speakers[s.voice]) for s in steps
                if isinstance(s, Say) and s.voice in job.speakers})
    )  # fmt: skip
    counted: dict[str, int] = {}
    for line in job.lines:
        if line.voice != "narrator" and line.speaker:
            counted[line.speaker] = counted.get(line.speaker, 0) + 1
    described = {job.speakers[k]: f"{v.engine} {v.voice}" for k, v in job.voices.items()
                 if k in job.speakers}  # fmt: skip
    cast = tuple((name, described.get(name, "narrator"), n) for name, n in sorted(counted.items()))
    return {"lines": job.lines, "speakers": speakers, "cast": cast}


def _never() -> bool:
    return False


@dataclass(frozen=True)
class ChapterRequest:
    """What a chapter job is given: the job, where its file goes, and how the run goes."""

    job: ChapterJob
    out_dir: Path
    cache: Cache
    tools: dict[str, str]  # tool_versions: what the cache key is made with
    studio: Studio = field(default_factory=LocalStudio)  # where its audio is made
    force: bool = False  # make the audio again even when the cache has it
    progress: Progress | None = None
    stopping: Callable[[], bool] = _never  # the render is being interrupted: stop and leave none
    previous: dict[str, Any] | None = None  # what the last render's manifest says of the file


def run_chapter(request: ChapterRequest) -> ChapterResult:
    """One chapter, start to finish (_run_chapter). A cache that cannot be written is no reason
    to fail: when its disk fills (or turns read-only) under the chapter, the chapter is made
    again, outside the cache (Cache.put), and the render is told once."""
    chapter, cache, progress = request.job.chapter, request.cache, request.progress

    def warn() -> None:
        if progress and (note := cache.take_warning()):
            progress(ChapterWarning(chapter.index, chapter.title, note))

    try:
        try:
            return _run_chapter(request)
        except CacheUnwritable:
            warn()
            return _run_chapter(request)
    finally:
        warn()


def _run_chapter(request: ChapterRequest) -> ChapterResult:
    """One chapter, start to finish: a pure function of the job (and the tools' versions).

    The mastered audio comes from the cache when it is there (and not --force), else it is
    spoken, mastered and put in the cache; then the chapter file is tagged and moved into place.
    """
    job, out_dir, cache, progress = request.job, request.out_dir, request.cache, request.progress
    force, previous = request.force, request.previous
    steps = chapter_steps(job)
    key = chapter_key(job, steps, request.tools)
    # The file's own key: its audio and its tags. When the last render wrote this very file and
    # it is still there, nothing needs doing at all.
    file_key = content_key("file", key, tags_key(job.book), asdict(job.item))
    if job.speakers:  # the captions name the characters: a renamed one rewrites them
        file_key = content_key("file", file_key, sorted(job.speakers.items()))
    cast = chapter_cast(job, steps)
    final = out_dir / job.file_name
    # What the last render wrote of this very file, when it is still there as it was written.
    unchanged = (
        previous
        if previous and not force and previous.get("key") == file_key and final.exists()
        else None
    )
    index, title = job.chapter.index, job.chapter.title

    def cached_entry(files: tuple[str, ...]) -> Path | None:
        """The cache entry, its FILES checked; a damaged one is discarded and made again."""
        try:
            return cache.get(key, verify=files)
        except CorruptEntry as exc:
            if progress:
                progress(ChapterWarning(index, title, f"{exc}: making it again"))
            return None

    captions = chapter_caption_names(job.file_name) if job.captions else ()
    said_runs = {s.run: s.written for s in steps if isinstance(s, Say)}  # in order, one per run
    caption_words = words_digest(said_runs.values()) if job.captions else (0, "")
    # The file is there as the last render wrote it (its captions too): only its AAC twin and
    # timings (for the whole-book files) are read.
    if (
        unchanged is not None
        and final.stat().st_size == unchanged.get("bytes")
        and tuple(unchanged.get("captions", ())) == captions
        and all((out_dir / name).exists() for name in captions)
        and (kept := cached_entry((AAC_FRAMES, AAC_SIZES, TIMINGS)))
    ):
        # The sentence record too (a render before it was written has none): from the timings.
        record = write_chapter_sentences(job, steps, kept, out_dir)
        return ChapterResult(
                index=job.chapter.index, title=job.chapter.title, file=job.file_name,
                words=job.chapter.words, duration_ms=unchanged["duration_ms"],
                sha256=unchanged["sha256"], rms_db=unchanged.get("rms_db", 0.0),
                peak_db=unchanged.get("peak_db", 0.0), cached=True, key=key, file_key=file_key,
                bytes=unchanged["bytes"], captions=captions, caption_words=caption_words,
                sentences=record, **cast,
            )  # fmt: skip
    entry = None if force else cached_entry(ENTRY_FILES)
    cached = entry is not None
    retries = 0
    if progress and entry is not None:  # else it starts when its audio does (make_entry_files)
        progress(ChapterStarted(index, title, 0))
    if entry is None:
        audio = AudioRequest(
            key, tuple(steps), job.voices, job.profile, request.tools, index, title,
            job.chapter.words,
        )  # fmt: skip
        retries = request.studio.make(audio, cache, progress, request.stopping)
        entry = cache.get(key)
        if entry is None:  # emptied under us, by `clean` or by hand
            raise AudiobookError("the cache lost the chapter as it was made; render again")
    levels = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
    # The sentence record and captions first, then the MP3: a chapter whose MP3 has its final
    # name has them. If the MP3 cannot be written, they go too (none without their audio).
    names = dict(cast.get("speakers", ()))
    record = write_chapter_sentences(job, steps, entry, out_dir)
    written: tuple[str, ...] = (record[0],)
    try:
        written += write_chapter_captions(job, entry, out_dir, names) if job.captions else ()
        with atomic_write(final) as tmp:
            shutil.copyfile(entry / "chapter.mp3", tmp)
            write_tags(tmp, job.book, job.item)
            digest = sha256(tmp)
            # Players count every frame: so do the manifest and the whole-book chapter marks.
            duration_ms = round(mp3_info(tmp).seconds * 1000)
    except BaseException:
        for name in written:
            with contextlib.suppress(OSError):
                (out_dir / name).unlink()
        raise
    return ChapterResult(
        index=job.chapter.index,
        title=job.chapter.title,
        file=job.file_name,
        words=job.chapter.words,
        duration_ms=duration_ms,
        sha256=digest,
        rms_db=levels["rms_db"],
        peak_db=levels["peak_db"],
        retries=retries,
        cached=cached,
        key=key,
        file_key=file_key,
        bytes=final.stat().st_size,
        captions=captions,
        caption_words=caption_words,
        sentences=record,
        **cast,
    )


def voice_description(voice: Voice) -> str:
    """A voice as its sentence record describes it: the same words for the same voice in every
    chapter, so that check can measure each voice's pace across the book."""
    settings = [
        f"{voice.rate} wpm" if voice.rate else "",
        f"pitch {voice.pitch}" if voice.pitch is not None else "",
        f"speaker {voice.speaker}" if voice.speaker is not None else "",
    ]
    return " ".join(word for word in [voice.engine, voice.voice, *settings] if word)


def write_chapter_sentences(
    job: ChapterJob, steps: list[Step], entry: Path, out_dir: Path
) -> tuple[str, str]:
    """NN-title.sentences.json beside the chapter's MP3 (formats/sentence_spans.py), from its
    cache entry's timings and the voice of each run; written only when it differs from the one
    there. Returns its name and sha256 (for the manifest)."""
    run_voice = {s.run: s.voice for s in steps if isinstance(s, Say)}
    timed = load_timings(entry / TIMINGS)
    keys = sorted({run_voice.get(t.group, "narrator") for t in timed})
    record = ChapterSentences(
        chapter=job.file_name,
        voices={k: voice_description(job.voices[k]) for k in keys if k in job.voices},
        sentences=tuple(
            SpokenSentence(t.text, t.start, t.end, run_voice.get(t.group, "narrator"), t.group)
            for t in timed
        ),
    )
    data = sentences_json(record).encode("utf-8")
    name = sentences_name(job.file_name)
    path = out_dir / name
    try:
        same = path.read_bytes() == data
    except OSError:
        same = False
    if not same:
        with atomic_write(path) as tmp:
            tmp.write_bytes(data)
    return name, hashlib.sha256(data).hexdigest()


def write_chapter_captions(
    job: ChapterJob, entry: Path, out_dir: Path, speakers: dict[int, str] | None = None
) -> tuple[str, ...]:
    """NN-title.vtt and .srt beside the chapter's MP3, from its cache entry's timings (SPEAKERS:
    the character who reads each run, named in the WebVTT). Written before the MP3 takes its
    final name: a chapter listed in the manifest has its captions."""
    cue_list = caption_cues(named_speakers(load_timings(entry / TIMINGS), speakers or {}))
    names = chapter_caption_names(job.file_name)
    done: list[str] = []
    try:
        for name, format_cues in zip(names, FORMATS.values(), strict=True):
            with atomic_write(out_dir / name) as tmp:
                tmp.write_text(format_cues(cue_list), encoding="utf-8")
            done.append(name)
    except BaseException:
        for name in done:
            with contextlib.suppress(OSError):
                (out_dir / name).unlink()
        raise
    return names


def named_speakers(sentences: tuple[Timed, ...], speakers: dict[int, str]) -> tuple[Timed, ...]:
    """SENTENCES with the character who says each (by its run), for the captions."""
    if not speakers:
        return sentences
    return tuple(replace(t, voice=speakers.get(t.group, "")) for t in sentences)


def entry_timings(entry: Path) -> tuple[Timed, ...]:
    """The sentences and their times a chapter job left in its cache entry."""
    return load_timings(entry / TIMINGS)


def entry_aac(entry: Path) -> AacTrack:
    """The AAC twin a chapter job left in its cache entry, for the M4B."""
    meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
    return load_track(entry / AAC_FRAMES, entry / AAC_SIZES, meta["aac"])
