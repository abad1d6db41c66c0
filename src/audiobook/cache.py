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

Location: $AUDIOBOOK_CACHE, else $XDG_CACHE_HOME/audiobook, else ~/.cache/audiobook.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from audiobook.files import sha256

ENV_VAR = "AUDIOBOOK_CACHE"
FORMAT = 2  # bump when what an entry holds changes
CHECKSUMS = "checksums.json"


class CorruptEntry(Exception):
    """An entry whose files no longer match their checksums: it has been discarded."""


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

    def get(self, key: str, verify: Sequence[str] = ()) -> Path | None:
        """The entry's folder, if it is complete; the files named in VERIFY are checked against
        their checksums first, and a mismatch discards the entry and raises CorruptEntry."""
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

        The block writes meta.json last: an entry without it is not complete.
        """
        final = self.chapters / key[:2] / key
        final.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{key[:12]}-", dir=final.parent))
        try:
            yield work
            sums = {p.name: sha256(p) for p in sorted(work.iterdir()) if p.is_file()}
            (work / CHECKSUMS).write_text(json.dumps(sums, indent=1), encoding="utf-8")
            if final.exists():  # another job put the same content first: keep one
                shutil.rmtree(final, ignore_errors=True)
            os.replace(work, final)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def clean(self) -> tuple[int, int]:
        """Empty the cache; return (entries, bytes) removed."""
        entries = size = 0
        if not self.chapters.exists():
            return 0, 0
        for shard in self.chapters.iterdir():
            for entry in shard.iterdir() if shard.is_dir() else []:
                entries += not entry.name.startswith(".")
                size += sum(f.stat().st_size for f in entry.rglob("*") if f.is_file())
        shutil.rmtree(self.chapters, ignore_errors=True)
        return entries, size

    def remove_stale_work(self, older_than_s: float = 3600) -> None:
        """Temporary folders of puts that a crash interrupted."""
        if not self.chapters.exists():
            return
        limit = time.time() - older_than_s
        for shard in self.chapters.iterdir():
            for work in shard.glob(".*") if shard.is_dir() else []:
                if work.stat().st_mtime < limit:
                    shutil.rmtree(work, ignore_errors=True)
