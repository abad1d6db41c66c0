"""The catalogue on this machine: finding the books, one bad book among good ones, the options;
and the cluster studio's own logic around its client (the real cluster: tests/test_cluster.py)."""

from __future__ import annotations

import errno
import json
import os
import pickle
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from audiobook.core.cache import Cache, CacheUnwritable
from audiobook.core.errors import InputError
from audiobook.pipeline.catalogue import find_books
from audiobook.pipeline.chapter_audio import ENTRY_FILES, AudioRequest
from audiobook.pipeline.events import (
    BookPlanned,
    ChapterDone,
    ChapterMastering,
    ChapterResult,
    ChapterStarted,
    ChapterStep,
    ChapterWarning,
    ProgressEvent,
)
from tests.conftest import run_cli, write_book


def _books(root: Path, *names: str) -> Path:
    for name in names:
        write_book(root / name)
    return root


def test_a_folder_of_book_folders_is_a_catalogue_in_name_order(tmp_path: Path) -> None:
    root = _books(tmp_path, "b-second", "a-first")
    (root / "notes").mkdir()  # not a book: no text/, no voices.toml
    flat = root / "c-flat"  # the manuscript beside voices.toml
    flat.mkdir()
    (flat / "book.md").write_text("# One\n\nA few words.\n", encoding="utf-8")
    (flat / "voices.toml").write_text("", encoding="utf-8")
    found = find_books(root)
    assert [e.name for e in found] == ["a-first", "b-second", "c-flat"]
    assert found[0].source == root / "a-first" / "text"
    assert found[0].out == root / "a-first" / "audio"
    assert found[2].source == flat and found[2].voices == flat / "voices.toml"


def test_a_catalogue_file_lists_books_relative_to_itself(tmp_path: Path) -> None:
    _books(tmp_path / "shelf", "alice")
    listing = tmp_path / "list.toml"
    listing.write_text(
        '[[book]]\nfolder = "shelf/alice"\n\n'
        '[[book]]\nsource = "shelf/alice/text/book.md"\nvoices = "shelf/alice/voices.toml"\n'
        'out = "rendered/again"\nname = "alice-again"\n',
        encoding="utf-8",
    )
    found = find_books(listing)
    assert [e.name for e in found] == ["alice", "alice-again"]
    assert found[1].out == tmp_path / "rendered" / "again"
    assert found[1].source == tmp_path / "shelf" / "alice" / "text" / "book.md"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[[book]]\nfolder = 'a'\nsource = 'b'\n", "either folder, or source"),
        ("[[book]]\nfolder = 'a'\ncolour = 'red'\n", "book.0.colour"),
        ("book = [\n", "not valid TOML"),
        ("[[book]]\nsource = 'a.md'\n", "says no out folder"),
        ("[[book]]\nfolder = 'a'\n[[book]]\nfolder = 'a'\n", "would both be written to"),
    ],
)
def test_a_bad_catalogue_file_says_what_is_wrong(tmp_path: Path, text: str, says: str) -> None:
    listing = tmp_path / "catalogue.toml"
    listing.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=says) as raised:
        find_books(tmp_path)  # a folder holding catalogue.toml: that file
    assert str(listing) in str(raised.value)


@pytest.mark.slow
def test_a_folder_without_books_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    done = run_cli("catalogue", str(tmp_path / "empty"), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"audiobook: error: {tmp_path / 'empty'}: no books here; give a folder of book folders "
        "(each with text/ or voices.toml), or a catalogue.toml that lists them"
    ]


@pytest.mark.slow
def test_a_bad_book_is_named_and_the_others_are_complete(tmp_path: Path) -> None:
    root = _books(tmp_path / "shelf", "good", "bad")
    (root / "bad" / "voices.toml").write_text("[narrator]\nrate = 9000\n", encoding="utf-8")
    done = run_cli("catalogue", str(root), "--jobs", "2", "--json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    books = {b["name"]: b for b in doc["books"]}
    assert not doc["ok"] and books["good"]["ok"] and not books["bad"]["ok"]
    assert "rate" in books["bad"]["error"] and books["bad"]["render"] is None
    assert [c["file"] for c in books["good"]["render"]["chapters"]] == [
        "01-the-harbour.mp3", "02-the-storm.mp3", "03-the-return.mp3",
    ]  # fmt: skip
    failed = [line for line in done.stderr.splitlines() if line.startswith("audiobook: ")]
    assert len(failed) == 1 and failed[0].startswith("audiobook: bad: failed: ")
    # The good book is what `render` writes, and `check` proves it.
    checked = run_cli("check", str(root / "good" / "audio"), "--quick", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--jobs", "2", "--scheduler", "local:2"], "--jobs is for this machine"),
        (["--shared-cache", "."], "--shared-cache is for a cluster"),
        (["--scheduler", "nowhere"], "--scheduler 'nowhere' is not an address"),
        (["--scheduler", "local:0"], "a local cluster needs at least one worker"),
    ],
)
def test_cluster_options_that_cannot_work_are_bad_input(
    tmp_path: Path, args: list[str], says: str
) -> None:
    write_book(tmp_path)
    done = run_cli("render", *args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert says in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "audio").exists() or not list((tmp_path / "audio").iterdir())


@pytest.mark.slow
def test_a_scheduler_that_does_not_answer_is_bad_input(tmp_path: Path) -> None:
    write_book(tmp_path)
    quick = {"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}  # Dask's own: 30 s by default
    done = run_cli("render", "--scheduler", "tcp://127.0.0.1:9", cwd=tmp_path, env=quick)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith(
        "audiobook: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9"
    )


# The cluster studio around its client: a client that hands back what a worker made.


class _Reply:
    def __init__(self, reply: dict[str, Any]) -> None:
        self.future: Future[dict[str, Any]] = Future()
        self.future.set_result(reply)
        self.submitted: list[tuple[Any, ...]] = []

    def submit(self, *args: Any, **kwargs: Any) -> Future[dict[str, Any]]:
        self.submitted.append(args)
        return self.future

    def subscribe_topic(self, topic: str, handler: Any) -> None:
        pass


def _studio(reply: dict[str, Any]) -> Any:
    cluster = pytest.importorskip("audiobook.pipeline.executors.cluster")
    pytest.importorskip("distributed")
    studio = cluster.ClusterStudio.__new__(cluster.ClusterStudio)
    studio.client, studio.shared, studio.run = _Reply(reply), False, "test"
    studio._distributed = __import__("distributed")
    studio._waiting, studio._lock = {}, __import__("threading").Lock()
    return studio


REQUEST = AudioRequest("ab" * 32, (), {}, "acx", {}, 1, "One", 10)


def test_audio_sent_back_lands_in_the_cache_whole(tmp_path: Path) -> None:
    files = {name: name.encode() * 3 for name in ENTRY_FILES}
    cache = Cache(tmp_path / "cache")
    studio = _studio({"worker": "tcp://w", "retries": 2, "files": files})
    assert studio.make(REQUEST, cache, None, lambda: False) == 2
    entry = cache.get(REQUEST.key, verify=ENTRY_FILES)
    assert entry is not None
    assert {p.name: p.read_bytes() for p in entry.iterdir() if p.name in files} == files


def test_a_full_cache_disk_under_audio_sent_back_is_the_caches_fault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chapter job then runs again outside the cache (chapter_job.run_chapter)."""
    cache = Cache(tmp_path / "cache")
    studio = _studio({"worker": "tcp://w", "retries": 0, "files": {"chapter.mp3": b"x"}})
    real = Path.write_bytes

    def full(self: Path, data: bytes) -> int:
        if str(self).startswith(str(cache.root)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(CacheUnwritable, match="no space left"):
        studio.make(REQUEST, cache, None, lambda: False)
    assert cache.get(REQUEST.key) is None


def test_a_workers_progress_reaches_its_chapter_as_the_worker_sent_it() -> None:
    """Dask's event topics carry msgpack's types only: a worker sends each event pickled
    (make_on_worker), and the client hands it to the progress of the chapter it is about."""
    studio = _studio({})
    seen: list[ProgressEvent] = []
    studio._waiting[REQUEST.key] = seen.append
    events = [
        ChapterStarted(1, "One", 4), ChapterStep(1, "One", 2), ChapterMastering(1, "One"),
        ChapterWarning(1, "One", "a damaged cache entry: making it again"),
    ]  # fmt: skip
    for event in events:  # as msgpack gives them back: a list, the event's pickle as bytes
        studio._on_progress((time.time(), [REQUEST.key, pickle.dumps(event)]))
    studio._on_progress((time.time(), ["another chapter", pickle.dumps(events[0])]))
    assert seen == events
    done = ChapterDone(1, "One", ChapterResult(1, "One", "01-one.mp3", 10, error="failed"))
    assert pickle.loads(pickle.dumps(done)) == done


def test_a_shared_cache_the_client_does_not_see_is_said(tmp_path: Path) -> None:
    studio = _studio({"worker": "tcp://w", "retries": 0})
    studio.shared = True
    with pytest.raises(Exception, match="--shared-cache must be one folder"):
        studio.make(REQUEST, Cache(tmp_path / "cache"), None, lambda: False)


def test_a_killed_workers_chapter_folders_go_once_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster = pytest.importorskip("audiobook.pipeline.executors.cluster")
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    stale, fresh = tmp_path / "audiobook-chapter-old", tmp_path / "audiobook-chapter-new"
    for folder in (stale, fresh):
        folder.mkdir()
        (folder / "chapter.raw").write_bytes(b"half")
    hour_ago = time.time() - 3700
    os.utime(stale, (hour_ago, hour_ago))
    cluster._remove_stale_folders()
    assert not stale.exists() and fresh.exists()


def test_a_catalogue_shows_a_bar_per_book_and_one_for_the_catalogue() -> None:
    from io import StringIO

    from rich.console import Console

    from audiobook.cli.progress import RenderProgress

    console = Console(file=StringIO(), force_terminal=True, width=100)
    with RenderProgress(console, catalogue=True, books=3) as progress:
        alice, ghost = progress.for_book("alice"), progress.for_book("ghost")
        alice(BookPlanned("Alice", 300))
        ghost(BookPlanned("The Ghost", 100))
        alice(ChapterStarted(1, "Down the Rabbit-Hole", 12))
        alice(ChapterStep(1, "Down the Rabbit-Hole", 6))
        down = ChapterResult(1, "Down the Rabbit-Hole", "01.mp3", 200)
        alice(ChapterDone(1, "Down the Rabbit-Hole", down))
        ghost(ChapterDone(1, "One", ChapterResult(1, "One", "01.mp3", 100)))
        tasks = {t.description: (t.completed, t.total) for t in progress.bar.tasks}
    # No bar per chapter: a catalogue's books are what there is to watch, and a book's bar goes
    # when it is done. The third book not planned yet, the total counts one more of the average.
    assert tasks == {"[bold]catalogue: 1 of 3 books": (300, 600), "[bold]alice": (200, 300)}


def test_plain_progress_names_the_book(capsys: pytest.CaptureFixture[str]) -> None:
    from rich.console import Console

    from audiobook.cli.progress import RenderProgress

    console = Console(stderr=True, force_terminal=False)
    pool = "The Pool of Tears"
    with RenderProgress(console, catalogue=True) as progress:
        alice = progress.for_book("alice")
        alice(ChapterStarted(2, pool, 9))
        alice(ChapterStep(2, pool, 1))  # only the bars show steps
        alice(ChapterDone(2, pool, ChapterResult(2, pool, "02.mp3", 9, 61_000)))
        alice(ChapterStarted(3, "Caucus-Race", 0))
        alice(ChapterDone(3, "Caucus-Race", ChapterResult(3, "Caucus-Race", "", 5, error="gone")))
    assert capsys.readouterr().err.splitlines() == [
        "alice: chapter 2: The Pool of Tears (9 utterances)",
        "alice: chapter 2 done: 1:01 of audio",
        "alice: chapter 3: Caucus-Race (from the cache)",
        "alice: chapter 3 failed: gone",
    ]


def test_a_chapter_started_again_by_another_worker_keeps_one_bar() -> None:
    from io import StringIO

    from rich.console import Console

    from audiobook.cli.progress import RenderProgress

    console = Console(file=StringIO(), force_terminal=True, width=100)
    with RenderProgress(console) as progress:
        progress.event(BookPlanned("Alice", 300))
        progress.event(ChapterStarted(1, "Down the Rabbit-Hole", 12))
        progress.event(ChapterStep(1, "Down the Rabbit-Hole", 6))
        progress.event(ChapterStarted(1, "Down the Rabbit-Hole", 12))  # its first worker died
        chapters = [(t.completed, t.total) for t in progress.bar.tasks if "Rabbit" in t.description]
    assert chapters == [(0, 12)]


def test_a_large_catalogue_is_planned_as_the_queue_needs_and_finished_along(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Books are planned a window at a time (here: the chapters of about three books for one
    slot), each is finished and its folder let go as its last chapter is done, and all of them
    are complete."""
    from audiobook.core.files import exclusive
    from audiobook.pipeline import catalogue, executors, render
    from audiobook.pipeline.chapter_audio import LocalStudio
    from tests.test_pipeline import Speaks

    monkeypatch.setattr(render, "LOOKAHEAD_PER_SLOT", 8)
    monkeypatch.setattr(render, "LOOKAHEAD_MIN", 1)
    names = [f"book-{n}" for n in range(6)]
    entries = find_books(_books(tmp_path, *names))
    timeline: list[tuple[str, str]] = []
    planned = render.plan_book

    def plan_book(source: Path, *args: Any, **kwargs: Any) -> Any:
        timeline.append(("planned", source.parent.name))
        return planned(source, *args, **kwargs)

    def finished(outcome: Any) -> None:
        timeline.append(("finished", outcome.entry.name))
        with exclusive(outcome.entry.out):  # let go: another render may have it now
            pass

    monkeypatch.setattr(catalogue, "plan_book", plan_book)
    with executors.local(1) as pool:
        outcomes = catalogue.render_catalogue(
            entries, pool, LocalStudio(Speaks), Cache(tmp_path / "cache"), finished=finished,
            engine_factory=Speaks, slots=1,
        )  # fmt: skip
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert [name for kind, name in timeline if kind == "planned"] == names
    first_done = timeline.index(("finished", "book-0"))
    assert first_done < timeline.index(("planned", "book-5"))  # finished along, not at the end
    assert timeline.index(("planned", "book-3")) > 0 and timeline[:3] == [
        ("planned", "book-0"), ("planned", "book-1"), ("planned", "book-2"),
    ]  # fmt: skip
    for outcome in outcomes:
        assert json.loads((outcome.entry.out / "manifest.json").read_text())["chapters"]


def test_a_book_whose_tools_the_workers_lack_stops_the_run_there_and_keeps_the_books_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Books planned as the queue needs them: a book with other tools (another engine) is
    checked when it is opened; the workers' refusal stops the run (a set-up error), and the book
    finished before it is complete."""
    from dataclasses import replace

    from audiobook.core.errors import SetupError
    from audiobook.pipeline import executors, render
    from audiobook.pipeline.chapter_audio import LocalStudio
    from tests.test_pipeline import Speaks

    monkeypatch.setattr(render, "LOOKAHEAD_PER_SLOT", 1)
    monkeypatch.setattr(render, "LOOKAHEAD_MIN", 1)
    first, second = (
        render.plan_book(
            write_book(folder), folder / "audio", folder / "voices.toml", engine_factory=Speaks
        )
        for folder in (tmp_path / "espeak-book", tmp_path / "piper-book")
    )
    second = replace(second, tools={**second.tools, "engine": "another engine"})

    class Workers(LocalStudio):
        def __init__(self) -> None:
            super().__init__(Speaks)
            self.checked: list[dict[str, str]] = []

        def check(self, tools: Any) -> None:
            self.checked += list(tools)
            if any(t.get("engine") == "another engine" for t in tools):
                raise SetupError("1 of 1 workers cannot make this audio: no such engine")

    studio = Workers()
    with executors.local(1) as pool, pytest.raises(SetupError, match="no such engine"):
        render.render_books(iter([first, second]), pool, studio, Cache(tmp_path / "c"), slots=1)
    assert studio.checked == [first.tools, second.tools]
    assert (first.out_dir / "manifest.json").exists()  # finished before the second was opened
    assert not second.out_dir.exists() or not (second.out_dir / "manifest.json").exists()
