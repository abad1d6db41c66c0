"""check's results as CI reads them (JUnit XML, JSON), and the pinned durations of a reviewed
render (`check --save-expect`, `--expect`)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from audiobook.core.errors import InputError
from audiobook.core.manifest import read_manifest
from audiobook.formats.tags import mp3_info
from audiobook.outputs.interface import Result

__all__ = ["Result", "junit_xml", "load_expect", "pinned_durations", "results_json"]


def junit_xml(results: list[Result]) -> str:
    """JUnit XML: one test case per file and check, for CI systems to display."""
    failures = sum(not r.ok for r in results)
    suite = ElementTree.Element(
        "testsuite", name="audiobook check", tests=str(len(results)), failures=str(failures)
    )
    for r in results:
        case = ElementTree.SubElement(suite, "testcase", classname=r.file, name=r.check)
        if not r.ok:
            ElementTree.SubElement(case, "failure", message=r.detail).text = r.detail
        else:
            ElementTree.SubElement(case, "system-out").text = r.detail
    root = ElementTree.Element("testsuites", tests=str(len(results)), failures=str(failures))
    root.append(suite)
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def results_json(results: list[Result]) -> dict[str, Any]:
    return {"ok": all(r.ok for r in results), "checks": [asdict(r) for r in results]}


def pinned_durations(folder: Path) -> dict[str, float]:
    """The durations of a reviewed render, to pin with `check --expect`."""
    return {c.file: mp3_info(folder / c.file).seconds for c in read_manifest(folder).chapters}


def load_expect(path: Path) -> dict[str, float]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): float(v) for k, v in data["durations"].items()}
    except FileNotFoundError:
        raise InputError("file not found", path=path) from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(
            f"not a durations file ({exc})", path=path, hint="write one with --save-expect"
        ) from None
