"""Where chapter jobs run: the seam between the render and the machines it runs on.

A render is handed a concurrent.futures.Executor and only submits chapter jobs to it and waits
for their results (render.py); it neither creates nor shuts one down. Today that is a local pool
of threads: the work itself happens in engine and ffmpeg processes, so threads keep every core
busy. A distributed executor (a cluster) is a sibling here, made by its own name.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor


def local(jobs: int) -> Executor:
    """JOBS chapters at once on this machine."""
    return ThreadPoolExecutor(max_workers=max(1, jobs))


EXECUTORS: dict[str, Callable[[int], Executor]] = {"local": local}
