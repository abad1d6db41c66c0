"""`audiobook serve`: a published listener site, served over HTTP so a phone can play it.

Phones' players (Safari's above all) will not play or seek audio from a server that does not
answer `Range` requests with 206 Partial Content, so a plain `http.server` will not do. The files
are served by Starlette's StaticFiles under uvicorn, which answer ranges, conditional requests and
HEAD, and keep every request inside SITE; this module adds explicit content types (a machine's
`mimetypes` table varies, and a player given `application/octet-stream` may refuse the file), a
refusal of hidden files, and the plumbing: a port checked before anything is printed, the URLs
(and a QR code for a phone when serving on the network), and a clean stop on Ctrl-C.

A site published without a base URL has no feed.xml: served, it gets one at /feed.xml, made on
the fly from its site.json (feed.site_feed) with the address it is asked at as its base, so every
enclosure is a URL this server answers. The site's site.json and chapters.json are proven before
anything is served (site_json.py): one tampered with is a one-line error, not a server that
hands out what they say.

starlette, uvicorn and segno are imported inside the functions, so importing this module is cheap
and the CLI can say which extra to install (`require`) when they are missing.

Versions, from their changelogs and source:
- starlette: `FileResponse` honours `Range` since 0.39.0 (HTTP Range, #2697). Before 0.49.1 a
  crafted multi-range header costs quadratic CPU (CVE-2025-62727); 1.1.0 rejects absolute paths
  in `StaticFiles.lookup_path` (UNC paths on Windows, CVE-2026-48818); 1.3.0 clamps a suffix
  range longer than the file (`bytes=-99999` answers the whole file rather than 416, as RFC 9110
  says); 1.5.1 rejects inverted ranges and caps a request at 100 ranges. Hence the floor 1.5.1.
  From 1.8.0 (Python 3.11+) a transfer the client abandons is cancelled instead of read to the
  end; Safari abandons many while it seeks.
- uvicorn: `Config(timeout_graceful_shutdown=...)` since 0.22.
- segno: only `make` and `matrix_iter` (stable since 0.2).
"""

from __future__ import annotations

import errno
import functools
import os
import re
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audiobook.core.errors import InputError
from audiobook.publish.site_json import SiteInfo, read_chapters_json, read_site_json

if TYPE_CHECKING:
    import uvicorn
    from starlette.applications import Starlette

FEED = "feed.xml"
# What a Host header may hold to become the feed's base URL: a name or an address, and a port.
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")

# Hosts that mean "every interface": the URLs to print are then this machine's own addresses.
_ANY_HOST = ("0.0.0.0", "::", "")

# Content types by suffix, registered here rather than taken from `mimetypes`, whose table comes
# from the machine (/etc/mime.types, the Windows registry) and differs between them.
CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".mp3": "audio/mpeg",
    # The IANA name for MPEG-4 audio (RFC 4337), which WebKit's players know and which the page's
    # <source type="audio/mp4"> declares; the audiobook-only audio/x-m4b is not one Safari's
    # media element is known to accept, so it is not used even for .m4b.
    ".m4b": "audio/mp4",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".flac": "audio/flac",
    ".wav": "audio/wav",
    # RFC 8216's name, which Safari also takes for HLS; our playlists are plain M3U8 of MP3s.
    ".m3u8": "audio/mpegurl",
    ".m3u": "audio/mpegurl",
    ".vtt": "text/vtt; charset=utf-8",  # WebVTT is UTF-8 by definition
    ".srt": "application/x-subrip",
    ".json": "application/json",
    # The site's only XML is its podcast feed; no charset, so the XML declaration governs.
    ".xml": "application/rss+xml",
    ".zip": "application/zip",
    ".epub": "application/epub+zip",
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".ico": "image/vnd.microsoft.icon",
}
FALLBACK_TYPE = "application/octet-stream"  # with nosniff: a download, never a guessed page


def content_type(path: Path | str) -> str:
    """The Content-Type this server sends for PATH (by its suffix, case-insensitive)."""
    return CONTENT_TYPES.get(Path(path).suffix.lower(), FALLBACK_TYPE)


def require() -> None:
    """Fail at once, with what to install, when the server's libraries are missing."""
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise InputError(
            "audiobook serve needs starlette and uvicorn", hint="pip install 'audiobook[serve]'"
        ) from None


def make_app(site: Path) -> Starlette:
    """An ASGI app serving the files of SITE, and nothing outside it.

    `/` is index.html; a folder is never listed; GET and HEAD only (405 otherwise); a path that
    leaves SITE, by `..` (raw or percent-encoded) or by a symlink pointing out, or that names a
    hidden file, is 404. A site without a feed.xml whose site.json says it has none gets its
    feed at /feed.xml, based at the address each request was sent to.
    """
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    root = Path(site).resolve()
    info = read_site_json(root)

    class SiteFiles(StaticFiles):
        """StaticFiles with this module's content types, headers and two more refusals."""

        async def get_response(self, path: str, scope: Any) -> Any:
            # PATH is already decoded and normalised; a part starting with "." is a hidden file
            # (.DS_Store, .git: editor and OS droppings that should not leak onto the network)
            # or a ".." that climbs out of SITE. Neither belongs to a published site.
            if any(part.startswith(".") for part in Path(path).parts):
                raise HTTPException(status_code=404)
            return await super().get_response(path, scope)

        def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
            full_path, stat_result = super().lookup_path(path)
            # Starlette already resolves symlinks and compares the result with the folder; the
            # check is repeated here so that serving stays inside SITE whatever its version.
            if stat_result is not None and not Path(full_path).resolve().is_relative_to(root):
                return "", None
            return full_path, stat_result

        def file_response(
            self, full_path: Any, stat_result: os.stat_result, scope: Any, status_code: int = 200
        ) -> Any:
            response = super().file_response(full_path, stat_result, scope, status_code)
            # The type is set after the fact because StaticFiles takes FileResponse's guess from
            # `mimetypes`; a 304 has no body and so no type.
            if "content-type" in response.headers:
                response.headers["content-type"] = content_type(full_path)
            response.headers["x-content-type-options"] = "nosniff"
            # Revalidate each time (a cheap 304 with the ETag): a phone must see a site that was
            # published again while it was being served, not a cached page.
            response.headers["cache-control"] = "no-cache"
            return response

    routes: list[Any] = []
    if info is not None and info.feed is None and not (root / FEED).exists():
        routes.append(Route("/" + FEED, _feed_endpoint(info), methods=["GET"]))
    routes.append(Mount("/", app=SiteFiles(directory=root, html=True)))
    return Starlette(routes=routes)


def _feed_endpoint(info: SiteInfo) -> Any:
    """The endpoint of /feed.xml for a site published without a base URL."""
    from starlette.responses import Response

    @functools.lru_cache(maxsize=16)  # a few addresses (loopback, LAN) asked again and again
    def feed_at(base: str) -> bytes:
        from audiobook.publish.feed import site_feed

        return site_feed(info, base)

    async def endpoint(request: Any) -> Any:
        host = request.headers.get("host", "")
        if not _HOST.match(host):  # not a name and port: the address the request came in on
            address, port = request.scope.get("server") or ("127.0.0.1", 80)
            host = _host_port(address, port)
        scheme = "https" if request.url.scheme == "https" else "http"
        try:
            body = feed_at(f"{scheme}://{host}/")
        except ImportError:  # feedgen is part of the site extra, not necessarily here
            return Response("this server has no feedgen: pip install 'audiobook[site]'\n",
                            status_code=501, media_type="text/plain")  # fmt: skip
        except ValueError:  # an address the feed cannot be based at
            return Response("no feed at this address\n", status_code=400,
                            media_type="text/plain")  # fmt: skip
        headers = {"x-content-type-options": "nosniff", "cache-control": "no-cache"}
        return Response(body, media_type=CONTENT_TYPES[".xml"], headers=headers)

    return endpoint


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to HOST:PORT (not yet listening), or InputError saying why not.

    serve() binds once and hands the socket to uvicorn, so the port checked is the port served
    (no second bind that another program could win in between).
    """
    where = _host_port(host, port)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if os.name != "nt":
            # As uvicorn does: a port whose last connections are in TIME_WAIT (the previous run)
            # is free to listen on. On Windows the option would let two servers share a port.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6 and host == "::":
            # Both stacks, so that a phone reaching this machine over IPv4 gets in too.
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind((host, port))
    except OverflowError:
        sock.close()
        raise InputError(
            f"cannot listen on {where}: no such port", hint="choose one from 1 to 65535 with --port"
        ) from None
    except OSError as exc:
        sock.close()
        raise _bind_error(where, host, port, exc) from None
    return sock


def _codes(*names: str) -> set[int]:
    """The errno values of NAMES that this platform has (the WSA ones are Windows's)."""
    return {getattr(errno, name) for name in names if hasattr(errno, name)}


def _bind_error(where: str, host: str, port: int, exc: OSError) -> InputError:
    other = f" (e.g. --port {port + 1})" if 0 < port < 65535 else ""
    if exc.errno is not None and exc.errno in _codes("EADDRINUSE", "WSAEADDRINUSE"):
        return InputError(f"{where} is in use", hint=f"choose another port with --port{other}")
    if exc.errno is not None and exc.errno in _codes("EACCES", "WSAEACCES"):
        return InputError(
            f"cannot listen on {where}: permission denied",
            hint=f"choose another port with --port{other}; below 1024 needs administrator rights",
        )
    reason = exc.strerror or str(exc)
    return InputError(
        f"cannot listen on {where}: {reason}",
        hint="choose another with --host (127.0.0.1: this machine; 0.0.0.0: the network) or --port",
    )


def _lan_ipv4() -> list[str]:
    """This machine's IPv4 addresses on its networks, found without sending a packet.

    connect() on a UDP socket only asks the kernel which route, and so which local address, a
    datagram to that address would take; nothing is sent (a datagram would need send()). One probe
    per private range finds the LAN address even on a network with no default route. The probes
    avoid each range's broadcast address, which connect() refuses. getaddrinfo(gethostname()) is
    not used: where the host name is not in the hosts file it is a DNS query, i.e. traffic.
    """
    found: list[str] = []
    for probe in ("10.254.254.254", "172.31.254.254", "192.168.254.254"):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe_socket:
                probe_socket.connect((probe, 9))
                address = probe_socket.getsockname()[0]
        except OSError:  # no route to that range: not on such a network
            continue
        if address not in found and address != "0.0.0.0" and not address.startswith("127."):
            found.append(address)
    return found


def addresses(host: str, port: int) -> list[str]:
    """The URLs to print for a server on HOST:PORT, this machine's own first.

    For 0.0.0.0 (or ::) that is the loopback URL and then one per LAN address, which is what a
    phone on the same network can open; for a named host, that host alone.
    """
    if host in _ANY_HOST:
        loopback = "http://[::1]" if host == "::" else "http://127.0.0.1"
        return [f"{loopback}:{port}/", *(f"http://{a}:{port}/" for a in _lan_ipv4())]
    return [f"http://{_host_port(host, port)}/"]


# Half blocks for a pair of QR rows (top, bottom), 1 = dark module. A dark module is drawn as a
# blank and a light one as ink: terminals are mostly light text on dark, and then this shows dark
# modules on light, as a camera wants (segno's compact terminal output does the same).
_HALF_BLOCKS = {(0, 0): "\u2588", (0, 1): "\u2580", (1, 0): "\u2584", (1, 1): " "}


def qr_text(url: str) -> str:
    """URL as a QR code in text, two module rows a line (half blocks), with its quiet zone.

    Plain text, with no escape codes, so it survives any console and a log file alike. Drawn
    for light text on a dark background (checked with zbarimg); on a light terminal it shows
    inverted, which some phone cameras do not read; the URL is printed above it for them.
    """
    import segno

    rows = [list(row) for row in segno.make(url, error="m").matrix_iter(scale=1, border=4)]
    if len(rows) % 2:
        rows.append([0] * len(rows[0]))  # the quiet zone continues below: light
    lines = (
        "".join(_HALF_BLOCKS[pair] for pair in zip(top, bottom, strict=True))
        for top, bottom in zip(rows[::2], rows[1::2], strict=True)
    )
    return "\n".join(lines)


def _server(app: Any) -> uvicorn.Server:
    """uvicorn set up for this command: quiet, local, and quick to stop."""
    import uvicorn

    config = uvicorn.Config(
        app,
        # The CLI's stdout is for data: no access log, and uvicorn's logging left unconfigured
        # (its warnings and errors go to whatever the process has, else to stderr).
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="off",  # the app has no start-up or shutdown work
        ws="none",  # nor websockets
        # No proxy in front: X-Forwarded-* from a client would only be a lie about its address.
        proxy_headers=False,
        server_header=False,
        # A phone in the middle of a chapter must not hold Ctrl-C up for long.
        timeout_graceful_shutdown=3,
    )
    return uvicorn.Server(config)


def _site(site: Path) -> Path:
    """SITE, when it is a published site whose site.json and chapters.json are as publish wrote
    them (else an InputError that names the file)."""
    if not (Path(site) / "index.html").is_file():
        raise InputError("not a published site", path=site, hint="run audiobook publish")
    info = read_site_json(Path(site))
    read_chapters_json(Path(site), len(info.chapters) if info else None)
    return Path(site)


def serve(
    site: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    say: Callable[[str], None] = print,
) -> None:
    """Serve SITE on HOST:PORT until Ctrl-C.

    Validates SITE (a folder holding index.html: else InputError 'not a published site; run
    audiobook publish'; its site.json and chapters.json as publish wrote them), binds the port
    (InputError when it is in use or cannot be bound), says the URL(s), and, when serving the
    network (0.0.0.0), a QR code of the LAN URL for a phone, then "press Ctrl-C to stop"; then
    runs uvicorn. Returns normally on Ctrl-C: that is how the command ends (the contract: exit
    0). Port 0 means any free port; the URLs name the one taken.
    """
    require()
    site = _site(site)
    sock = _bind(host, port)
    try:
        urls = addresses(host, sock.getsockname()[1])
        for url in urls:
            say(url)
        if host in _ANY_HOST:
            _say_qr(urls[1:], say)
        say("Press Ctrl-C to stop.")
        _server(make_app(site)).run(sockets=[sock])
    except KeyboardInterrupt:
        # uvicorn stops gracefully on SIGINT and then raises it again for the caller; a Ctrl-C
        # during start-up arrives here directly. Either way the server is down: a normal end.
        return
    finally:
        sock.close()


def _say_qr(lan_urls: list[str], say: Callable[[str], None]) -> None:
    if not lan_urls:
        say("(no network address found: is this machine on the phone's network?)")
        return
    try:
        say(qr_text(lan_urls[0]))
    except ImportError:  # segno is part of the serve extra, but the server runs without it
        say("(pip install segno for a QR code of the address)")
