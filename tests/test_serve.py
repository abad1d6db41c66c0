"""`audiobook serve`: a real uvicorn server on 127.0.0.1, asked over real sockets.

Range answers are what phones' players need to play and seek; the traversal cases are sent as raw
request lines because HTTP clients (httpx among them) normalise `..` out of a URL before sending
it, which would test the client rather than the server. Every server here listens on 127.0.0.1
only, on a port the kernel picks, and is stopped at the end; every request has a timeout.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from audiobook.core.errors import EXIT_BAD_INPUT, InputError  # noqa: E402
from audiobook.publish import serve as serving  # noqa: E402

from .conftest import SERVER_START_LIMIT_S, first_answer  # noqa: E402

LOOPBACK = "127.0.0.1"
TIMEOUT = 60.0  # a bound on a request that would hang, not how long one may take
MP3 = bytes((i * 7 + i // 256) % 256 for i in range(5000))  # deterministic, no two 256-runs alike
SECRET = b"TOP-SECRET-not-part-of-the-site"


def _write_site(root: Path) -> Path:
    """A small published site in ROOT/site, a secret file beside it and symlinks pointing out."""
    site = root / "site"
    site.mkdir()
    (site / "index.html").write_text(
        "<!doctype html><title>Book</title><audio src='chapter.mp3'></audio>\n", encoding="utf-8"
    )
    (site / "chapter.mp3").write_bytes(MP3)
    (site / "book.m4b").write_bytes(b"\x00\x00\x00\x20ftypM4B " + bytes(range(256)) * 4)
    (site / "feed.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel/></rss>\n',
        encoding="utf-8",
    )
    (site / "chapter.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n", "utf-8")
    (site / "chapter.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nHello\n", "utf-8")
    (site / "chapters.json").write_text('{"version": "1.2.0", "chapters": []}', "utf-8")
    (site / "book.m3u8").write_text("#EXTM3U\nchapter.mp3\n", "utf-8")
    (site / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 60)
    with zipfile.ZipFile(site / "book-chapters.zip", "w") as archive:
        archive.writestr("chapter.mp3", MP3)
    (site / "notes").mkdir()  # a folder without index.html: never listed
    (site / "notes" / "a.txt").write_text("a", "utf-8")
    (site / ".hidden").write_text("editor dropping", "utf-8")
    (site / "inside.mp3").symlink_to("chapter.mp3")  # a symlink that stays inside: served
    (root / "secret.txt").write_bytes(SECRET)
    (site / "leak.txt").symlink_to(root / "secret.txt")
    (site / "leakdir").symlink_to(root, target_is_directory=True)
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not hasattr(os, "symlink") or sys.platform == "win32":
        pytest.skip("the site's symlinks need a POSIX file system")
    return _write_site(tmp_path_factory.mktemp("serve"))


@contextmanager
def running(site: Path) -> Iterator[str]:
    """The real server (serve's own uvicorn set-up) of SITE in a thread; yields its base URL."""
    sock = serving._bind(LOOPBACK, 0)
    port = sock.getsockname()[1]
    server = serving._server(serving.make_app(site))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_LIMIT_S  # a bound, not an expectation
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        assert server.started, "the server did not start"
        yield f"http://{LOOPBACK}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        sock.close()
    assert not thread.is_alive(), "the server did not stop"


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    with running(site) as url:
        yield url


@pytest.fixture(scope="module")
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=TIMEOUT, trust_env=False) as http:
        yield http


def raw_get(base: str, target: str, method: str = "GET") -> tuple[int, bytes]:
    """(status, body) for a request line sent as written: no client rewrites TARGET."""
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection((LOOPBACK, port), timeout=TIMEOUT) as conn:
        conn.sendall(
            f"{method} {target} HTTP/1.1\r\nHost: {LOOPBACK}:{port}\r\n"
            "Connection: close\r\n\r\n".encode("latin-1")
        )
        chunks = []
        for _ in range(1000):  # bounded: the answers here are a few KiB
            chunk = conn.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    response = b"".join(chunks)
    status_line, _, rest = response.partition(b"\r\n")
    _, _, body = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), body


# Range requests, as a phone's player sends them -------------------------------------------------


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=100-199", 100, 199),  # a closed range
        ("bytes=-50", 4950, 4999),  # the last 50 bytes (a player reading tags at the end)
        ("bytes=1000-", 1000, 4999),  # from an offset to the end (a seek)
        ("bytes=0-1", 0, 1),  # Safari's first probe
        ("bytes=4000-999999", 4000, 4999),  # an end past the file is cut at the file's end
        ("bytes=-99999", 0, 4999),  # a suffix longer than the file is the whole file
    ],
)
def test_range_answers_206_with_exactly_those_bytes(
    client: httpx.Client, header: str, start: int, end: int
) -> None:
    response = client.get("/chapter.mp3", headers={"Range": header})
    assert response.status_code == 206
    assert response.content == MP3[start : end + 1]
    assert response.headers["content-range"] == f"bytes {start}-{end}/5000"
    assert response.headers["content-length"] == str(end - start + 1)
    assert response.headers["content-type"] == "audio/mpeg"


def test_unsatisfiable_range_is_416_with_the_size(client: httpx.Client) -> None:
    response = client.get("/chapter.mp3", headers={"Range": "bytes=5000-5100"})
    assert response.status_code == 416
    assert response.headers["content-range"] == "bytes */5000"


def test_plain_get_is_200_whole_file_and_offers_ranges(client: httpx.Client) -> None:
    response = client.get("/chapter.mp3")
    assert response.status_code == 200
    assert response.content == MP3
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-length"] == "5000"
    assert "etag" in response.headers and "last-modified" in response.headers


def test_head_has_the_headers_and_no_body(client: httpx.Client) -> None:
    response = client.head("/chapter.mp3")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == "5000"
    assert response.headers["accept-ranges"] == "bytes"
    ranged = client.head("/chapter.mp3", headers={"Range": "bytes=100-199"})
    assert ranged.status_code == 206
    assert ranged.content == b""
    assert ranged.headers["content-range"] == "bytes 100-199/5000"


def test_if_range_with_a_stale_validator_gets_the_whole_new_file(client: httpx.Client) -> None:
    # A player resuming a file that was published again must not splice two versions.
    response = client.get("/chapter.mp3", headers={"Range": "bytes=100-199", "If-Range": '"old"'})
    assert response.status_code == 200
    assert response.content == MP3
    etag = response.headers["etag"]
    same = client.get("/chapter.mp3", headers={"Range": "bytes=100-199", "If-Range": etag})
    assert same.status_code == 206 and same.content == MP3[100:200]


def test_a_revalidation_is_a_304(client: httpx.Client) -> None:
    etag = client.head("/chapter.mp3").headers["etag"]
    response = client.get("/chapter.mp3", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""


def test_ranges_of_the_m4b_too(client: httpx.Client, site: Path) -> None:
    data = (site / "book.m4b").read_bytes()
    response = client.get("/book.m4b", headers={"Range": "bytes=8-11"})
    assert response.status_code == 206
    assert response.content == data[8:12] == b"M4B "
    assert response.headers["content-type"] == "audio/mp4"


# Content types ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/chapter.mp3", "audio/mpeg"),
        ("/book.m4b", "audio/mp4"),
        ("/book.m3u8", "audio/mpegurl"),
        ("/chapter.vtt", "text/vtt; charset=utf-8"),
        ("/chapter.srt", "application/x-subrip"),
        ("/chapters.json", "application/json"),
        ("/feed.xml", "application/rss+xml"),
        ("/book-chapters.zip", "application/zip"),
        ("/cover.jpg", "image/jpeg"),
    ],
)
def test_content_types_are_the_registered_ones(
    client: httpx.Client, path: str, expected: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == expected
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-cache"


def test_content_type_table_ignores_case_and_falls_back_to_a_download() -> None:
    assert serving.content_type("BOOK.M4B") == "audio/mp4"
    assert serving.content_type("Chapter.MP3") == "audio/mpeg"
    assert serving.content_type("thing.unknownext") == "application/octet-stream"


# Only the site, nothing around it ---------------------------------------------------------------


def test_root_is_the_index_page(client: httpx.Client, site: Path) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.content == (site / "index.html").read_bytes()


def test_a_symlink_that_stays_inside_the_site_is_served(client: httpx.Client) -> None:
    response = client.get("/inside.mp3", headers={"Range": "bytes=0-9"})
    assert response.status_code == 206 and response.content == MP3[:10]


@pytest.mark.parametrize("path", ["/notes", "/notes/", "/leakdir/", "/missing.mp3"])
def test_folders_are_never_listed(client: httpx.Client, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 404
    assert b"a.txt" not in response.content and b"secret" not in response.content


def test_hidden_files_are_not_served(client: httpx.Client) -> None:
    assert client.get("/.hidden").status_code == 404


def test_only_get_and_head(client: httpx.Client) -> None:
    assert client.post("/chapter.mp3", content=b"x").status_code == 405
    assert client.put("/index.html", content=b"x").status_code == 405


@pytest.mark.parametrize(
    "target",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/..%2fsecret.txt",
        "/..%2f..%2fetc%2fpasswd",
        "/%2e%2e%2fsecret.txt",
        "/.%2e/secret.txt",
        "/notes/../../secret.txt",
        "/notes/%2e%2e/%2e%2e/secret.txt",
        "/..%5csecret.txt",  # a backslash: a separator on Windows only
        "/..\\secret.txt",
        "//etc/passwd",  # absolute-path tricks: the site's root is not the disk's
        "/%2fetc%2fpasswd",
        "/%2F{secret}",
        "//{secret}",
        "http://127.0.0.1/../secret.txt",  # an absolute-form request target
        "/leak.txt",  # a symlink inside the site pointing out of it
        "/leakdir/secret.txt",  # a symlinked folder pointing out
        "/secret.txt%00.mp3",  # a NUL byte
    ],
)
def test_nothing_outside_the_site_is_served(server: str, site: Path, target: str) -> None:
    secret = (site.parent / "secret.txt").as_posix().lstrip("/")
    status, body = raw_get(server, target.format(secret=secret.replace("/", "%2F")))
    assert status in (400, 404), (target, status)
    assert SECRET not in body
    assert b"root:" not in body  # /etc/passwd


def test_the_traversal_cases_would_find_the_secret_if_unguarded(site: Path) -> None:
    # The raw requests above mean something: the secret really is where `..` points.
    assert (site / ".." / "secret.txt").read_bytes() == SECRET
    assert (site / "leak.txt").read_bytes() == SECRET


# The port, the site, the addresses, the QR code -------------------------------------------------


def test_serve_refuses_a_port_in_use_naming_it_before_saying_anything(site: Path) -> None:
    said: list[str] = []
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind((LOOPBACK, 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InputError) as caught:
            serving.serve(site, host=LOOPBACK, port=port, say=said.append)
    assert said == []
    error = caught.value
    assert error.exit_code == EXIT_BAD_INPUT
    assert f"{LOOPBACK}:{port}" in str(error) and "in use" in str(error)
    assert "--port" in str(error)
    assert "\n" not in str(error)


def test_serve_refuses_an_address_not_of_this_machine(site: Path) -> None:
    with pytest.raises(InputError) as caught:  # TEST-NET-3: no machine has it (bind only)
        serving.serve(site, host="203.0.113.7", port=0, say=lambda line: None)
    assert "203.0.113.7:0" in str(caught.value) and "--host" in str(caught.value)


@pytest.mark.parametrize("make", ["empty", "missing", "file"])
def test_serve_refuses_a_folder_that_is_not_a_site(tmp_path: Path, make: str) -> None:
    target = tmp_path / "not-a-site"
    if make == "empty":
        target.mkdir()
        (target / "feed.xml").write_text("<rss/>", "utf-8")
    elif make == "file":
        target.write_text("index.html", "utf-8")
    with pytest.raises(InputError) as caught:
        serving.serve(target, host=LOOPBACK, port=0, say=lambda line: None)
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert str(caught.value) == f"{target}: not a published site; run audiobook publish"


def test_addresses_for_loopback_is_the_loopback_url() -> None:
    assert serving.addresses(LOOPBACK, 8123) == ["http://127.0.0.1:8123/"]
    assert serving.addresses("localhost", 8123) == ["http://localhost:8123/"]
    assert serving.addresses("::1", 8123) == ["http://[::1]:8123/"]


class _NoSendSocket(socket.socket):
    """A socket that fails the test if anything tries to send with it."""

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("addresses() must not send anything")

    send = sendall = sendto = sendmsg = _refuse  # type: ignore[assignment]


def test_addresses_for_the_network_lists_urls_without_sending(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socket, "socket", _NoSendSocket)
    urls = serving.addresses("0.0.0.0", 8123)
    assert urls[0] == "http://127.0.0.1:8123/"
    assert all(url.startswith("http://") and url.endswith(":8123/") for url in urls)
    assert len(urls) == len(set(urls))
    assert not any("0.0.0.0" in url for url in urls)


def test_qr_text_is_several_lines_of_blocks_that_are_the_code() -> None:
    segno = pytest.importorskip("segno")
    url = "http://192.168.1.20:8000/"
    text = serving.qr_text(url)
    lines = text.splitlines()
    assert len(lines) >= 10
    assert len({len(line) for line in lines}) == 1  # a rectangle
    assert set(text) <= {" ", "\u2580", "\u2584", "\u2588", "\n"}
    assert "\u2588" in text and " " in text
    assert "\x1b" not in text  # no escape codes: plain text anywhere
    # The text read back, two module rows a character, is segno's matrix with its quiet zone.
    dark = {" ": (1, 1), "\u2580": (0, 1), "\u2584": (1, 0), "\u2588": (0, 0)}
    rows: list[list[int]] = []
    for line in lines:
        pairs = [dark[char] for char in line]
        rows += [[top for top, _ in pairs], [bottom for _, bottom in pairs]]
    expected = [list(row) for row in segno.make(url, error="m").matrix_iter(border=4)]
    assert rows[: len(expected)] == expected
    assert all(not any(row) for row in rows[len(expected) :])


def test_on_the_network_the_qr_code_is_of_the_lan_url() -> None:
    pytest.importorskip("segno")
    said: list[str] = []
    serving._say_qr(["http://192.168.1.20:8000/"], said.append)
    assert said == [serving.qr_text("http://192.168.1.20:8000/")]
    said.clear()
    serving._say_qr([], said.append)  # no network: a note, not a code of the loopback URL
    assert len(said) == 1 and "no network address" in said[0]


def test_require_names_the_extra_when_the_server_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    serving.require()  # installed here
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if not installed: import fails
    with pytest.raises(InputError) as caught:
        serving.require()
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert str(caught.value) == (
        "audiobook serve needs starlette and uvicorn; pip install 'audiobook[serve]'"
    )


def test_importing_the_module_loads_no_server() -> None:
    code = (
        "import sys, audiobook.publish.serve\n"
        "print(sorted(m for m in ('starlette', 'uvicorn', 'segno') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


# A site published without a base URL: its feed made at the address it is asked at -----------


def _write_site_without_feed(root: Path) -> Path:
    """A small site as publish writes one without --base-url: no feed.xml, a site.json."""
    site = root / "bare"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>Book</title>\n", encoding="utf-8")
    (site / "01-one.mp3").write_bytes(MP3)
    (site / "02-two.mp3").write_bytes(MP3[:3000])
    (site / "01-one.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nOne\n", "utf-8")
    (site / "book.m4b").write_bytes(b"\x00\x00\x00\x20ftypM4B " + bytes(range(256)))
    (site / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 60)
    (site / "chapters.json").write_text(
        '{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "One"}, '
        '{"startTime": 1.5, "title": "Two"}]}', "utf-8",
    )  # fmt: skip
    chapter = {"bytes": 5000, "seconds": 1.5, "transcript": None, "text": None}
    document = {
        "format": 1, "generator": "audiobook", "title": "A <b>Bare</b> Book",
        "author": "Test Author", "narrator": "", "description": "", "language": "en",
        "year": None, "base_url": None, "feed": None,
        "published": "2024-05-01T12:00:02+00:00",
        "cover": {"page": "cover.jpg", "feed": "cover.jpg"},
        "sources": [{"src": "book.m4b", "type": "audio/mp4", "starts": [0.0, 1.5]}],
        "chapters": [
            {**chapter, "index": 1, "title": "One", "file": "01-one.mp3", "guid": "g-1",
             "published": "2024-05-01T12:00:00+00:00", "transcript": "01-one.vtt"},
            {**chapter, "index": 2, "title": "Two", "file": "02-two.mp3", "bytes": 3000,
             "guid": "g-2", "published": "2024-05-01T12:00:01+00:00"},
        ],
        "whole_book": {"file": "book.m4b", "bytes": 268, "seconds": 3.0, "guid": "g-book",
                       "chapters_json": "chapters.json"},
        "downloads": [{"href": "book.m4b", "label": "The whole book", "bytes": 268}],
        "total_download": 268, "files": {"index.html": 37},
    }  # fmt: skip
    (site / "site.json").write_text(json.dumps(document), encoding="utf-8")
    return site


@pytest.fixture(scope="module")
def bare_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running(_write_site_without_feed(tmp_path_factory.mktemp("bare"))) as url:
        yield url


def test_a_site_without_a_feed_gets_one_based_where_it_is_asked(bare_server: str) -> None:
    feedparser = pytest.importorskip("feedparser")
    with httpx.Client(base_url=bare_server, timeout=TIMEOUT, trust_env=False) as http:
        answer = http.get("/feed.xml")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/rss+xml"
        assert answer.headers["x-content-type-options"] == "nosniff"
        feed = feedparser.parse(answer.content)
        assert not feed.bozo, feed.bozo_exception
        assert feed.feed.title == "A <b>Bare</b> Book"  # text, escaped in the XML
        assert feed.feed.link == bare_server + "/"
        enclosures = [(e.href, int(e.length)) for item in feed.entries for e in item.enclosures]
        assert [href for href, _ in enclosures] == [
            f"{bare_server}/01-one.mp3", f"{bare_server}/02-two.mp3", f"{bare_server}/book.m4b"
        ]  # fmt: skip
        for href, length in enclosures:
            got = http.get(href)
            assert got.status_code == 200 and len(got.content) == length
        assert http.get(feed.feed.image.href).status_code == 200
        # Asked by another name of the same server, the feed is based there.
        other = http.get("/feed.xml", headers={"Host": "books.local:8000"})
        assert "http://books.local:8000/01-one.mp3" in other.text and LOOPBACK not in other.text
        head = http.head("/feed.xml")
        assert head.status_code == 200 and head.content == b""


def test_a_host_header_that_is_no_address_is_not_put_in_the_feed(bare_server: str) -> None:
    status, body = raw_get(bare_server, "/feed.xml")  # Host: the server's own address
    assert status == 200 and f"{bare_server}/01-one.mp3".encode() in body
    port = int(bare_server.rsplit(":", 1)[1])
    with socket.create_connection((LOOPBACK, port), timeout=TIMEOUT) as conn:
        conn.sendall(b'GET /feed.xml HTTP/1.1\r\nHost: a"><b>x\r\nConnection: close\r\n\r\n')
        answer = b"".join(iter(lambda: conn.recv(65536), b""))
    assert answer.startswith(b"HTTP/1.1 ") and b"<b>x" not in answer and b'a">' not in answer


def test_serve_refuses_a_site_whose_site_json_is_tampered(tmp_path: Path) -> None:
    site = _write_site_without_feed(tmp_path)
    document = json.loads((site / "site.json").read_text(encoding="utf-8"))
    document["chapters"][1]["file"] = "../secret.txt"
    (site / "site.json").write_text(json.dumps(document), encoding="utf-8")
    said: list[str] = []
    with pytest.raises(InputError) as caught:
        serving.serve(site, host=LOOPBACK, port=0, say=said.append)
    assert said == [] and caught.value.exit_code == EXIT_BAD_INPUT
    assert str(caught.value).startswith(f"{site / 'site.json'}: not as audiobook publish wrote it")
    assert "\n" not in str(caught.value)


# The whole command, as a user runs it -----------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT, as Ctrl-C does")
def test_serve_prints_the_url_serves_and_returns_on_ctrl_c(site: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from audiobook.publish.serve import serve\n"
        "serve(Path(sys.argv[1]), host='127.0.0.1', port=0, say=lambda s: print(s, flush=True))\n"
        "print('returned', flush=True)\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", code, str(site)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            assert child.stdout is not None
            url = child.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:") and url.endswith("/"), url
            assert child.stdout.readline().strip() == "Press Ctrl-C to stop."
            # The socket is bound before the URL is said, and listened on once uvicorn has
            # started: asked until it answers.
            response = first_answer(url + "chapter.mp3", child, headers={"Range": "bytes=-50"})
            assert response.status_code == 206
            assert response.content == MP3[-50:]
            child.send_signal(signal.SIGINT)
            out, err = child.communicate(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
    assert child.returncode == 0, err
    assert out.strip() == "returned"  # nothing else on stdout: no access log, no banner
    assert "Traceback" not in err and "GET /" not in err
