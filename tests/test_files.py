"""Writing outputs: whole files under final names, and nothing left behind."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from audiobook.core import files


@pytest.mark.parametrize("big", [False, True])
def test_atomic_write_replaces_a_file_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, big: bool
) -> None:
    monkeypatch.setattr(files, "BIG_FILE", 10 if big else 1 << 30)
    final = tmp_path / "book.mp3"
    final.write_bytes(b"old contents")
    with files.atomic_write(final) as tmp:
        tmp.write_bytes(b"new contents")
        assert final.read_bytes() == b"old contents"  # not yet
    for thread in threading.enumerate():
        if thread.name == "remove-old":
            thread.join()
    assert final.read_bytes() == b"new contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.mp3"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    final = tmp_path / "book.mp3"
    final.write_bytes(b"old contents")
    with pytest.raises(RuntimeError), files.atomic_write(final) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert final.read_bytes() == b"old contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.mp3"]


@pytest.mark.parametrize("sendfile", [True, False])
def test_append_file_copies_from_an_offset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sendfile: bool
) -> None:
    if not sendfile:  # as on Windows
        monkeypatch.delattr(files.os, "sendfile", raising=False)
    source = tmp_path / "a.bin"
    source.write_bytes(bytes(range(256)) * 1000)
    sink = tmp_path / "b.bin"
    sink.write_bytes(b"head")
    with sink.open("r+b") as out:
        out.seek(0, 2)
        files.append_file(source, out.fileno(), 100)
    assert sink.read_bytes() == b"head" + source.read_bytes()[100:]


def test_a_full_disk_said_without_a_name_names_the_file_being_written(tmp_path: Path) -> None:
    """shutil.copyfile's sendfile raises ENOSPC with no file name: the error names the file."""
    import errno

    from audiobook.core.errors import from_os_error

    final = tmp_path / "01-the-harbour.mp3"
    with pytest.raises(OSError) as raised, files.atomic_write(final):
        raise OSError(errno.ENOSPC, "No space left on device")
    said = str(from_os_error(raised.value))
    assert said.startswith(f"{final}: no space left on device"), said
    with pytest.raises(OSError) as raised, files.atomic_write(final):
        raise OSError(errno.EIO, "Input/output error")  # could be the source's: not guessed
    assert raised.value.filename is None
    assert not list(tmp_path.iterdir())
