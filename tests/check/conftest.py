"""Shared by check's tests: each module renders its own book once (its `rendered` fixture, the
audio folder); `book` is a copy of it for one test to damage."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def book(rendered: Path, tmp_path: Path) -> Path:
    """A copy of the module's rendered audio folder, free to damage."""
    folder = tmp_path / "audio"
    shutil.copytree(rendered, folder)
    return folder
