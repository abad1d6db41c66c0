"""A content-addressed store of mastered chapters, so a render redoes only what changed.

An entry is a folder named by the hash of everything a chapter's audio depends on (its plan:
every utterance's text and voice, every pause; the profile; the versions of audiobook, pyttsx3,
espeak-ng and ffmpeg). It holds the untagged chapter MP3, its AAC twin for the M4B (raw frames
and their sizes), and what was measured. Entries are built in a temporary folder and renamed into
place, so a crash leaves no half-written entry, only a temporary folder that `clean` or the next
put removes. Every entry also holds the sha256 of each of its files (checksums.json, written last:
an entry without it is not complete), and a reader names the files it is about to use, which are
checked first: an entry that was truncated or damaged since is discarded (CorruptEntry), and the
caller makes it again, instead of building a book from it that fails `check`.

A cache that cannot be written (its disk full, read-only, not ours) is not fatal: the render goes
on without it. The first fault is kept (`problem`, said once by `take_warning`), and from then on
`put` builds entries in a temporary folder outside the cache, which `get` serves for the rest of
the run (the whole-book files need them) and which goes with the Cache object. A put whose disk
filled while its block ran raises CacheUnwritable: its caller runs the block again, which now
goes outside the cache.

Location: $AUDIOBOOK_CACHE, else $XDG_CACHE_HOME/audiobook, else ~/.cache/audiobook.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from audiobook.core.errors import UNWRITABLE, AudiobookError, ToolError
from audiobook.core.files import sha256

ENV_VAR = "AUDIOBOOK_CACHE"
FORMAT = 2  # bump when what an entry holds changes
CHECKSUMS = "checksums.json"


class CorruptEntry(Exception):
    """An entry whose files no longer match their checksums: it has been discarded."""


class CacheUnwritable(AudiobookError):
    """The cache's disk failed a put while its block ran (it filled, or turned read-only): the
    block is to be run again, and the next put goes outside the cache."""


def default_cache_dir() -> Path:
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "audiobook"


def content_key(*parts: Any) -> str:
    """A stable hash of PARTS (anything JSON can say)."""
    text = json.dumps([FORMAT, *parts], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Cache:
    def __init__(self, root: Path | None = None):
        self.root = root or default_cache_dir()
        self.chapters = self.root / "chapters"
        self.problem: str | None = None  # why this run does not cache, once a put found out
        self._warned = False
        self._lock = threading.Lock()
        self._aside: Path | None = None  # this run's entries that the cache could not take
        self._uncached: dict[str, Path] = {}
        # Those folders go when this Cache does (the end of the render), or at exit.
        self._temporary: list[Path] = []
        weakref.finalize(self, _remove_folders, self._temporary)

    def get(self, key: str, verify: Sequence[str] = ()) -> Path | None:
        """The entry's folder, if it is complete; the files named in VERIFY are checked against
        their checksums first, and a mismatch discards the entry and raises CorruptEntry."""
        if key in self._uncached:  # made by this run outside the cache
            return self._uncached[key]
        entry = self.chapters / key[:2] / key
        try:
            sums = json.loads((entry / CHECKSUMS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # absent, half-made, or from before entries carried checksums
        for name in verify:
            try:
                intact = sha256(entry / name) == sums.get(name)
            except OSError:
                intact = False
            if not intact:
                self.discard(key)
                raise CorruptEntry(f"{entry / name}: damaged since it was cached")
        with suppress(OSError):  # a read-only cache still serves what it holds
            os.utime(entry)  # recently used: what a size-based clean-up would keep
        return entry

    def discard(self, key: str) -> None:
        """Remove the entry KEY (a damaged one): the next put makes it again."""
        entry = self.chapters / key[:2] / key
        aside = entry.with_name(f".{key[:12]}-discarded-{os.getpid()}")
        try:
            os.replace(entry, aside)  # out of the way at once, for other readers too
        except OSError:
            return
        shutil.rmtree(aside, ignore_errors=True)

    @contextmanager
    def put(self, key: str) -> Iterator[Path]:
        """Yield an empty folder to fill; it becomes the entry KEY only if the block succeeds.

        The block writes meta.json last: an entry without it is not complete. Once the cache has
        proven unwritable, the folder is outside it and the entry lasts for this run only.
        """
        final = self.chapters / key[:2] / key
        work = None
        if self.problem is None:
            try:
                final.parent.mkdir(parents=True, exist_ok=True)
                work = Path(tempfile.mkdtemp(prefix=f".{key[:12]}-", dir=final.parent))
            except OSError as exc:
                self._give_up(_reason(exc))
        if work is None:
            with self._put_aside(key) as work:
                yield work
            return
        try:
            try:
                yield work
            except (OSError, ToolError) as exc:
                reason = self._its_fault(exc, work)
                if reason is None:
                    raise
                self._give_up(reason)
                raise CacheUnwritable(str(self.problem)) from exc
            try:
                sums = {p.name: sha256(p) for p in sorted(work.iterdir()) if p.is_file()}
                (work / CHECKSUMS).write_text(json.dumps(sums, indent=1), encoding="utf-8")
                if final.exists():  # another job put the same content first: keep one
                    shutil.rmtree(final, ignore_errors=True)
                os.replace(work, final)
            except OSError as exc:
                if exc.errno not in UNWRITABLE:
                    raise
                # The entry is complete, but the cache cannot take it: served from where it is,
                # for this run.
                self._give_up(_reason(exc))
                with self._lock:
                    self._temporary.append(work)
                self._keep_uncached(key, work)
                work = None
        finally:
            if work is not None:
                shutil.rmtree(work, ignore_errors=True)

    def take_warning(self) -> str | None:
        """Why this run does not use the cache, the first time it is asked (say it once)."""
        with self._lock:
            if self.problem is None or self._warned:
                return None
            self._warned = True
            return self.problem

    def _give_up(self, reason: str) -> None:
        if "space" in reason or "quota" in reason:
            what = "free some space there"
        elif "read-only" in reason:
            what = "make it writable"
        else:
            what = "fix its permissions"
        with self._lock:
            if self.problem is None:
                self.problem = (
                    f"{self.root}: the cache cannot be written ({reason}): rendering without it; "
                    f"{what}, or set {ENV_VAR} to another folder"
                )

    def _its_fault(self, exc: OSError | ToolError, work: Path) -> str | None:
        """Why WORK's disk refused what was written into it, if that is what EXC says."""
        if isinstance(exc, OSError):
            if exc.errno not in UNWRITABLE:
                return None
            names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
            if names:  # the file that failed is named: one in WORK, or not the cache's fault
                return _reason(exc) if any(n.startswith(str(work)) for n in names) else None
            # A write to an open file names none: was it WORK's disk (full or read-only)?
            return _reason(exc) if _refuses(work) else None
        # ffmpeg writing into WORK: its message names the file and quotes the system's error.
        said = [os.strerror(e) for e in sorted(UNWRITABLE) if os.strerror(e) in str(exc)]
        return said[0].lower() if said and str(work) in str(exc) else None

    @contextmanager
    def _put_aside(self, key: str) -> Iterator[Path]:
        """A put outside the cache: the entry lives in a temporary folder until the Cache goes."""
        with self._lock:
            if self._aside is None:
                self._aside = Path(tempfile.mkdtemp(prefix="audiobook-uncached-"))
                self._temporary.append(self._aside)
            aside = self._aside
        work = Path(tempfile.mkdtemp(prefix=f"{key[:12]}-", dir=aside))
        try:
            yield work
        except OSError as exc:
            shutil.rmtree(work, ignore_errors=True)
            if exc.filename is None:  # a write to a file already open: it was in WORK
                raise OSError(exc.errno, exc.strerror, str(work)) from exc
            raise
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        self._keep_uncached(key, work)

    def _keep_uncached(self, key: str, work: Path) -> None:
        with self._lock:
            if key not in self._uncached:  # another job made the same content first: keep one
                self._uncached[key] = work
                return
        shutil.rmtree(work, ignore_errors=True)

    def clean(self) -> tuple[int, int]:
        """Empty the cache; return (entries, bytes) removed. A cache that cannot be emptied
        (read-only, not ours) is an error that says so, not a count of what was not removed."""
        entries = size = 0
        if not self.chapters.exists():
            return 0, 0
        try:
            for shard in self.chapters.iterdir():
                for entry in shard.iterdir() if shard.is_dir() else []:
                    entries += not entry.name.startswith(".")
                    size += sum(f.stat().st_size for f in entry.rglob("*") if f.is_file())
            shutil.rmtree(self.chapters)
        except OSError as exc:
            raise AudiobookError(
                f"the cache could not be emptied ({(exc.strerror or str(exc)).lower()})",
                path=self.root,
                hint=f"check the permissions of {exc.filename or self.root}, or remove it by hand",
            ) from None
        return entries, size

    def remove_stale_work(self, older_than_s: float = 3600) -> None:
        """Temporary folders of puts that a crash interrupted. Best effort: a cache that cannot
        be read or written here is left as it is (put then does without it)."""
        limit = time.time() - older_than_s
        try:
            shards = list(self.chapters.iterdir()) if self.chapters.is_dir() else []
            for shard in shards:
                for work in shard.glob(".*") if shard.is_dir() else []:
                    with suppress(OSError):  # another render may remove it first
                        if work.stat().st_mtime < limit:
                            shutil.rmtree(work, ignore_errors=True)
        except OSError:
            return


FULL = 16 << 20  # a disk with less free than this after a failed write is taken to be full


def _refuses(folder: Path) -> bool:
    """Whether FOLDER's file system is read-only or (nearly) full."""
    if not hasattr(os, "statvfs"):  # Windows: the error said so, and it was writing here
        return True
    try:
        st = os.statvfs(folder)
    except OSError:
        return True
    return bool(st.f_flag & os.ST_RDONLY) or st.f_bavail * st.f_frsize < FULL


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def _remove_folders(folders: list[Path]) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
