"""Where chapter jobs run: the seam between the render and the machines it runs on.

A render is handed a concurrent.futures.Executor, on which it runs its chapter jobs, and a
Studio, which makes their audio (chapter_audio.py); it neither creates nor shuts either down.
`open_workers` gives both, by where the work goes:

- this machine (`local`): a pool of threads, each chapter's audio made in engine and ffmpeg
  processes of its own, so threads keep every core busy;
- a Dask cluster (`cluster.py`, the `cluster` extra): the chapter jobs' threads stay here, where
  the output folder is, and only the audio (speech, mastering, encoding) is made on the workers.

Both are siblings behind the same two objects: the render has no `if` for either.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from audiobook import engines
from audiobook.pipeline.chapter_audio import EngineFactory, LocalStudio, Studio


@dataclass(frozen=True)
class Workers:
    """Where a run's chapters go: the threads that run their jobs and the studio that makes
    their audio."""

    pool: Executor
    studio: Studio
    where: str  # said to the user: "2 chapters at once on this machine"
    slots: int  # how many chapter jobs the pool runs at once


def local(jobs: int) -> Executor:
    """JOBS chapters at once on this machine."""
    return ThreadPoolExecutor(max_workers=max(1, jobs))


@contextlib.contextmanager
def open_workers(
    scheduler: str | None,
    jobs: int,
    shared_cache: Path | None = None,
    engine_factory: EngineFactory = engines.create,
) -> Iterator[Workers]:
    """JOBS chapters at once on this machine, or, with SCHEDULER (a Dask scheduler's address,
    or local:N for a cluster of N worker processes here), as many as the cluster's workers
    take. SHARED_CACHE: the cluster's workers write the audio into that folder, which they all
    see at the same path, instead of sending it back."""
    if scheduler is None:
        with local(jobs) as pool:
            where = f"{jobs} chapter{'s' if jobs > 1 else ''} at once on this machine"
            yield Workers(pool, LocalStudio(engine_factory), where, max(1, jobs))
        return
    from audiobook.pipeline.executors import cluster

    with cluster.connect(scheduler, shared_cache) as workers:
        yield workers
