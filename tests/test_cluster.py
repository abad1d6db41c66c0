"""A catalogue on a real Dask cluster: a scheduler and workers on 127.0.0.1, started with Dask's
own command line, each worker a process group of its own (killed as a machine would die).

The same three books are rendered one by one on this machine (the reference) and as one
catalogue on the cluster, each with a cache of its own so that every chapter is really made;
every file must be the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import run_cli

distributed = pytest.importorskip("distributed", reason="the cluster extra is not installed")
pytestmark = pytest.mark.slow

DASK = Path(sys.executable).with_name("dask")
PARAGRAPH = (
    "The {n} boat came in at dawn, its sails heavy with rain, and nobody on the quay said a word "
    "about the {w} that had kept it out so long. Mara counted the crates twice, as her father had "
    "taught her, then a third time to be sure, and wrote the number in the {w} book."
)
VOICES = '[narrator]\nengine = "espeak"\nvoice = "en-us"\nrate = 220\n'


def _book(folder: Path, name: str, paragraphs: tuple[int, ...]) -> None:
    """A book folder as `catalogue` expects: text/ (with book.toml) and voices.toml."""
    text = folder / name / "text"
    text.mkdir(parents=True)
    chapters = []
    for c, count in enumerate(paragraphs, 1):
        body = "\n\n".join(
            PARAGRAPH.format(n=f"{name} {c}.{p}", w=["storm", "fog", "tide"][p % 3])
            for p in range(count)
        )
        chapters.append(f"# Chapter {c} of {name}\n\n{body}\n")
    (text / "book.md").write_text("\n".join(chapters), encoding="utf-8")
    meta = f'title = "The {name.title()} Book"\nauthor = "A. Writer"\nlanguage = "en"\n'
    (text / "book.toml").write_text(meta, encoding="utf-8")
    (folder / name / "voices.toml").write_text(VOICES, encoding="utf-8")


BOOKS = {"harbour": (4, 2), "lighthouse": (3, 3), "quay": (5,)}


def _catalogue(folder: Path) -> Path:
    for name, paragraphs in BOOKS.items():
        _book(folder, name, paragraphs)
    return folder


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """Each book rendered alone on this machine, from a cache of its own: {book: digests}."""
    folder = _catalogue(tmp_path_factory.mktemp("reference"))
    env = {"AUDIOBOOK_CACHE": str(folder / ".cache")}
    digests = {}
    for name in BOOKS:
        done = run_cli("render", "--jobs", "2", "--quiet", cwd=folder / name, env=env)
        assert done.returncode == 0, done.stderr
        digests[name] = _digests(folder / name / "audio")
    return digests


@dataclass
class Cluster:
    folder: Path
    scheduler: subprocess.Popen[bytes] | None = None
    address: str = ""
    workers: list[tuple[subprocess.Popen[bytes], Path]] = field(default_factory=list)

    def start(self) -> None:
        file = self.folder / "scheduler.json"
        self.scheduler = _group(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(file)],
            self.folder / "scheduler.log",
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not file.exists() or not file.read_text().strip():
            assert time.monotonic() < deadline, (self.folder / "scheduler.log").read_text()
            time.sleep(0.2)
        self.address = json.loads(file.read_text())["address"]

    def add_worker(self, env: dict[str, str] | None = None) -> Path:
        """A `dask worker` (nanny and worker) with a temporary folder of its own."""
        n = len(self.workers) + 1
        # Short: multiprocessing's fork server puts its socket there (108 bytes at most).
        tmp = Path(tempfile.mkdtemp(prefix=f"ab-w{n}-"))
        process = _group(
            [str(DASK), "worker", self.address, "--nthreads", "1", "--nworkers", "1",
             "--no-dashboard", "--name", f"w{n}", "--local-directory", str(tmp)],
            self.folder / f"worker-{n}.log", {"TMPDIR": str(tmp), **(env or {})},
        )  # fmt: skip
        self.workers.append((process, tmp))
        return tmp

    def wait_for_workers(self, count: int) -> None:
        with distributed.Client(self.address, timeout=60) as client:
            client.wait_for_workers(count, timeout=120)

    def busy(self) -> list[int]:
        """The workers that are making a chapter now (its folder is in their temporary one)."""
        return [
            n for n, (_, tmp) in enumerate(self.workers) if any(tmp.glob("audiobook-chapter-*"))
        ]

    def kill(self, n: int) -> None:
        os.killpg(self.workers[n][0].pid, signal.SIGKILL)
        self.workers[n][0].wait()

    def stop(self) -> None:
        for process, tmp in self.workers:
            _stop(process)
            shutil.rmtree(tmp, ignore_errors=True)
        if self.scheduler is not None:
            _stop(self.scheduler)


def _group(
    args: list[str], log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, **(env or {})},
        )  # fmt: skip


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A scheduler and two workers on 127.0.0.1, for this module's tests (the last one kills a
    worker)."""
    running = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        running.start()
        running.add_worker()
        running.add_worker()
        running.wait_for_workers(2)
        yield running
    finally:
        running.stop()


def _catalogue_cli(folder: Path, *args: str, cache: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "audiobook", "catalogue", str(folder), "--json", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "AUDIOBOOK_CACHE": str(cache)},
    )  # fmt: skip


def test_workers_write_into_a_shared_cache_and_the_files_are_the_same(
    cluster: Cluster, reference: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    folder = _catalogue(tmp_path / "books")
    shared = tmp_path / "shared-cache"
    shared.mkdir()
    run = _catalogue_cli(
        folder, "--scheduler", cluster.address, "--shared-cache", str(shared),
        cache=tmp_path / "own-cache",
    )  # fmt: skip
    _, stderr = run.communicate(timeout=300)
    assert run.returncode == 0, stderr
    for name in BOOKS:
        assert _digests(folder / name / "audio") == reference[name], name
    entries = [p for p in (shared / "chapters").glob("*/*") if not p.name.startswith(".")]
    assert len(entries) == sum(len(p) for p in BOOKS.values())
    assert not (tmp_path / "own-cache").exists()  # the client's own cache was not used


def test_ctrl_c_stops_the_clusters_work_and_leaves_nothing_partial(
    cluster: Cluster, tmp_path: Path
) -> None:
    folder = _catalogue(tmp_path / "books")
    run = _catalogue_cli(folder, "--scheduler", cluster.address, cache=tmp_path / "cache")
    deadline = time.monotonic() + 120
    while not cluster.busy():
        assert run.poll() is None and time.monotonic() < deadline, run.communicate()
        time.sleep(0.05)
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 130, stderr
    assert "Traceback" not in stderr
    # The workers' chapters stop at their next utterance, and their folders go.
    deadline = time.monotonic() + 30
    while cluster.busy():
        assert time.monotonic() < deadline, "the workers went on with the interrupted run"
        time.sleep(0.2)
    for name in BOOKS:
        out = folder / name / "audio"
        left = [p.name for p in out.iterdir()] if out.exists() else []
        assert not [n for n in left if n.startswith(".")], left  # no temporary file
        assert "manifest.json" not in left  # an interrupted book is not a finished one


def test_a_worker_without_ffmpeg_is_named_and_nothing_is_rendered(tmp_path: Path) -> None:
    running = Cluster(tmp_path / "cluster")
    running.folder.mkdir()
    try:
        running.start()
        running.add_worker()
        running.add_worker({"AUDIOBOOK_FFMPEG": str(tmp_path / "no-ffmpeg-here")})
        running.wait_for_workers(2)
        folder = _catalogue(tmp_path / "books")
        run = _catalogue_cli(folder, "--scheduler", running.address, cache=tmp_path / "cache")
        _, stderr = run.communicate(timeout=120)
    finally:
        running.stop()
    assert run.returncode == 2, stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.startswith("audiobook:")]
    assert len(lines) == 1 and lines[0].startswith("audiobook: error: 1 of 2 workers"), stderr
    assert "no-ffmpeg-here" in lines[0] and "tcp://127.0.0.1:" in lines[0]
    assert not any((folder / name / "audio" / "manifest.json").exists() for name in BOOKS)


def test_a_local_cluster_renders_a_book_as_this_machine_does(
    reference: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    folder = _catalogue(tmp_path / "books")
    env = {"AUDIOBOOK_CACHE": str(tmp_path / "cache")}
    done = run_cli("render", "--scheduler", "local:2", cwd=folder / "harbour", env=env)
    assert done.returncode == 0, done.stderr
    assert _digests(folder / "harbour" / "audio") == reference["harbour"]
    # A chapter starts on the worker that took it: its event came through Dask's event topic.
    for chapter in (1, 2):
        assert f"chapter {chapter}: Chapter {chapter} of harbour (" in done.stderr, done.stderr


def test_a_catalogue_on_two_workers_is_the_bytes_of_local_renders_even_when_one_is_killed(
    cluster: Cluster, reference: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    """Last in this module: it kills one of the module's two workers."""
    folder = _catalogue(tmp_path / "books")
    run = _catalogue_cli(folder, "--scheduler", cluster.address, cache=tmp_path / "cache")
    deadline = time.monotonic() + 120
    while not cluster.busy():  # a worker is in the middle of a chapter: kill it, as a machine dies
        assert run.poll() is None and time.monotonic() < deadline, run.communicate()
        time.sleep(0.05)
    killed = cluster.busy()[0]
    cluster.kill(killed)
    stdout, stderr = run.communicate(timeout=300)
    assert run.returncode == 0, stderr
    assert "Traceback" not in stderr
    doc = json.loads(stdout)
    assert doc["ok"] and [b["name"] for b in doc["books"]] == sorted(BOOKS)
    for name in BOOKS:
        assert _digests(folder / name / "audio") == reference[name], name
    # The dead worker's half-made chapter was in its own temporary folder, which died with it;
    # the survivor made everything else and left nothing behind.
    survivor = 1 - killed
    assert not list(cluster.workers[survivor][1].glob("audiobook-chapter-*"))
