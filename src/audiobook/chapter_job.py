"""The chapter job: one chapter, start to finish, as a pure function of its inputs.

It speaks the chapter's plan with a fresh engine (espeak-ng's output depends on what the process
spoke before, so sharing one would make a chapter's bytes depend on its neighbours), streams its
audio through a temporary file, masters and encodes it into a cache entry keyed by everything
the audio depends on, and writes the tagged MP3 under a temporary name that becomes the final one
only when the file is complete. Module-level and made of plain data, so any concurrent.futures
executor can run it.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from audiobook import __version__, engines
from audiobook.audio import Pause, Speech
from audiobook.cache import Cache, CorruptEntry, content_key
from audiobook.engines.interface import SpeechEngine
from audiobook.files import atomic_write, sha256
from audiobook.mastering.ffmpeg import ffmpeg_version
from audiobook.mastering.loudness import master_to_mp3
from audiobook.mastering.profiles import PROFILES
from audiobook.mastering.stitch import stitch
from audiobook.outputs.m4b import AacTrack, load_track, save_sizes, split_adts
from audiobook.outputs.tags import mp3_info, write_tags
from audiobook.plan import ChapterJob, Say, Step, plan, tags_key
from audiobook.readers.textnorm import apply_lexicon, normalize

AAC_FRAMES, AAC_SIZES = "chapter.aac", "chapter.aac.sizes"  # in a cache entry
ENTRY_FILES = ("chapter.mp3", AAC_FRAMES, AAC_SIZES, "meta.json")

# Progress events, from the chapters' threads: (event, chapter index, title, detail):
# "book" (detail: the book's words), "start" (utterances to speak; 0 when cached),
# "step" (utterances spoken), "master" (None), "done" (the ChapterResult), "warning" (a message:
# a damaged cache entry, made again).
Progress = Callable[[str, int, str, Any], None]
EngineFactory = Callable[[], SpeechEngine]


@dataclass(frozen=True)
class ChapterResult:
    index: int
    title: str
    file: str
    words: int
    duration_ms: int = 0
    sha256: str = ""
    rms_db: float = 0.0
    peak_db: float = 0.0
    retries: int = 0
    cached: bool = False  # the audio came from the cache
    key: str = ""  # the cache key of its audio
    file_key: str = ""  # the key of the file: its audio and its tags
    bytes: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Interrupted(Exception):
    """A chapter stopped because the render is being interrupted."""


def tool_versions(engine_identity: str) -> dict[str, str]:
    """What, besides the text and the settings, a chapter's bytes depend on."""
    return {"audiobook": __version__, "engine": engine_identity, "ffmpeg": ffmpeg_version()}


def chapter_steps(job: ChapterJob) -> list[Step]:
    """The job's plan with the lexicon and normalisation applied: exactly what is said."""

    def prepare(text: str) -> str:
        return normalize(apply_lexicon(text, job.lexicon), job.language)

    return plan(job.chapter, job.timing, job.opening, job.closing, prepare)


def chapter_key(job: ChapterJob, steps: list[Step], tools: dict[str, str]) -> str:
    """The hash of everything the chapter's audio depends on, and nothing else (not its tags)."""
    said: list[list[object]] = []
    for step in steps:
        if isinstance(step, Pause):
            said.append(["pause", step.ms])
        else:
            said.append(["say", step.text, job.voices[step.voice].model_dump()])
    return content_key("chapter", said, asdict(PROFILES[job.profile]), tools)


def run_chapter(
    job: ChapterJob,
    out_dir: Path,
    cache: Cache,
    tools: dict[str, str],
    engine_factory: EngineFactory = engines.create,
    force: bool = False,
    progress: Progress | None = None,
    stopping: Callable[[], bool] = lambda: False,
    previous: dict[str, Any] | None = None,
) -> ChapterResult:
    """One chapter, start to finish: a pure function of the job (and the tools' versions).

    The mastered audio comes from the cache when it is there (and not --force), else it is
    spoken, mastered and put in the cache; then the chapter file is tagged and moved into place.
    """
    steps = chapter_steps(job)
    key = chapter_key(job, steps, tools)
    # The file's own key: its audio and its tags. When the last render wrote this very file and
    # it is still there, nothing needs doing at all.
    file_key = content_key("file", key, tags_key(job.book), asdict(job.item))
    final = out_dir / job.file_name
    unchanged = previous and not force and previous.get("key") == file_key and final.exists()
    index, title = job.chapter.index, job.chapter.title

    def cached_entry(files: tuple[str, ...]) -> Path | None:
        """The cache entry, its FILES checked; a damaged one is discarded and made again."""
        try:
            return cache.get(key, verify=files)
        except CorruptEntry as exc:
            if progress:
                progress("warning", index, title, f"{exc}: making it again")
            return None

    # The file is there as the last render wrote it: only its AAC twin (for the M4B) is read.
    if (
        unchanged
        and final.stat().st_size == previous.get("bytes")
        and cached_entry((AAC_FRAMES, AAC_SIZES))
    ):
        return ChapterResult(
                index=job.chapter.index, title=job.chapter.title, file=job.file_name,
                words=job.chapter.words, duration_ms=previous["duration_ms"],
                sha256=previous["sha256"], rms_db=previous.get("rms_db", 0.0),
                peak_db=previous.get("peak_db", 0.0), cached=True, key=key, file_key=file_key,
                bytes=previous["bytes"],
            )  # fmt: skip
    entry = None if force else cached_entry(ENTRY_FILES)
    cached = entry is not None
    retries = 0
    said = [s for s in steps if isinstance(s, Say)]
    if progress:
        progress("start", index, title, 0 if entry else len(said))
    if entry is None:
        with contextlib.closing(engine_factory()) as engine, cache.put(key) as work:

            def speech() -> Iterator[Speech | Pause]:
                done = 0
                for step in steps:
                    if stopping():  # the render is being interrupted: leave no entry
                        raise Interrupted
                    if isinstance(step, Pause):
                        yield step
                        continue
                    yield engine.synthesize(step.text, job.voices[step.voice])
                    done += 1
                    if progress:
                        progress("step", index, title, done)
                if progress:
                    progress("master", index, title, None)

            stitched = stitch(speech(), work / "chapter.raw")
            adts = work / "chapter.adts"
            mastered = master_to_mp3(stitched, PROFILES[job.profile], work / "chapter.mp3", adts)
            stitched.path.unlink()
            # The M4B is joined from raw AAC frames and their sizes (m4b.py): split them here,
            # in the chapter's own job, once.
            aac = split_adts(adts, work / AAC_FRAMES)
            adts.unlink()
            meta = {
                "rms_db": mastered.levels.rms_db,
                "peak_db": mastered.levels.peak_db,
                "aac": save_sizes(aac, work / AAC_SIZES),
            }
            (work / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
            retries = getattr(engine, "retries", 0)
        entry = cache.get(key)
        assert entry is not None
    levels = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
    with atomic_write(final) as tmp:
        shutil.copyfile(entry / "chapter.mp3", tmp)
        write_tags(tmp, job.book, job.item)
        digest = sha256(tmp)
        # Players count every frame: so do the manifest and the whole-book chapter marks.
        duration_ms = round(mp3_info(tmp).seconds * 1000)
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
    )


def entry_aac(entry: Path) -> AacTrack:
    """The AAC twin a chapter job left in its cache entry, for the M4B."""
    meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
    return load_track(entry / AAC_FRAMES, entry / AAC_SIZES, meta["aac"])
