"""The command line as people read it: each command's help, --debug, the one-line errors, and the
summary a render prints.

The help is read as a user's terminal shows it (the real `python -m audiobook ... --help`, 140
columns, no colour), each line without its panel's border and with runs of spaces as one: the
columns' widths are not the point, the words are.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audiobook import cli
from audiobook.core.errors import DEBUG_ENV

from .conftest import write_book

DEBUG_LINE = "--debug <bool> Show tracebacks with the errors (for bug reports)."

# Each command: its one-line summary (as the app's help lists it, and as its own help starts),
# and lines of its help, verbatim.
HELP: dict[str, tuple[str, tuple[str, ...]]] = {
    "render": (
        "Render SOURCE into one mastered, tagged MP3 per chapter, the whole book, and a manifest.",
        (
            "--jobs <int range> [x>=1] Chapters rendered at once [default: the CPU count].",
            "--out <path> Where the audiobook goes. [default: audio]",
            "--quiet -q <bool> No progress on stderr.",
            "($AUDIOBOOK_CACHE, else ~/.cache/audiobook; `audiobook clean` empties it).",
        ),
    ),
    "catalogue": (
        "Render every book of ROOT: all their chapters in one queue, each book into its own "
        "folder.",
        (
            '[[book]] folder = "..." (or source, voices and out). Exit 1 names the books that '
            "failed;",
            "* root <path> A folder of book folders, or a catalogue file (catalogue.toml). "
            "[required]",
            "--jobs <int range> [x>=1] Without --scheduler: chapters at once here.",
        ),
    ),
    "chapters": (
        "Show how SOURCE splits into chapters, without rendering.",
        (
            "source <path> The manuscript: a .txt/.md, .epub, .html, .docx, .odt, .rtf, .pdf, .fb2 "
            "or .mobi/.azw3 file, or a folder that holds one. [default: text]",
            "--target-words <int range> [x>=200] Chapter size when the text has no headings.",
            "--text <written|said> Print every chapter's text, a paragraph a line, as written or "
            "as it will be said (lexicon, numbers, dates, heteronyms): diff the two to see every "
            "change.",
        ),
    ),
    "words": (
        "List the names and words to hear in SOURCE before rendering, and how each will be said.",
        (
            "--kind <list[str]> Only words of this kind: name, foreign, heteronym, abbreviation, "
            "number or unknown",
            "--limit <int range> [x>=1] The most heard words of each kind listed. [default: 20]",
        ),
    ),
    "cast": (
        "Find every quoted line in SOURCE, who says it, and the voices of the cast.",
        ("--write <bool> Write cast.toml beside voices.toml, for review and edits.",),
    ),
    "voices": (
        "List the voices of every installed engine (use an id or name in voices.toml).",
        ("--json <bool> Print one JSON document on stdout.",),
    ),
    "check": (
        "Verify a rendered book: files, durations, levels, format, tags; exit 1 on a failure.",
        (
            "--tolerance <str> How far a pinned duration may drift, e.g. 2%. [default: 2%]",
            "--min-seconds <float> Shortest chapter allowed. [default: 1.0]",
        ),
    ),
    "publish": (
        "Make a static site for listeners: a page with a player and downloads, and a podcast feed.",
        ("--base-url <str> Where the site will be served: https://host/path/.",),
    ),
    "serve": (
        "Serve a published site (with range requests, as players need) until Ctrl-C.",
        ("--port <int range> [1<=x<=65535] The port. [default: 8000]",),
    ),
    "say": (
        "Speak TEXT as a render would (lexicon, numbers, heteronyms), and play it.",
        (
            "--output -o <path> Write it to a .wav (as spoken) or .mp3 (mastered) file.",
            "--rate <int range> [80<=x<=450] Words per minute.",
        ),
    ),
    "clean": (
        "Empty the cache of rendered chapters ($AUDIOBOOK_CACHE, else ~/.cache/audiobook).",
        (),
    ),
}


# What would turn the traceback on, or force colour or another width (typer's and rich's).
UNSET = (
    DEBUG_ENV,
    "FORCE_COLOR",
    "PY_COLORS",
    "GITHUB_ACTIONS",
    "TTY_COMPATIBLE",
    "TERMINAL_WIDTH",
)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command line, in a terminal 140 columns wide without colour, and without
    AUDIOBOOK_DEBUG whatever the tests' own environment says."""
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env |= {"COLUMNS": "140", "TERM": "dumb", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "audiobook", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip


def help_lines(*command: str, cwd: Path) -> list[str]:
    """COMMAND's help, each line without the panel's border, its runs of spaces made one."""
    result = run(*command, "--help", cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = (line.strip().strip("│").split() for line in result.stdout.splitlines())
    return [" ".join(words) for words in lines if words]


def test_the_apps_help_lists_every_command_with_its_summary_in_order(tmp_path: Path) -> None:
    lines = help_lines(cwd=tmp_path)
    assert "Turn a manuscript into a mastered, tagged text-to-speech audiobook, offline." in lines
    assert DEBUG_LINE in lines
    first = next(i for i, line in enumerate(lines) if line.startswith("╭─ Commands"))
    listed = lines[first + 1 : first + 1 + len(HELP)]
    assert listed == [f"{name} {summary}" for name, (summary, _) in HELP.items()]
    assert lines[first + 1 + len(HELP)].startswith("╰─")  # and no command without a test here


@pytest.mark.parametrize("command", HELP)
def test_each_commands_help_shows_what_is_written_in_it(command: str, tmp_path: Path) -> None:
    summary, shown = HELP[command]
    lines = help_lines(command, cwd=tmp_path)
    assert lines[0].startswith(f"Usage: python -m audiobook {command} [OPTIONS]")
    assert lines[1] == summary
    text = " ".join(lines)  # a long help line wraps where the terminal's width says
    for line in (*shown, DEBUG_LINE):
        assert line in text


MISSING = "audiobook: error: missing: no such file or folder; check the path"


def test_an_error_is_one_line_without_debug(tmp_path: Path) -> None:
    result = run("render", "missing", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == MISSING + "\n"


@pytest.mark.parametrize(
    "args",
    [("render", "missing", "--debug"), ("render", "--debug", "missing"),
     ("--debug", "render", "missing")],
    ids=["after the command", "among its arguments", "before the command"],
)  # fmt: skip
def test_debug_before_or_after_the_command_adds_the_traceback(
    args: tuple[str, ...], tmp_path: Path
) -> None:
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2  # the exit code of the error, as without --debug
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    lines = result.stderr.splitlines()
    assert "audiobook.core.errors.InputError: missing: no such file or folder" in lines[-2]
    assert lines[-1] == MISSING


def test_in_process_the_one_handler_and_debug_after_the_command_work_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """cli.app called in this process (as the fault tests call it) goes through the one handler
    too; and --debug after the command sets the environment the render's workers inherit."""
    monkeypatch.setenv(DEBUG_ENV, "0")  # off, and put back as it was after the test
    missing = str(tmp_path / "missing")
    quiet = CliRunner().invoke(cli.app, ["chapters", missing])
    assert (quiet.exit_code, quiet.stderr) == (2, f"audiobook: error: {missing}: no such file "
                                                  "or folder; check the path\n")  # fmt: skip
    assert os.environ[DEBUG_ENV] == "0"
    loud = CliRunner().invoke(cli.app, ["chapters", missing, "--debug"])
    assert loud.exit_code == 2
    assert "Traceback" in loud.stderr
    assert os.environ[DEBUG_ENV] == "1"


@pytest.mark.parametrize(
    ("output", "files"),
    [
        ("", "the-harbour-book.mp3, the-harbour-book.m4b, the-harbour-book.m3u8, metadata.json, "
             "the-harbour-book.vtt, the-harbour-book.srt, the-harbour-book.epub"),
        ("captions = false\nreadalong = false\n",
         "the-harbour-book.mp3, the-harbour-book.m4b, the-harbour-book.m3u8, metadata.json"),
    ],
    ids=["every output", "no captions, no read-along"],
)  # fmt: skip
def test_a_render_names_the_whole_book_files_it_wrote_in_the_registrys_order(
    output: str, files: str, tmp_path: Path
) -> None:
    write_book(tmp_path)
    voices = tmp_path / "voices.toml"
    voices.write_text(voices.read_text() + f"\n[output]\n{output}", encoding="utf-8")
    result = run("render", "--jobs", "2", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"whole book: {files}" in result.stdout.splitlines()
