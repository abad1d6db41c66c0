"""Chapter audio made on a Dask cluster: the sibling of the local pool (the `cluster` extra).

The chapter jobs keep running here, in threads, where the output folder and the cache are; each
job hands its AudioRequest (the steps to say, the voices, the profile, the tool versions: a few
kilobytes, never the book or its cover) to the cluster, and waits. A worker speaks, masters and
encodes it exactly as this machine would (chapter_audio.make_entry_files), so the files are the
same bytes, and then either

- sends the entry's files back (the default): nothing needs sharing but the scheduler's port,
  and the client's disk holds the cache; or
- writes the entry into a cache folder that every worker and the client see at the same path
  (`--shared-cache`: NFS, a mounted bucket), and sends back only what it measured.

Workers are checked before the first chapter: each must have the same versions of audiobook,
the engines and ffmpeg as this machine (else its bytes would differ under the same key), and a
worker that lacks one is named. A worker that dies mid-chapter costs that chapter a retry on
another (Dask reschedules it; the dead worker's half-made files were in its own temporary
folder, or in the shared cache's, which `remove_stale_work` clears). Ctrl-C sets an Event the
workers' chapters read between utterances, so the cluster stops this run's work too.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import pickle
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from audiobook import engines
from audiobook.core.cache import Cache
from audiobook.core.errors import InputError, SetupError, ToolError
from audiobook.pipeline.chapter_audio import (
    ENTRY_FILES,
    AudioRequest,
    Interrupted,
    LocalStudio,
    make_entry_files,
)
from audiobook.pipeline.chapter_job import tool_versions
from audiobook.pipeline.events import ChapterStep, Progress, ProgressEvent

INSTALL = "pip install 'audiobook[cluster]' (Dask distributed)"
# The audio comes straight from the worker that made it (direct_to_workers): by default a client
# gathers through the scheduler, which would then carry every chapter of the catalogue twice.
POLL_S = 0.5  # how often a waiting chapter looks whether the render is being interrupted
STOP_CHECK_S = 1.0  # how often a worker's chapter asks whether the run was stopped
STEP_EVERY_S = 0.5  # a worker's chapter sends its progress at most this often
# Dask's statistical profiler samples every worker thread's stack every 10 ms: measured on alice.txt
# on two local workers, 18 s of CPU time in 160 (wall 98 s -> 88 s). Off for local:N; for
# `dask worker`, DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False (docs/CLUSTER.md). Its
# monitors (the event loop's every 20 ms, resources every 0.5 s, memory every 0.1 s) are for a
# dashboard and for tasks of milliseconds; a chapter takes minutes: a few each second cost 2%
# of the CPU time of alice.txt on local:2 (72.1 s against 74.1 s, median of 3 pairs).
QUIET_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "2s",
}
JOB_PREFIX = "audiobook-chapter-"  # a worker's temporary folders: a killed one's are removed


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise SetupError("--scheduler needs Dask, which is not installed", hint=INSTALL) from None
    return distributed


@contextlib.contextmanager
def connect(scheduler: str, shared_cache: Path | None = None) -> Iterator[Any]:
    """The Workers (executors.Workers) of the cluster at SCHEDULER: a scheduler's address
    (tcp://host:8786), or local:N for N worker processes on this machine."""
    from audiobook.pipeline.executors import Workers

    distributed = _distributed()
    with _client(distributed, scheduler) as client:
        nthreads = client.nthreads()  # {worker: threads}, every worker
        threads = sum(nthreads.values())
        studio = ClusterStudio(client, shared_cache)
        # Each chapter job's thread here waits while a worker makes its audio: a few more of
        # them than the cluster has threads keep its queue full (and workers that join later
        # busy) while finished chapters are being tagged here.
        slots = max(16, 4 * threads)
        pool = ThreadPoolExecutor(max_workers=slots)
        try:
            where = f"the cluster at {scheduler}: {len(nthreads)} workers, {threads} threads"
            yield Workers(pool, studio, where, slots)
        except BaseException:
            studio.stop()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            studio.close()


@contextlib.contextmanager
def _client(distributed: Any, scheduler: str) -> Iterator[Any]:
    local = re.fullmatch(r"local:(\d+)", scheduler)
    if local:
        count = int(local[1])
        if count < 1:
            raise InputError(f"--scheduler {scheduler}: a local cluster needs at least one worker")
        with (
            _local_cluster(distributed, count) as cluster,
            distributed.Client(cluster, direct_to_workers=True) as client,
        ):
            yield client
        return
    import dask

    if "://" not in scheduler and ":" not in scheduler:
        raise InputError(
            f"--scheduler {scheduler!r} is not an address",
            hint="give tcp://HOST:PORT (from `dask scheduler`), or local:N",
        )
    # How long to try to reach it, and then to wait for a worker: Dask's own setting
    # (distributed.comm.timeouts.connect, 30 s unless DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT).
    timeout = dask.utils.parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"))
    try:
        client = distributed.Client(
            scheduler, timeout=timeout, set_as_default=False, direct_to_workers=True
        )
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(
            f"cannot reach the Dask scheduler at {scheduler} ({exc})",
            hint="start one with `dask scheduler` and workers with `dask worker ADDRESS`, "
            "or check the address",
        ) from None
    with client:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise InputError(
                f"the Dask scheduler at {scheduler} has no workers",
                hint=f"start one with `dask worker {scheduler}`",
            ) from None
        yield client


@contextlib.contextmanager
def _local_cluster(distributed: Any, count: int) -> Iterator[Any]:
    """COUNT worker processes on this machine, a thread each (a chapter's engine and ffmpeg are
    processes of their own); their logs kept quiet but for errors, and without Dask's sampling
    profiler (see QUIET_WORKERS)."""
    import dask

    with (
        dask.config.set(QUIET_WORKERS),
        distributed.LocalCluster(
            n_workers=count, threads_per_worker=1, processes=True, dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
    ):  # fmt: skip
        yield cluster


class ClusterStudio:
    """Requests made by the cluster's workers (see the module's docstring)."""

    def __init__(self, client: Any, shared_cache: Path | None = None) -> None:
        self.client = client
        self.shared = shared_cache is not None
        self.run = uuid.uuid4().hex[:16]  # this run's tasks, stop event and progress topic
        self._distributed = _distributed()
        self._stop = self._distributed.Event(f"audiobook-stop-{self.run}", client=client)
        self._waiting: dict[str, Progress] = {}  # a chapter's progress, by its request's key
        self._lock = threading.Lock()
        self._topic = f"audiobook-progress-{self.run}"
        client.subscribe_topic(self._topic, self._on_progress)

    def check(self, tools: Sequence[dict[str, str]]) -> None:
        """Every worker has these versions (and ffmpeg, and the engines): else SetupError
        naming the workers that do not."""
        wanted = [dict(t) for t in tools]
        said = self.client.run(_worker_problem, wanted)
        problems = [f"{address}: {problem}" for address, problem in said.items() if problem]
        if problems:
            raise SetupError(
                f"{len(problems)} of {len(said)} workers cannot make this audio: "
                + "; ".join(sorted(problems)),
                hint="install the same audiobook (with the same extras) and ffmpeg on every "
                "worker, or stop those workers",
            )

    def make(
        self, request: AudioRequest, cache: Cache, progress: Progress | None,
        stopping: Callable[[], bool],
    ) -> int:  # fmt: skip
        shared_root = str(cache.root) if self.shared else None
        if progress:
            with self._lock:
                self._waiting[request.key] = progress
        future = self.client.submit(
            make_on_worker, request, shared_root, self.run,
            key=f"{JOB_PREFIX}{request.key[:16]}-{self.run}", priority=request.words, pure=False,
        )  # fmt: skip
        try:
            reply = self._wait(future, stopping)
        finally:
            with self._lock:
                self._waiting.pop(request.key, None)
        if "files" in reply:
            with cache.put(request.key) as work:
                for name, data in reply["files"].items():
                    (work / name).write_bytes(data)
        elif cache.get(request.key) is None:
            raise ToolError(
                f"worker {reply['worker']} made the chapter in {shared_root}, which does not "
                "hold it here",
                hint="--shared-cache must be one folder that every worker and this machine see "
                "at the same path (NFS, a mounted bucket); or leave it out",
            )
        return int(reply["retries"])

    def _wait(self, future: Any, stopping: Callable[[], bool]) -> dict[str, Any]:
        # Waited for here, not by future.result(timeout=...) in a loop: that one races with its
        # own timeout in distributed.utils.sync (an UnboundLocalError, seen once in a
        # three-book catalogue); a done callback and a local Event cannot.
        done = threading.Event()
        future.add_done_callback(lambda _: done.set())
        while not done.wait(POLL_S):
            if stopping():
                self.stop()
                future.cancel()
                raise Interrupted
        try:
            return future.result()
        except self._distributed.client.FutureCancelledError:
            if stopping():
                raise Interrupted from None
            raise ToolError(
                "the cluster dropped the chapter (its scheduler restarted, or lost us)",
                hint="run again: the chapters already made come from the cache",
            ) from None
        except self._distributed.KilledWorker as exc:
            # Dask's retries are spent: every worker that took it died (out of memory?).
            raise ToolError(
                f"every worker that took the chapter died ({exc})",
                hint="look at the workers' logs (out of memory? killed?), then run again",
            ) from None

    def _on_progress(self, event: tuple[float, Any]) -> None:
        """A worker's progress event (make_on_worker), to its chapter's progress. Unpickled as
        Dask unpickles the workers' results: the cluster is this run's own."""
        key, pickled = event[1]
        with self._lock:
            progress = self._waiting.get(key)
        if progress:
            progress(pickle.loads(pickled))

    def stop(self) -> None:
        """The run is interrupted: the workers' chapters of it stop at their next utterance."""
        with contextlib.suppress(Exception):  # the cluster may be gone already
            self._stop.set()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.unsubscribe_topic(self._topic)


# On the workers -----------------------------------------------------------------------------


def make_on_worker(request: AudioRequest, shared_root: str | None, run: str) -> dict[str, Any]:
    """REQUEST's audio made on this worker: into the shared cache at SHARED_ROOT, or into a
    temporary folder whose files go back to the client."""
    distributed = _distributed()
    worker = distributed.get_worker()
    problem = _worker_problem([request.tools])
    if problem:
        raise SetupError(f"worker {worker.address}: {problem}")
    _remove_stale_folders()
    stopping = _StopFlag(distributed.Event(f"audiobook-stop-{run}"))
    topic = f"audiobook-progress-{run}"

    sent = [0.0]

    def progress(event: ProgressEvent) -> None:
        # Every utterance is a message through the scheduler: a few a second say as much. Dask's
        # events carry msgpack's types only: the event goes pickled.
        now = time.monotonic()
        if not isinstance(event, ChapterStep) or now - sent[0] >= STEP_EVERY_S:
            sent[0] = now
            worker.log_event(topic, (request.key, pickle.dumps(event)))

    if shared_root is not None:
        cache = Cache(Path(shared_root))
        retries = 0
        if cache.get(request.key) is None:  # not made already (by a worker that died after)
            retries = LocalStudio().make(request, cache, progress, stopping)
        if cache.problem:  # written aside, where the client cannot read it
            raise ToolError(f"worker {worker.address}: {cache.problem}")
        return {"worker": worker.address, "retries": retries}
    with tempfile.TemporaryDirectory(prefix=JOB_PREFIX) as work:
        folder = Path(work)
        retries = make_entry_files(request, folder, engines.create, progress, stopping)
        files = {name: (folder / name).read_bytes() for name in ENTRY_FILES}
    return {"worker": worker.address, "retries": retries, "files": files}


class _StopFlag:
    """Whether the client stopped the run: its Event, asked at most once a STOP_CHECK_S."""

    def __init__(self, event: Any) -> None:
        self.event = event
        self.asked = 0.0
        self.stopped = False

    def __call__(self) -> bool:
        now = time.monotonic()
        if not self.stopped and now - self.asked >= STOP_CHECK_S:
            self.asked = now
            with contextlib.suppress(Exception):  # the scheduler is busy: ask next time
                self.stopped = bool(self.event.is_set())
        return self.stopped


def _worker_problem(tools: Sequence[dict[str, str]]) -> str | None:
    """Why this worker cannot make audio for TOOLS (missing ffmpeg, an engine, other versions),
    or None."""
    import multiprocessing

    # Dask's nanny starts workers as daemonic processes, which multiprocessing forbids to have
    # children; a chapter's engine runs in children of its own, which the chapter closes itself
    # (WorkerEngine.close) and which end when their pipe to this process does.
    multiprocessing.current_process().daemon = False
    try:
        here = _tool_versions()
    except (SetupError, ToolError) as exc:
        return str(exc)
    for wanted in tools:
        for name, version in wanted.items():
            if here.get(name) != version:
                return f"{name} is {here.get(name)!r} there, {version!r} here"
    return None


@functools.lru_cache(maxsize=1)
def _tool_versions() -> dict[str, str]:
    engine = engines.create()
    try:
        return tool_versions(engine.identity())
    finally:
        engine.close()


def _remove_stale_folders(older_than_s: float = 3600) -> None:
    """Temporary folders of chapters whose worker was killed: best effort."""
    limit = time.time() - older_than_s
    for folder in Path(tempfile.gettempdir()).glob(f"{JOB_PREFIX}*"):
        with contextlib.suppress(OSError):
            if folder.stat().st_mtime < limit and os.access(folder, os.W_OK):
                shutil.rmtree(folder, ignore_errors=True)
