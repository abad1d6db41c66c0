"""Every place the program writes or runs something, and the fault test that covers it.

The source is scanned (ast) for the calls that write a file or a folder, remove one, or run a
process: open() in a write mode, Path.write_text/write_bytes/open("w")/mkdir/rename/unlink,
os.replace/rename/link/utime/write/sendfile, shutil.copy*/move/rmtree, atomic_write, tempfile.*,
zipfile, wave and image saves, mutagen's save, subprocess, ffmpeg.run/run_logged/Reader, and
worker processes. Each function that makes such a call (module:qualname) is a *site*, and SITES
maps it to the tests that inject a fault there: a new site without an entry fails, and so does
an entry whose test does not exist.

Most sites are covered by test_a_fault_at_the_site below: for each, the file-system call the site
makes (or the ffmpeg it runs, or the worker it starts) fails while the real command runs in this
process (the CLI, with FakeEngine where the engine is not the point), and the test holds it to
what a fault must give: one line per failure and no traceback, the contract's exit code, nothing
under a final name that is incomplete or other than the manifest says, and a run after the fault
is gone that completes and equals an undisturbed one. The faults are injected where the site
makes them: the call is failed when the nearest frame of audiobook's own code is the site's.
tests/test_faults.py injects the same faults for real (a full tmpfs, a read-only remount, a
folder removed, ffmpeg killed or missing, an engine library missing) with the real engine.
"""

from __future__ import annotations

import ast
import builtins
import errno
import gc
import hashlib
import io
import json
import multiprocessing.process
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from audiobook import cli, engines
from audiobook.core.errors import InputError
from audiobook.mastering import ffmpeg
from audiobook.pipeline import render

from .conftest import write_book
from .test_pipeline import FakeEngine

pytestmark = pytest.mark.slow

SRC = Path(__file__).resolve().parent.parent / "src" / "audiobook"
TESTS = Path(__file__).resolve().parent
HERE = "tests/test_write_sites.py::test_a_fault_at_the_site"
SESSION_CACHE = os.environ["AUDIOBOOK_CACHE"]  # conftest's, which the session's renders fill
FAULTS = "tests/test_faults.py"
PDF = "tests/readers/test_pdf.py"
PUBLISH = "tests/test_publish.py"
CLUSTER = "tests/test_cluster.py"
WRITE_TARGET = "audiobook.cli.check:_write_target"  # check's --junit, --report, --save-expect

# --- the inventory --------------------------------------------------------------------------

WRITE_MODE = set("wax+")
PATH_CALLS = {"write_text", "write_bytes", "mkdir", "rename", "unlink", "rmdir", "touch",
              "symlink_to", "hardlink_to", "chmod"}  # fmt: skip
OS_CALLS = {"replace", "rename", "link", "symlink", "mkdir", "makedirs", "utime", "unlink",
            "remove", "rmdir", "write", "sendfile", "truncate", "ftruncate", "chmod", "system",
            "fork", "execv", "execvp", "spawnv"}  # fmt: skip
MODULES = {"io", "wave", "zipfile", "gzip", "bz2", "lzma", "codecs", "tarfile"}  # X.open(f, mode)
FFMPEG_CALLS = {"run", "run_logged", "Reader"}


def _mode(call: ast.Call) -> str | None:
    """The mode of an open(): open(file, mode), wave.open(file, mode), or Path.open(mode)."""
    func = call.func
    path_open = isinstance(func, ast.Attribute) and ast.unparse(func.value) not in MODULES
    for arg in call.args[0:1] if path_open else call.args[1:2]:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value
    for kw in call.keywords:
        if kw.arg == "mode" and isinstance(kw.value, ast.Constant):
            return str(kw.value.value)
    return None


def _writes(mode: str | None) -> bool:
    return mode is not None and bool(set(mode) & WRITE_MODE)


def _kind(call: ast.Call) -> str | None:
    """What CALL does to the file system or the process table, or None."""
    func = call.func
    if isinstance(func, ast.Name):
        if func.id == "open" and _writes(_mode(call)):
            first = ast.unparse(call.args[0]) if call.args else ""
            return None if first == "os.devnull" else f"open({_mode(call)!r})"
        if func.id in ("atomic_write", "ZipFile"):
            return func.id if func.id == "atomic_write" or _writes(_mode(call)) else None
        return None
    if not isinstance(func, ast.Attribute):
        return None
    base, attr = ast.unparse(func.value), func.attr
    if base == "os":
        if attr == "open":
            flags = ast.unparse(call.args[1]) if len(call.args) > 1 else ""
            return (
                "os.open(write)" if any(f in flags for f in ("WRONLY", "RDWR", "CREAT")) else None
            )
        return f"os.{attr}" if attr in OS_CALLS else None
    if base == "shutil" and (attr.startswith("copy") or attr in ("move", "rmtree")):
        ignoring = any(k.arg == "ignore_errors" for k in call.keywords)
        return None if attr == "rmtree" and ignoring else f"shutil.{attr}"  # cannot fail
    if base == "tempfile":
        return f"tempfile.{attr}"
    if base == "subprocess":
        return f"subprocess.{attr}"
    if base == "ffmpeg" and attr in FFMPEG_CALLS:
        return f"ffmpeg.{attr}"
    if attr == "open" and _writes(_mode(call)):
        return f"{base}.open({_mode(call)!r})"
    if attr == "ZipFile" and _writes(_mode(call)):
        return "ZipFile(write)"
    if attr in PATH_CALLS:
        return f".{attr}"
    if attr in ("save", "save_to_file"):  # images, mutagen's tags, an engine's WAV
        return f"{base}.{attr}"
    if attr == "Process":
        return "Process"
    return None


def scan() -> dict[str, list[str]]:
    """{module:qualname: [what it does, at line N]} for every site in the package."""
    sites: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        module = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
        if module.endswith(".__init__"):
            module = module[: -len(".__init__")]

        def walk(node: ast.AST, qualname: str, module: str = module) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    walk(child, f"{qualname}{child.name}.<locals>.")
                    continue
                if isinstance(child, ast.ClassDef):
                    walk(child, f"{qualname}{child.name}.")
                    continue
                if isinstance(child, ast.Call) and (kind := _kind(child)):
                    name = qualname.removesuffix(".<locals>.").removesuffix(".") or "<module>"
                    sites.setdefault(f"{module}:{name}", []).append(
                        f"{kind} at line {child.lineno}"
                    )
                walk(child, qualname)

        walk(ast.parse(path.read_text(encoding="utf-8")), "")
    return sites


def _here(case: str) -> str:
    return f"{HERE}[{case}]"


# Each site and the tests that inject a fault at it; a reason instead, for a call the scan takes
# for a write that is none.
SITES: dict[str, tuple[str, ...]] = {
    "audiobook.core.cache:Cache.get": (_here("cache-read-only-served"),
                                  f"{FAULTS}::test_a_read_only_cache_serves_what_it_holds"),
    "audiobook.core.cache:Cache.discard": (_here("cache-damaged-entry-read-only"),),
    "audiobook.core.cache:Cache.put": (
        _here("cache-full-at-put"), _here("cache-full-at-commit"), _here("cache-fills-mid-chapter"),
        f"{FAULTS}::test_a_render_with_its_cache_on_a_full_disk_completes_with_one_warning",
        f"{FAULTS}::test_a_read_only_cache_serves_what_it_holds",
    ),
    "audiobook.core.cache:Cache._put_aside": (_here("cache-and-temporary-folder-full"),),
    "audiobook.core.cache:Cache.clean": (_here("clean-read-only-cache"),),
    "audiobook.pipeline.chapter_audio:make_entry_files": (_here("chapter-meta"),),
    "audiobook.pipeline.chapter_job:_run_chapter": (
        _here("chapter-file-copy"),
        f"{FAULTS}::test_a_chapter_whose_file_cannot_be_written_fails_alone",
        f"{FAULTS}::test_a_render_into_a_full_disk_says_so_in_one_line_and_resumes_elsewhere",
    ),
    "audiobook.pipeline.chapter_job:write_chapter_captions": (_here("chapter-captions"),),
    "audiobook.pipeline.chapter_job:write_chapter_sentences": (_here("chapter-sentences"),),
    "audiobook.check.recogniser:_windows": (
        "tests/check/test_listen.py::test_an_undecodable_chapter_is_a_failed_result",
    ),
    "audiobook.cli.check:_write_target": (_here("check-junit"), _here("check-report"),
                                          _here("check-save-expect")),
    "audiobook.cli.voices:_write_speech": (_here("say-wav"), _here("say-mp3")),
    "audiobook.cli.voices:say": (_here("say-play"),),
    "audiobook.cli.player:play": (
        "tests/pronunciation/test_say.py::test_a_player_that_fails_is_one_line",
    ),
    "audiobook.cli.words:_write_clips": (
        "tests/test_words_cli.py::test_clips_that_cannot_be_written_are_one_line",
    ),
    "audiobook.publish.listener:_make": (
        f"{PUBLISH}::test_a_fault_while_making_the_listener_audio_is_one_line_and_the_site_stays",
    ),
    "audiobook.publish.listener:write_book_mp3": (
        f"{PUBLISH}::test_a_fault_while_making_the_listener_audio_is_one_line_and_the_site_stays",
    ),
    "audiobook.cli.cast:cast": (
        "tests/cast/test_cast_command.py::test_cast_toml_that_cannot_be_written_is_one_line",
    ),
    "audiobook.pipeline.executors.cluster:ClusterStudio.make": (
        "tests/test_catalogue.py::test_a_full_cache_disk_under_audio_sent_back_is_the_caches_fault",
        "tests/test_catalogue.py::test_a_shared_cache_the_client_does_not_see_is_said",
    ),
    "audiobook.pipeline.executors.cluster:make_on_worker": (
        f"{CLUSTER}::test_a_catalogue_on_two_workers_is_the_bytes_of_local_renders_even_when_one_is_killed",
        f"{CLUSTER}::test_ctrl_c_stops_the_clusters_work_and_leaves_nothing_partial",
    ),
    "audiobook.pipeline.executors.cluster:_remove_stale_folders": (
        "tests/test_catalogue.py::test_a_killed_workers_chapter_folders_go_once_stale",
    ),
    "audiobook.engines.espeak:Backend.save": (
        f"{FAULTS}::test_a_full_temporary_folder_fails_the_chapter_in_one_line_not_a_hang",
    ),
    "audiobook.engines.piper:Backend.save": (
        f"{FAULTS}::test_a_full_temporary_folder_fails_piper_in_one_line",
    ),
    "audiobook.engines.neural:PaceMemo.put": (
        "tests/test_write_sites.py::test_a_pace_memo_that_cannot_be_written_is_measured_again",
    ),
    "audiobook.engines.kokoro:Backend.save": (
        f"{FAULTS}::test_a_full_temporary_folder_fails_kokoro_in_one_line",
    ),
    "audiobook.engines.kokoro_model:model_path": (
        "tests/test_write_sites.py::test_a_kokoro_model_that_cannot_be_written_is_one_line",
    ),
    "audiobook.engines.piper_graph:patched_model": (
        "tests/test_write_sites.py::test_a_patched_model_that_cannot_be_kept_is_patched_in_memory",
    ),
    "audiobook.engines.worker:WorkerEngine.__init__": (_here("engine-temporary-folder"),),
    "audiobook.engines.worker:WorkerEngine._speak": (_here("engine-wav-not-removable"),),
    "audiobook.engines.worker:WorkerEngine._start": (_here("engine-worker-not-started"),),
    "audiobook.engines.worker:_worker_main": (
        f"{FAULTS}::test_a_full_temporary_folder_fails_the_chapter_in_one_line_not_a_hang",
        f"{FAULTS}::test_a_missing_or_broken_engine_library_is_exit_2_with_what_to_do",
    ),
    "audiobook.core.files:atomic_write": (_here("temporary-not-removable"),),
    "audiobook.core.files:_replace": (_here("rename-into-place"), _here("book-files-rename")),
    "audiobook.core.files:remove_leftovers": (_here("leftover-not-removable"),),
    "audiobook.core.files:append_file": (_here("book-files-append"),),
    "audiobook.core.manifest:write_manifest": (
        _here("manifest"),
        f"{FAULTS}::test_a_folder_made_read_only_halfway_keeps_its_earlier_files",
    ),
    "audiobook.mastering.ffmpeg:ffmpeg_version": (
        _here("ffmpeg-missing"), f"{FAULTS}::test_ffmpeg_missing_is_exit_2_with_what_to_install",
    ),
    "audiobook.mastering.ffmpeg:run_logged": (
        _here("ffmpeg-killed-encoding"),
        f"{FAULTS}::test_ffmpeg_killed_mid_encode_fails_its_chapter_alone",
    ),
    "audiobook.mastering.ffmpeg:Reader.__init__": (_here("ffmpeg-killed-decoding"),),
    "audiobook.mastering.levels:measure_file": (_here("ffmpeg-killed-decoding"),),
    "audiobook.mastering.loudness:_encode": (
        _here("ffmpeg-killed-encoding"),
        f"{FAULTS}::test_ffmpeg_killed_mid_encode_fails_its_chapter_alone",
    ),
    "audiobook.mastering.stitch:stitch": (_here("stitch"), _here("cache-fills-mid-chapter")),
    "audiobook.outputs:write_book_files": (_here("book-files-rename"),),
    "audiobook.outputs.audiobookshelf:AudiobookshelfMetadata.write": (_here("metadata-json"),),
    "audiobook.outputs.book_mp3:_append_mp3_frames": (_here("book-mp3"),),
    "audiobook.formats.captions:save_timings": (_here("timings"),),
    "audiobook.outputs.captions:BookCaptions.write": (_here("book-captions"),),
    "audiobook.formats.m4b:split_adts": (_here("aac-frames"),),
    "audiobook.formats.m4b:save_sizes": (_here("aac-sizes"),),
    "audiobook.formats.m4b:write_m4b": (_here("book-m4b"),),
    "audiobook.outputs.playlist:Playlist.write": (_here("playlist"),),
    "audiobook.outputs.readalong:write_epub": (_here("readalong-epub"), _here("readalong-audio")),
    "audiobook.publish.page:write_site": (
        _here("site-page"), _here("site-feed"), _here("site-zip"),
    ),
    "audiobook.publish.page:_place": (_here("site-audio"),),
    "audiobook.publish.page:_covers": (_here("site-cover"),),
    "audiobook.formats.tags:write_tags": (_here("chapter-tags"),),
    "audiobook.formats.tags:write_mp4_tags": (_here("book-m4b-tags"),),
    "audiobook.publish.site:publish": (_here("site-folder"),),
    "audiobook.publish.site:_swap": (_here("site-swap-first"), _here("site-swap-second")),
    "audiobook.readers.cover:_convert": ("not a file: the cover is saved into memory (BytesIO)",),
    "audiobook.readers.pdf:_extract": (
        f"{PDF}::test_a_reader_process_that_dies_or_cannot_start_is_one_line",
        f"{PDF}::test_hostile_files_end_within_10_s_and_500_mb",
    ),
    "audiobook.pipeline.render:_finish_book": (_here("stale-file-not-removable"),),
    "audiobook.pipeline.render:_check_out_dir": (_here("out-folder-not-writable"),),
}  # fmt: skip


def _is_test(reference: str) -> bool:
    return reference.startswith("tests/")


def test_every_write_site_has_a_fault_test() -> None:
    found = scan()
    missing = {site: found[site] for site in found if site not in SITES}
    assert not missing, (
        "these functions write files or run programs, and no fault test covers them: add a test "
        "that injects a fault there (a case in tests/test_write_sites.py's CASES, or a real one "
        "in tests/test_faults.py) and its entry in SITES:\n"
        + "\n".join(f"  {site}: {', '.join(what)}" for site, what in sorted(missing.items()))
    )
    gone = sorted(set(SITES) - set(found))
    assert not gone, f"SITES lists functions that no longer write or run anything: {gone}"


def test_every_fault_test_named_exists() -> None:
    defined: dict[str, set[str]] = {}
    for reference in {r for refs in SITES.values() for r in refs if _is_test(r)}:
        file, _, test = reference.partition("::")
        name, _, case = test.partition("[")
        if file not in defined:
            tree = ast.parse((TESTS.parent / file).read_text(encoding="utf-8"))
            defined[file] = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert name in defined[file], f"{reference}: no such test"
        if case:
            assert file.endswith("test_write_sites.py") and case[:-1] in CASES, (
                f"{reference}: no such case"
            )
    unused = sorted(
        set(CASES) - {r.partition("[")[2][:-1] for refs in SITES.values() for r in refs}
    )
    assert not unused, f"cases that no site names: {unused}"


# --- injecting the faults ---------------------------------------------------------------------

KILLED = "killed"  # ffmpeg killed by SIGKILL as it starts (a real process, really killed)
MISSING = "missing"  # ffmpeg not found where it was
FORK = "fork"  # no process to be had


@dataclass(frozen=True)
class Case:
    at: tuple[str, ...]  # the sites (module:qualname) whose calls fail
    command: str = "render"  # render, check, say, publish, clean
    fault: int | str = errno.ENOSPC  # an errno, or KILLED, MISSING, FORK
    exit: int = 1
    says: str = "no space left on device"
    within: str | None = None  # only when this frame is in the stack too
    calls: tuple[str, ...] = ()  # only these primitives (open, mkdir, replace, ...)
    under: str | None = None  # only for paths under this folder of the case ("cache", "out")
    skip: int = 0  # let the first SKIP matching calls through
    times: int | None = None  # fail this many at most (then the disk "has room" again)
    setup: str | None = None  # what the folder holds first (see _setup)
    args: tuple[str, ...] = ()  # more arguments for the command
    real_engine: bool = False
    fresh: bool = False  # an empty cache: the site is where chapters are made (else from it)
    warns: bool = False  # a warning line, and the command otherwise succeeds


C = "audiobook.core.cache:Cache."
ENOSPC, EROFS, EACCES = errno.ENOSPC, errno.EROFS, errno.EACCES
RO, DENIED = "read-only file system", "permission denied"
CASES: dict[str, Case] = {
    # The cache: never fatal; the render goes on without it (one warning) or from it.
    "cache-read-only-served": Case((C + "get",), fault=EROFS, exit=0, says="", setup=None),
    "cache-damaged-entry-read-only": Case(
        (C + "discard",), fault=EROFS, exit=0, says="making it again", setup="damaged", warns=True
    ),
    "cache-full-at-put": Case(
        (C + "put",), exit=0, says="the cache cannot be written", warns=True, fresh=True
    ),
    "cache-full-at-commit": Case(
        (C + "put",), calls=("open", "replace"), exit=0, says="the cache cannot be written",
        warns=True, fresh=True),
    "cache-fills-mid-chapter": Case(
        ("audiobook.mastering.stitch:stitch",), under="cache", exit=0,
        says="the cache cannot be written", warns=True, fresh=True),
    "cache-and-temporary-folder-full": Case((C + "put", C + "_put_aside"), fresh=True),
    "clean-read-only-cache": Case(
        (C + "clean",), command="clean", fault=EROFS, says="could not be emptied", setup=None
    ),
    # A chapter's work and its file: the chapter fails alone, in one line.
    "stitch": Case(
        ("audiobook.mastering.stitch:stitch",), says="chapter.raw: no space left", fresh=True
    ),
    "aac-frames": Case(("audiobook.formats.m4b:split_adts",), fresh=True),
    "aac-sizes": Case(("audiobook.formats.m4b:save_sizes",), fresh=True),
    "timings": Case(("audiobook.formats.captions:save_timings",), fresh=True),
    "chapter-meta": Case(
        ("audiobook.pipeline.chapter_audio:make_entry_files",),
        calls=("open",), under="cache", exit=0,
        says="the cache cannot be written (no space left on device)", warns=True, fresh=True),
    "chapter-file-copy": Case(
        ("audiobook.pipeline.chapter_job:_run_chapter",), fault=EACCES, under="out",
        says="01-the-harbour.mp3: permission denied",
    ),
    "chapter-captions": Case(
        ("audiobook.pipeline.chapter_job:write_chapter_captions",),
        says="01-the-harbour.vtt: no space left"
    ),
    "chapter-sentences": Case(
        ("audiobook.pipeline.chapter_job:write_chapter_sentences",),
        says="01-the-harbour.sentences.json: no space left"
    ),
    "chapter-tags": Case(
        ("audiobook.formats.tags:write_tags",), under="out",
        says="01-the-harbour.mp3: no space left",
    ),
    "temporary-not-removable": Case(
        ("audiobook.formats.tags:write_tags", "audiobook.core.files:atomic_write"), fault=EROFS,
        under="out", says=RO,
    ),
    "rename-into-place": Case(("audiobook.core.files:_replace",), fault=EROFS, says=RO),
    "leftover-not-removable": Case(
        ("audiobook.core.files:remove_leftovers",), fault=EACCES, exit=0, says="", setup="leftover"
    ),
    "out-folder-not-writable": Case(
        ("audiobook.pipeline.render:_check_out_dir",), fault=EACCES, exit=2,
        says="cannot write to the output folder",
    ),
    "manifest": Case(("audiobook.core.manifest:write_manifest",),
                     says="manifest.json: no space left"),
    "stale-file-not-removable": Case(
        ("audiobook.pipeline.render:_finish_book",),
        fault=EACCES, says="03-the-return.mp3: permission",
        setup="stale",
    ),
    # The whole-book files: not built, in one line; the chapters stay.
    "book-mp3": Case(("audiobook.outputs.book_mp3:_append_mp3_frames",)),
    "book-files-append": Case(("audiobook.core.files:append_file",)),
    "book-m4b": Case(("audiobook.formats.m4b:write_m4b",)),
    "book-m4b-tags": Case(("audiobook.formats.tags:write_mp4_tags",)),
    "playlist": Case(("audiobook.outputs.playlist:Playlist.write",)),
    "metadata-json": Case(("audiobook.outputs.audiobookshelf:AudiobookshelfMetadata.write",)),
    "book-captions": Case(("audiobook.outputs.captions:BookCaptions.write",)),
    "readalong-audio": Case(("audiobook.formats.m4b:write_m4b",),
                            within="audiobook.outputs.readalong:write_epub", fault=EACCES,
                            says="permission denied"),
    "readalong-epub": Case(("audiobook.outputs.readalong:write_epub",), says=".epub: no space"),
    "book-files-rename": Case(
        ("audiobook.core.files:_replace",),
        within="audiobook.outputs:write_book_files", fault=EROFS,
        says=RO,
    ),
    # ffmpeg: killed, a chapter fails alone; missing, nothing is attempted (exit 2).
    "ffmpeg-killed-encoding": Case(
        ("audiobook.mastering.ffmpeg:run_logged",), within="audiobook.mastering.loudness:_encode",
        fault=KILLED, says="ffmpeg was killed by SIGKILL", fresh=True),
    "ffmpeg-killed-decoding": Case(
        ("audiobook.mastering.ffmpeg:Reader.__init__",),
        within="audiobook.mastering.levels:measure_file", command="check", fault=KILLED,
        says="ffmpeg was killed by SIGKILL", args=("--full",),
    ),
    "ffmpeg-missing": Case(
        ("audiobook.mastering.ffmpeg:ffmpeg_version",), fault=MISSING, exit=2,
        says="does not run (no such file or directory); install ffmpeg",
    ),
    # The engine's own files and processes (the real engine).
    "engine-temporary-folder": Case(
        ("audiobook.engines.worker:WorkerEngine.__init__",), exit=2, real_engine=True,
        says="no temporary folder for the speech (no space left on device)",
    ),
    "engine-worker-not-started": Case(
        ("audiobook.engines.worker:WorkerEngine._start",), fault=FORK, real_engine=True,
        says="could not start the engine's worker",
    ),
    "engine-wav-not-removable": Case(
        ("audiobook.engines.worker:WorkerEngine._speak",), fault=EACCES, exit=0, says="",
        real_engine=True, args=("--force",),
    ),
    # check's reports, say's file, the site: one line, and no file under its final name.
    # (exit 2: a report check cannot write is a usage error, not a failed check)
    "check-junit": Case((WRITE_TARGET,), command="check", exit=2,
                        says="junit.xml: --junit: no space"),
    "check-report": Case((WRITE_TARGET,), command="check", exit=2,
                         says="report.html: --report: no space", args=("--report",)),
    "check-save-expect": Case((WRITE_TARGET,), command="check", fault=EROFS, exit=2,
                              says="expect.json: --save-expect: read-only",
                              args=("--save-expect",)),
    "say-wav": Case(("audiobook.cli.voices:_write_speech",), command="say",
                    says="said.wav: no space left"),
    "say-mp3": Case(("audiobook.cli.voices:_write_speech",), command="say", calls=("mkdir",),
                    args=(".mp3",)),
    # The folder the played WAV is written in cannot be made.
    "say-play": Case(("audiobook.cli.voices:say",), command="say", calls=("mkdir",),
                     args=("play",)),
    "site-folder": Case(("audiobook.publish.site:publish",),
                        command="publish", exit=2, fault=EACCES,
                        says="cannot write the site (permission denied)"),
    "site-page": Case(("audiobook.publish.page:write_site",), command="publish", exit=2,
                      calls=("open",), skip=7, says="cannot write the site at index.html (no"),
    "site-feed": Case(("audiobook.publish.page:write_site",), command="publish", exit=2,
                      calls=("open",), skip=4, says="cannot write the site at feed.xml (no"),
    "site-zip": Case(("audiobook.publish.page:write_site",), command="publish", exit=2,
                     args=("--extras",), says="-chapters.zip (no space left"),
    "site-audio": Case(("audiobook.publish.page:_place",), command="publish", exit=2,
                       says="cannot write the site at 01-the-harbour.mp3 (no space"),
    "site-cover": Case(("audiobook.publish.page:_covers",), command="publish", exit=2,
                       says="cannot write the site at cover"),
    "site-swap-first": Case(("audiobook.publish.site:_swap",),
                            command="publish", exit=2, fault=EROFS,
                            says="cannot write the site (read-only"),
    "site-swap-second": Case(("audiobook.publish.site:_swap",),
                             command="publish", exit=2, fault=EROFS,
                             skip=1, times=1, says="cannot write the site (read-only"),
}  # fmt: skip


class Injector:
    """Fails the calls a Case names, from the file-system primitives (and ffmpeg's and the
    workers' starts) up: a call fails when the nearest frame of audiobook's code is one of the
    case's sites."""

    def __init__(self, case: Case, folders: dict[str, Path], killer: Path) -> None:
        self.case = case
        self.folders = folders
        self.killer = killer
        self.fired: set[str] = set()  # the sites whose calls failed
        self.active = False
        self._seen = 0
        self._lock = threading.Lock()

    def _site(self) -> tuple[str | None, list[str]]:
        frame = sys._getframe(3)
        stack: list[str] = []
        while frame is not None:
            module = frame.f_globals.get("__name__", "")
            if module.startswith("audiobook"):
                stack.append(f"{module}:{frame.f_code.co_qualname}")
            frame = frame.f_back
        return (stack[0] if stack else None), stack

    def hit(self, call: str, path: object = None) -> bool:
        if not self.active:
            return False
        case = self.case
        if case.calls and call not in case.calls:
            return False
        nearest, stack = self._site()
        if nearest not in case.at or (case.within and case.within not in stack):
            return False
        if case.under is not None and path is not None:
            root = str(self.folders[case.under])
            if not os.path.abspath(os.fsdecode(path)).startswith(root):  # type: ignore[arg-type]
                return False
        with self._lock:
            self._seen += 1
            if self._seen <= case.skip or (case.times and self._seen > case.skip + case.times):
                return False
            self.fired.add(nearest)
        return True

    def error(self, path: object = None, target: object = None) -> OSError:
        """The OSError the disk gives, naming the file (and a rename's target) as the system
        does."""
        code = self.case.fault if isinstance(self.case.fault, int) else errno.EAGAIN
        names = [os.fsdecode(p) for p in (path, target) if isinstance(p, (str, bytes, os.PathLike))]
        if len(names) == 2:
            return OSError(code, os.strerror(code), names[0], None, names[1])
        return OSError(code, os.strerror(code), *names)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real_open, real_io_open = builtins.open, io.open

        def checked_open(opener: Callable[..., Any]) -> Callable[..., Any]:
            def fake(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
                mode = kwargs.get("mode", mode)
                path = isinstance(file, (str, bytes, os.PathLike))
                if path and set(mode) & WRITE_MODE and self.hit("open", file):
                    raise self.error(file)
                return opener(file, mode, *args, **{k: v for k, v in kwargs.items() if k != "mode"})

            return fake

        monkeypatch.setattr(builtins, "open", checked_open(real_open))
        monkeypatch.setattr(io, "open", checked_open(real_io_open))
        real_os_open = os.open

        def fake_os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and self.hit("open", path):
                raise self.error(path)
            return real_os_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", fake_os_open)
        for name, only_if_there in (("mkdir", False), ("rename", True), ("replace", True),
                                    ("link", True), ("unlink", True), ("remove", True),
                                    ("rmdir", True), ("utime", True)):  # fmt: skip
            self._path_call(monkeypatch, name, only_if_there)
        for name in ("write", "sendfile"):
            self._fd_call(monkeypatch, name)
        self._processes(monkeypatch)

    def _path_call(self, monkeypatch: pytest.MonkeyPatch, name: str, only_if_there: bool) -> None:
        real = getattr(os, name)

        def fake(path: Any, *args: Any, **kwargs: Any) -> Any:
            # Relative to a folder's descriptor (rmtree): there, since rmtree found it.
            there = kwargs.get("dir_fd") is not None or os.path.lexists(path)
            if name == "mkdir" and there:
                return real(path, *args, **kwargs)  # EEXIST, as on any disk
            if (there or not only_if_there) and self.hit(name, path):
                target = args[0] if name in ("rename", "replace", "link") and args else None
                raise self.error(path, target)
            return real(path, *args, **kwargs)

        monkeypatch.setattr(os, name, fake)

    def _fd_call(self, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
        real = getattr(os, name)

        def fake(fd: int, *args: Any, **kwargs: Any) -> Any:
            try:
                regular = stat.S_ISREG(os.fstat(fd).st_mode)
            except OSError:
                regular = False
            if regular and self.hit(name):
                raise self.error()
            return real(fd, *args, **kwargs)

        monkeypatch.setattr(os, name, fake)

    def _processes(self, monkeypatch: pytest.MonkeyPatch) -> None:
        injector, real_popen = self, subprocess.Popen

        class Popen(real_popen):  # type: ignore[misc, valid-type]
            def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
                if injector.case.fault in (KILLED, MISSING) and injector.hit("popen"):
                    if injector.case.fault == MISSING:
                        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), args[0])
                    args = [str(injector.killer), *args[1:]]
                super().__init__(args, *rest, **kwargs)

        monkeypatch.setattr(subprocess, "Popen", Popen)
        real_start = multiprocessing.process.BaseProcess.start

        def start(process: Any) -> None:
            if injector.case.fault == FORK and injector.hit("fork"):
                raise injector.error()
            real_start(process)

        monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", start)


# --- running the commands ---------------------------------------------------------------------


class Fake(FakeEngine):
    fail_on = "no word of the book"


def digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != "manifest.json"
    }


def assert_consistent(out: Path, reference: dict[str, str]) -> None:
    """Nothing under a final name that is incomplete, or other than the manifest says: every
    file is byte for byte the undisturbed render's (REFERENCE) but those the manifest names as
    stale, and every file a manifest lists is there, with the hash it lists. (A file it does not
    list is a failed chapter's or one a render with no manifest wrote: complete, and replaced
    by the next render.)"""
    if not out.exists():
        return
    here = digests(out)
    manifest_file = out / "manifest.json"
    manifest = (
        json.loads(manifest_file.read_text(encoding="utf-8")) if manifest_file.exists() else {}
    )
    stale = set(manifest.get("stale", []))  # an earlier render's, which this one is removing
    for name, digest in here.items():
        if not name.startswith(".") and name not in stale:
            assert reference.get(name) == digest, f"{name} is not as an undisturbed render makes it"
    if not manifest:
        return
    listed = {c["file"]: c["sha256"] for c in manifest["chapters"]}
    listed |= {n: None for c in manifest["chapters"] for n in c.get("captions", [])}
    book = render.manifest.read_manifest(out).book  # as check reads it: it must validate
    listed |= {name: None for name in render.manifest.book_files(book)}
    listed |= book.sha256 if book else {}
    for name, digest in listed.items():
        assert name in here, f"the manifest lists {name}, which is not there"
        assert digest is None or here[name] == digest, f"{name} is not what the manifest says"


def assert_one_line_each(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    for line in stderr.strip().splitlines():
        assert line.startswith("audiobook: "), f"not one line per message: {stderr}"


@dataclass
class Project:
    folder: Path
    rendered: Path  # the session's render of the small book, with the real engine
    runner: CliRunner = field(default_factory=CliRunner)

    @property
    def out(self) -> Path:
        return self.folder / "audio"

    @property
    def cache(self) -> Path:
        return self.folder / "cache"

    @property
    def site(self) -> Path:
        return self.folder / "site"

    def run(self, *args: str, env: dict[str, str] | None = None) -> Any:
        result = self.runner.invoke(cli.app, list(args), catch_exceptions=True, env=env)
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        assert not crashed, f"{args[0]} raised {result.exception!r}: {result.stderr}"
        return result

    def render(self, *args: str) -> Any:
        return self.run(
            "render", str(self.folder / "text"), "--out", str(self.out), "--voices",
            str(self.folder / "voices.toml"), "--jobs", "2", "--quiet", *args,
        )  # fmt: skip


def rename_last_chapter(folder: Path) -> None:
    book = folder / "text" / "book.md"
    book.write_text(book.read_text().replace("# The Return", "# The Homecoming"))


def tiny_cover(folder: Path) -> None:
    from PIL import Image

    Image.new("RGB", (700, 700), (120, 40, 40)).save(folder / "text" / "cover.png")


@pytest.fixture(scope="module")
def undisturbed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """The small book rendered with FakeEngine without a fault, its files' digests: by kind
    ("plain"; "renamed": its last chapter renamed)."""
    reference = {}
    for kind in ("plain", "renamed"):
        folder = tmp_path_factory.mktemp(f"undisturbed-{kind}")
        write_book(folder)
        if kind == "renamed":
            rename_last_chapter(folder)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("AUDIOBOOK_CACHE", str(folder / "cache"))
            mp.setitem(render.render_book.__kwdefaults__, "engine_factory", Fake)
            result = Project(folder, folder).render()
        assert result.exit_code == 0, result.stderr
        reference[kind] = digests(folder / "audio")
        reference[f"{kind}-cache"] = {"": str(folder / "cache")}
    return reference


@pytest.fixture
def killer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A program that is killed by SIGKILL as soon as it starts: ffmpeg, killed."""
    script = tmp_path_factory.mktemp("killer") / "ffmpeg"
    script.write_text("#!/bin/sh\nkill -KILL $$\n")
    script.chmod(0o755)
    return script


def _setup(project: Project, what: str | None) -> None:
    """What the folders hold before the fault: an earlier render and its cache entries, a
    damaged entry, a put a crash left, a render's leftover, a chapter renamed since."""
    if what is None:
        return
    if what == "stale":
        assert project.render().exit_code == 0
    if what == "damaged":
        entry = next(project.cache.glob("chapters/*/*/chapter.mp3"))
        entry.write_bytes(entry.read_bytes()[:-100])
    if what == "stale":  # the last chapter renamed: its old file must go
        rename_last_chapter(project.folder)
    if what == "leftover":
        project.out.mkdir()
        (project.out / ".01-the-harbour.mp3.tmp").write_bytes(b"half")


# The wave module's writer, whose file could not be opened, complains as it is collected.
WAVE_DEL = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=[WAVE_DEL] if CASES[n].command == "say" else []) for n in sorted(CASES)],
)
def test_a_fault_at_the_site(
    name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    undisturbed: dict[str, dict[str, str]],
    killer: Path,
    request: pytest.FixtureRequest,
) -> None:
    case = CASES[name]
    if case.command == "say":  # the wave writer whose file could not be opened goes, under WAVE_DEL
        request.addfinalizer(gc.collect)
    rendered = (
        request.getfixturevalue("rendered_book")
        if case.real_engine or case.command == "check"
        else tmp_path
    )
    project = Project(tmp_path, rendered)
    write_book(tmp_path)
    if case.command == "publish":
        tiny_cover(tmp_path)
    reference = undisturbed["renamed" if case.setup == "stale" else "plain"]
    monkeypatch.setenv("AUDIOBOOK_CACHE", str(project.cache))
    if case.real_engine:  # the small book as the session rendered it, from the session's cache
        reference = digests(rendered / "audio")
        monkeypatch.setenv("AUDIOBOOK_CACHE", SESSION_CACHE)
    else:
        monkeypatch.setitem(render.render_book.__kwdefaults__, "engine_factory", Fake)
        monkeypatch.setattr(engines, "create", Fake)  # say's engine
    if not (case.fresh or case.real_engine):  # the chapters the undisturbed render made
        shutil.copytree(undisturbed["plain-cache"][""], project.cache)
    monkeypatch.chdir(tmp_path)
    injector = Injector(case, {"cache": project.cache, "out": project.out}, killer)
    injector.install(monkeypatch)
    for cached in (ffmpeg.ffmpeg_version, ffmpeg.find_ffmpeg):
        cached.cache_clear()
    request.addfinalizer(ffmpeg.ffmpeg_version.cache_clear)
    _setup(project, case.setup)
    run = COMMANDS[case.command]
    before = run.prepare(project, case)

    injector.active = True
    try:
        faulty = run(project, case)
    finally:
        injector.active = False
    assert injector.fired == set(case.at), f"{case.at}: the case does not reach its sites"
    assert faulty.exit_code == case.exit, faulty.stdout + faulty.stderr
    assert_one_line_each(faulty.stderr)
    assert case.says in faulty.stderr + faulty.stdout, faulty.stderr
    if case.warns:
        assert faulty.stderr.count("audiobook: warning:") == 1, faulty.stderr
    run.check_after_fault(project, case, reference, before)

    ffmpeg.ffmpeg_version.cache_clear()
    again = run(project, case, again=True)  # the fault gone
    assert again.exit_code == 0, again.stderr
    run.check_undisturbed(project, case, reference, before)


class Render:
    @staticmethod
    def prepare(project: Project, case: Case) -> Any:
        return None

    def __call__(self, project: Project, case: Case, again: bool = False) -> Any:
        return project.render(*(a for a in case.args if not (again and a == "--force")))

    @staticmethod
    def check_after_fault(project: Project, case: Case, reference: dict, before: Any) -> None:
        assert_consistent(project.out, reference)

    @staticmethod
    def check_undisturbed(project: Project, case: Case, reference: dict, before: Any) -> None:
        assert digests(project.out) == reference
        assert not [p.name for p in project.out.iterdir() if p.name.startswith(".")]


CHECK_FILES = {"--junit": "junit.xml", "--report": "report.html", "--save-expect": "expect.json"}


class Check(Render):
    """check of the small book as the real engine rendered it (the session's), writing one of
    its files (--junit, --report, --save-expect), or decoding every chapter (--full)."""

    def __call__(self, project: Project, case: Case, again: bool = False) -> Any:
        option = case.args[0] if case.args else "--junit"
        args = [option, CHECK_FILES[option]] if option in CHECK_FILES else []
        quick = [] if option in ("--full", "--report") else ["--quick"]
        return project.run("check", str(project.out), "--json", *quick, *args)

    @staticmethod
    def prepare(project: Project, case: Case) -> Any:
        shutil.copytree(project.rendered / "audio", project.out)

    def check_after_fault(self, project: Project, case: Case, reference: dict, before: Any) -> None:
        assert sorted(p.name for p in project.folder.glob("*.*")) == ["voices.toml"]
        assert not list(project.folder.glob(".*.tmp"))
        assert digests(project.out) == digests(project.rendered / "audio")  # only read

    def check_undisturbed(self, project: Project, case: Case, reference: dict, before: Any) -> None:
        written = [p.name for p in project.folder.glob("*.*") if p.name != "voices.toml"]
        assert written == [CHECK_FILES[o] for o in case.args[:1] or ["--junit"] if o in CHECK_FILES]


class Say(Render):
    def __call__(self, project: Project, case: Case, again: bool = False) -> Any:
        if case.args == ("play",):  # played, not written (by a player that plays nothing)
            return project.run("say", "The boats came in.", env={"AUDIOBOOK_PLAYER": "true"})
        out = project.folder / f"said{case.args[0] if case.args else '.wav'}"
        return project.run("say", "The boats came in.", "-o", str(out))

    @staticmethod
    def prepare(project: Project, case: Case) -> Any:
        assert Say()(project, case).exit_code == 0
        if case.args == ("play",):
            return None
        out = project.folder / f"said{case.args[0] if case.args else '.wav'}"
        undisturbed = out.read_bytes()
        out.unlink()
        return undisturbed

    @staticmethod
    def check_after_fault(project: Project, case: Case, reference: dict, before: Any) -> None:
        assert not list(project.folder.glob("*said*")) and not list(project.folder.glob("say*"))

    @staticmethod
    def check_undisturbed(project: Project, case: Case, reference: dict, before: Any) -> None:
        if case.args == ("play",):
            assert not list(project.folder.glob("say*"))  # nothing left behind
            return
        assert next(project.folder.glob("said.*")).read_bytes() == before


class Publish(Render):
    def __call__(self, project: Project, case: Case, again: bool = False) -> Any:
        return project.run(
            "publish", str(project.out), "--base-url", "https://example.org/book/", "--out",
            str(project.site), *case.args,
        )  # fmt: skip

    @staticmethod
    def prepare(project: Project, case: Case) -> Any:
        assert project.render().exit_code == 0
        assert Publish()(project, case).exit_code == 0
        return digests(project.site)

    @staticmethod
    def check_after_fault(project: Project, case: Case, reference: dict, before: Any) -> None:
        assert digests(project.site) == before  # the previous site, as it was
        assert sorted(p.name for p in project.folder.iterdir() if p.name.startswith(".")) == []

    @staticmethod
    def check_undisturbed(project: Project, case: Case, reference: dict, before: Any) -> None:
        assert digests(project.site) == before


class Clean(Render):
    def __call__(self, project: Project, case: Case, again: bool = False) -> Any:
        return project.run("clean")

    @staticmethod
    def check_after_fault(project: Project, case: Case, reference: dict, before: Any) -> None:
        pass  # what could not be removed is still there; nothing else was touched

    @staticmethod
    def check_undisturbed(project: Project, case: Case, reference: dict, before: Any) -> None:
        assert not (project.cache / "chapters").exists()


COMMANDS: dict[str, Render] = {
    "render": Render(), "check": Check(), "say": Say(), "publish": Publish(), "clean": Clean(),
}  # fmt: skip


def test_a_pace_memo_that_cannot_be_written_is_measured_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, killer: Path
) -> None:
    from audiobook.engines import neural, piper

    monkeypatch.setenv("AUDIOBOOK_CACHE", str(tmp_path / "cache"))
    case = Case(("audiobook.engines.neural:PaceMemo.put",), fault=EROFS)
    injector = Injector(case, {}, killer)
    injector.install(monkeypatch)
    memo = neural.PaceMemo(piper.PACE_MEMO)
    injector.active = True
    memo.put("joe-medium at 1.0", 192.0)  # no error: measured again next time
    injector.active = False
    assert injector.fired and memo.get("joe-medium at 1.0") is None
    assert not list(tmp_path.glob("cache/.*"))
    memo.put("joe-medium at 1.0", 192.0)
    assert memo.get("joe-medium at 1.0") == 192.0


def test_the_ffmpeg_that_is_killed_is_a_real_process(killer: Path) -> None:
    assert subprocess.run([str(killer)], check=False).returncode == -signal.SIGKILL


def test_a_patched_model_that_cannot_be_kept_is_patched_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, killer: Path
) -> None:
    piper = pytest.importorskip("audiobook.engines.piper")
    graph_module = pytest.importorskip("audiobook.engines.piper_graph")
    models = piper.find_models() if piper.available() else []
    if not models:
        pytest.skip("no Piper voice installed")
    monkeypatch.setenv("AUDIOBOOK_CACHE", str(tmp_path / "cache"))
    injector = Injector(
        Case(("audiobook.engines.piper_graph:patched_model",), fault=EROFS), {}, killer
    )
    injector.install(monkeypatch)
    injector.active = True
    graph, inputs = graph_module.patched_model(models[0].path)  # no error: patched in memory
    injector.active = False
    assert injector.fired and isinstance(graph, bytes) and inputs
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # nothing half-written left
    assert graph_module.patched_model(models[0].path) == (graph, inputs)  # patched, and kept now
    kept, again = graph_module.patched_model(models[0].path)
    assert isinstance(kept, str) and Path(kept).read_bytes() == graph and again == inputs


@pytest.mark.parametrize("fault", [EROFS, ENOSPC])
def test_a_kokoro_model_that_cannot_be_written_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, killer: Path, fault: int
) -> None:
    """The model's parts assembled into a read-only or full cache: one line naming the file and
    what to do (a render stops there, exit 2), nothing half-written left; then it is made."""
    kokoro_model = pytest.importorskip("audiobook.engines.kokoro_model")
    if not all(kokoro_model._part_files()):
        pytest.skip("the Kokoro model wheels are not installed")
    monkeypatch.setenv("AUDIOBOOK_CACHE", str(tmp_path / "cache"))
    injector = Injector(Case(("audiobook.engines.kokoro_model:model_path",), fault=fault), {},
                        killer)  # fmt: skip
    injector.install(monkeypatch)
    injector.active = True
    with pytest.raises(InputError) as caught:
        kokoro_model.model_path()
    injector.active = False
    assert injector.fired
    message = str(caught.value)
    assert "cannot write the Kokoro model" in message and "\n" not in message
    assert "set AUDIOBOOK_CACHE to another folder" in message
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # nothing half-written left
    made = kokoro_model.model_path()
    assert made.is_file() and kokoro_model.sha256(made) == kokoro_model.MODEL_SHA256
