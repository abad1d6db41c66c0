"""The command line: parses arguments, calls the core, formats what comes back, sets exit codes.

Data goes to stdout (tables, or one JSON document with --json); progress and errors go to stderr.
Known errors are one line and exit 1 or 2; Ctrl-C exits 130; only a bug shows a traceback.

Here: the app, its commands in the order help lists them, and the one error handler around their
dispatch (AudiobookCommands.invoke), which `audiobook` and an in-process call of `app` (typer's
CliRunner) both go through. The commands live one module per command or group of commands:
render (render, catalogue, clean), book (chapters), voices (voices, say), check, publish
(publish, serve); shared holds the consoles and the options several of them take.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Annotated, Any

import typer
from rich.markup import escape
from typer.core import TyperGroup

from audiobook import __version__
from audiobook.cli import book, cast, check, publish, render, voices, words
from audiobook.cli.shared import err, out
from audiobook.core.errors import (
    DEBUG_ENV,
    EXIT_INTERRUPTED,
    EXIT_OK,
    AudiobookError,
    debug_traceback,
    from_os_error,
)


@contextlib.contextmanager
def errors_said_in_one_line() -> Iterator[None]:
    """The one place that turns known errors into one line on stderr and an exit code (the
    traceback too with --debug or AUDIOBOOK_DEBUG=1); anything else is a bug, and shows its own."""
    try:
        yield
    except AudiobookError as exc:
        debug_traceback(exc)
        err.print(f"audiobook: error: {exc}", markup=False)
        raise typer.Exit(exc.exit_code) from None
    except OSError as exc:  # the disk or the file system: one line too, with what to do
        debug_traceback(exc)
        error = from_os_error(exc)
        err.print(f"audiobook: error: {error}", markup=False)
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        err.print("audiobook: interrupted", markup=False)
        raise typer.Exit(EXIT_INTERRUPTED) from None


class AudiobookCommands(TyperGroup):
    """The app as typer builds it for each run: its commands dispatched inside the one handler,
    every help text shown as it is written, and --debug taken after a command as before it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.rich_markup_mode == "rich":  # None when TYPER_USE_RICH=0: click's plain help
            for command in (self, *self.commands.values()):
                _as_written(command)
        # The app's own --debug (its callback does the work, so it passes no value to a
        # command), given to every command too: `audiobook render --debug` is what people type
        # after seeing an error, and it should do what `audiobook --debug render` does.
        debug = next(param for param in self.params if "--debug" in param.opts)
        for command in self.commands.values():
            command.params.append(debug)

    def invoke(self, ctx: Any) -> Any:  # a click Context (typer's own copy of click, lately)
        with errors_said_in_one_line():
            return super().invoke(ctx)


def _as_written(command: Any) -> None:
    """COMMAND's help texts escaped for rich markup, so that they show as written.

    Typer's rich help reads every help text as rich markup, where a bracket opens a style: an
    unknown one vanished ("Chapters rendered at once [default: the CPU count]." showed as
    "... at once .", the catalogue's [[book]] as []), and a stray closing one ([/x]) would stop
    the help with an error. Ours are plain text; escaped, rich prints each bracket as it is.
    """
    if command.help:
        command.help = escape(command.help)
    for param in command.params:
        if getattr(param, "help", None):
            param.help = escape(param.help)


app = typer.Typer(
    cls=AudiobookCommands,
    help="Turn a manuscript into a mastered, tagged text-to-speech audiobook, offline.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

COMMANDS = (  # in the order help lists them
    render.render,
    render.catalogue,
    book.chapters,
    words.words,
    cast.cast,
    voices.voices,
    check.check,
    publish.publish,
    publish.serve,
    voices.say,
    render.clean,
)
for _command in COMMANDS:
    app.command()(_command)


def _version(value: bool) -> None:
    if value:
        out.print(f"audiobook {__version__}")
        raise typer.Exit()


def _debug(value: bool) -> None:
    if value:  # the environment, so that the render's threads and worker processes see it too
        os.environ[DEBUG_ENV] = "1"


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            callback=_debug,
            is_eager=True,
            expose_value=False,
            help="Show tracebacks with the errors (for bug reports).",
        ),
    ] = False,
) -> None:
    # Both options act in their callbacks, as they are read; --debug passes no value (it is
    # given to every command too, whose functions do not take it).
    pass


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # Ctrl-C outside a command body (e.g. during imports)
        sys.exit(EXIT_INTERRUPTED)


__all__ = ["EXIT_OK", "app", "main"]
