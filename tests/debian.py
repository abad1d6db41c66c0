"""Tools a test needs from Debian (EPUBCheck, a browser): found, or installed once, or skipped.

When a tool is missing and `CI` is set and we are root with apt-get, the test set-up installs
its package once per test session (quietly, for at most ten minutes, updating the package lists
first when they do not know it). Otherwise, or when that fails, the test is skipped with a reason
that pytest's `-ra` summary prints: never passed silently.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable

import pytest

INSTALL_TIMEOUT = 600.0
_tried: dict[str, str | None] = {}  # package -> why its one automatic install failed (or None)


def _apt_get(args: list[str], deadline: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(
        ["apt-get", "-q", "-o", "DPkg::Lock::Timeout=300", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=max(deadline - time.monotonic(), 1.0),
        check=False,
    )


def install(package: str) -> str | None:
    """Install PACKAGE with apt-get; None when it worked, otherwise why not."""
    deadline = time.monotonic() + INSTALL_TIMEOUT
    command = ["install", "-y", "--no-install-recommends", package]
    try:
        policy = subprocess.run(
            ["apt-cache", "policy", package], capture_output=True, text=True, timeout=60
        )
        if "Candidate:" not in policy.stdout or "Candidate: (none)" in policy.stdout:
            _apt_get(["update"], deadline)
        result = _apt_get(command, deadline)
        if result.returncode != 0:
            _apt_get(["update"], deadline)  # stale lists: the archive moved on
            result = _apt_get(command, deadline)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"apt-get failed: {error}"
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:]
        return f"apt-get install {package} failed: {' '.join(tail)}"
    return None


def may_install() -> bool:
    return bool(
        os.environ.get("CI")
        and hasattr(os, "geteuid")
        and os.geteuid() == 0
        and shutil.which("apt-get")
    )


def require(package: str, find: Callable[[], str | None], what: str) -> str:
    """FIND's answer (the tool's path), installing PACKAGE first in CI; else skip the test."""
    found = find()
    if found is None and package not in _tried and may_install():
        _tried[package] = install(package)
        found = find()
    if found is None:
        reason = f"{what} is not installed: apt-get install {package}"
        if _tried.get(package):
            reason += f" (the automatic install failed: {_tried[package]})"
        pytest.skip(reason)
    return found


def chromium() -> str:
    """Debian's headless-capable Chromium, or skip the test."""
    return require(
        "chromium",
        lambda: shutil.which("chromium") or shutil.which("chromium-browser"),
        "Chromium",
    )
