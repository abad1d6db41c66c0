"""A worker killed with an utterance under way, however fast or loaded the machine is.

A timer (kill it 50 ms or half a second in) races the worker: on a fast machine the utterance
may be done first, on a loaded one the worker may not have started. Here the worker is stopped
(SIGSTOP) right after the utterance is handed to it, and killed only if it has not answered yet;
had it answered already (this process was not scheduled for the whole utterance), it is let go
on and the next utterance is the one.
"""

from __future__ import annotations

import os
import signal
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from audiobook.engines.worker import WorkerEngine


class WorkerKiller:
    """Kills ENGINE's worker once, with its NTH utterance (counted from now) under way: the
    request sent and not answered. `killed` says whether it has happened."""

    def __init__(self, engine: WorkerEngine, nth: int = 1) -> None:
        self.engine = engine
        self.nth = nth
        self.sent = 0
        self.killed = False
        self._start = engine._start
        engine._start = self._start_watched  # type: ignore[method-assign]
        if engine._conn is not None:  # a worker already running: its next utterances count too
            engine._conn = _Watched(engine._conn, self)  # type: ignore[assignment]

    def _start_watched(self) -> None:
        self._start()
        self.engine._conn = _Watched(self.engine._conn, self)  # type: ignore[arg-type, assignment]

    def sent_request(self, request: tuple[Any, ...], conn: Connection) -> None:
        if self.killed or request[0] != "synth":
            return
        self.sent += 1
        if self.sent < self.nth:
            return
        pid = self.engine._process.pid
        os.kill(pid, signal.SIGSTOP)
        _wait_stopped(pid)
        if conn.poll(0):  # it had answered already: let it go on, and take the next one
            os.kill(pid, signal.SIGCONT)
            return
        os.kill(pid, signal.SIGKILL)
        self.killed = True


class _Watched:
    """The engine's end of the pipe to its worker, telling the killer what is sent on it."""

    def __init__(self, conn: Connection, killer: WorkerKiller) -> None:
        self._conn = conn
        self._killer = killer

    def send(self, request: tuple[Any, ...]) -> None:
        self._conn.send(request)
        self._killer.sent_request(request, self._conn)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _wait_stopped(pid: int) -> None:
    """Until the kernel has stopped PID (SIGSTOP is delivered asynchronously): from then on it
    can write nothing more to the pipe. Linux's /proc; a process that ended is as good."""
    stat = Path(f"/proc/{pid}/stat")
    while True:
        try:
            state = stat.read_text().rpartition(")")[2].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return
        if state in ("T", "t", "Z", "X"):
            return
        time.sleep(0.001)
