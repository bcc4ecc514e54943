"""Every malformed manifest under bad/ fails with one precise, actionable issue.

Each case is a file (or a directory of files) whose first lines say what to expect:

    # expect: <substring of the issue>
    # at: <line>:<column>            (or <file>:<line>:<column> for a directory case)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from provisioner.errors import ManifestError
from provisioner.manifest import load_manifest

BAD = Path(__file__).resolve().parent / "bad"
CASES = sorted(p for p in BAD.iterdir() if p.suffix in (".yaml", ".yml") or p.is_dir())


def _headers(case: Path) -> tuple[str, str]:
    first = case if case.is_file() else sorted(case.glob("*.yaml"))[0]
    lines = first.read_text(encoding="utf-8").splitlines()[:5]
    found = dict(m.groups() for line in lines if (m := re.match(r"#\s*(expect|at):\s*(.+?)\s*$", line)))
    return found["expect"], found["at"]


def test_there_are_at_least_25_malformed_manifests() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_manifest_is_reported_at_its_location(case: Path) -> None:
    expect, at = _headers(case)
    with pytest.raises(ManifestError) as info:
        load_manifest([case], env={})
    issues = info.value.issues
    matching = [i for i in issues if expect in str(i)]
    assert matching, "\n".join(str(i) for i in issues)
    want_file = case.name if case.is_file() else at.rsplit(":", 2)[0]
    line, column = (int(n) for n in at.rsplit(":", 2)[-2:])
    located = [i for i in matching if i.file.endswith(want_file) and (i.line, i.column) == (line, column)]
    assert located, "\n".join(str(i) for i in matching)
    # the message itself starts with file:line:column
    assert re.match(rf".*{re.escape(want_file)}:{line}:{column}: ", str(located[0]))


def test_issues_are_sorted_by_file_line_and_column() -> None:
    with pytest.raises(ManifestError) as info:
        load_manifest(CASES, env={})
    keys = [(i.file or "", i.line or 0, i.column or 0) for i in info.value.issues]
    assert keys == sorted(keys)
    assert len({i.file for i in info.value.issues}) > 20  # every file's problems, not the first only
