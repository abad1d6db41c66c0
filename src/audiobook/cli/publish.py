"""publish and serve: a rendered book made a site for listeners, and that site served."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from audiobook.cli.shared import err, out
from audiobook.core.errors import EXIT_FAILED


def publish(
    folder: Annotated[Path, typer.Argument(help="A rendered book (with manifest.json).")] = Path(
        "audio"
    ),
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="Where the site will be served: https://host/path/. Without it, no feed.",
        ),
    ] = None,
    site: Annotated[Path, typer.Option("--out", help="Where the site goes.")] = Path("site"),
    check_only: Annotated[
        bool,
        typer.Option("--check", help="Only check the site at --out: links, sizes, marks, text."),
    ] = False,
    extras: Annotated[
        bool,
        typer.Option(
            "--extras",
            help="Also the whole book as one MP3, and a ZIP of the chapters (twice the size).",
        ),
    ] = False,
) -> None:
    """Make a static site for listeners: a page with a player and downloads, and a podcast feed.

    The audio is made listener-sized (64 kbps) and the text reads along. Without --base-url the
    site has no feed, and works from any folder or server."""
    from audiobook.publish import site as publishing
    from audiobook.publish.listener import PROFILE
    from audiobook.publish.page import human_size

    if check_only:
        problems = publishing.check_published(site)
        for problem in problems:
            err.print(f"audiobook: {site}: {problem}", markup=False)
        out.print(f"{site}: {'ok' if not problems else f'{len(problems)} problems'}", markup=False)
        if problems:
            raise typer.Exit(EXIT_FAILED)
        return
    done = publishing.publish(folder, base_url, site, extras=extras)
    if done.warning:
        err.print(f"audiobook: warning: {done.warning}", markup=False)
    if done.feed is None:
        err.print(f"audiobook: note: {publishing.NO_FEED_NOTE}", markup=False)
    made = done.transcoded
    out.print(f"site: {done.site} ({done.files} files, {human_size(done.bytes)})", markup=False)
    out.print(
        f"audio: {done.chapters} chapters at {PROFILE.bitrate_kbps} kbps ({made} made, "
        f"{done.chapters - made} from the cache)",
        markup=False,
    )
    out.print(f"page: {done.url or done.site / 'index.html'}", markup=False)
    if done.feed is not None:
        out.print(f"feed: {done.feed}", markup=False)


def serve(
    site: Annotated[Path, typer.Argument(help="A published site (audiobook publish).")] = Path(
        "site"
    ),
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="The port.")] = 8000,
    host: Annotated[
        str, typer.Option("--host", help="127.0.0.1 for this machine; 0.0.0.0 for the network.")
    ] = "127.0.0.1",
) -> None:
    """Serve a published site (with range requests, as players need) until Ctrl-C."""
    from audiobook.publish import serve as serving

    serving.require()
    serving.serve(site, host=host, port=port, say=lambda line: err.print(line, markup=False))
