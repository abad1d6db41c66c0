"""The house's layering (pyproject.toml, [tool.importlinter]) holds, and breaking it is caught."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_the_layers_and_wings_keep_their_contracts() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_wing_importing_upwards_or_sideways_breaks_the_contract(tmp_path: Path) -> None:
    """A copy of the package where the text reader imports the render and an engine: caught."""
    shutil.copytree(REPO / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    reader = tmp_path / "src" / "audiobook" / "readers" / "text.py"
    reader.write_text(
        reader.read_text(encoding="utf-8")
        + "\nfrom audiobook.pipeline import render  # noqa: E402\n"
        + "from audiobook.engines import worker\n",
        encoding="utf-8",
    )
    result = lint_imports(tmp_path, env={"PYTHONPATH": str(tmp_path / "src")})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "audiobook.readers.text -> audiobook.pipeline.render" in result.stdout
    assert "audiobook.readers.text -> audiobook.engines.worker" in result.stdout
    assert "the wings, formats, core BROKEN" in result.stdout  # the layers
    assert "inside a room BROKEN" in result.stdout  # and the upward import made a cycle


@pytest.mark.slow  # 10 s of the edit loop's minute: `make lint` runs it there
def test_the_package_type_checks() -> None:
    """mypy (pyproject.toml's [tool.mypy], pydantic's plugin) finds no error in src/: the same
    check as `make lint`, here so that CI holds it too."""
    mypy = Path(sys.executable).parent / "mypy"
    result = subprocess.run(
        [str(mypy), "--cache-dir", os.devnull],  # no cache left in the checkout
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found"), result.stdout
