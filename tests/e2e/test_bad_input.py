"""Bad input gets a clear error naming file:line, exit 1, and zero API calls — through the real CLI.

The malformed manifests are the data files of tests/manifest/bad/ (one case per file, with
``# expect:`` and ``# at:`` headers); here each is run through `validate` and `plan` against a
live sandbox whose request log must stay empty.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

BAD = Path(__file__).resolve().parent.parent / "manifest" / "bad"
CASES = sorted(p for p in BAD.iterdir() if p.suffix in (".yaml", ".yml") or p.is_dir()) if BAD.exists() else []


def _header(path: Path, key: str) -> str | None:
    first = path if path.is_file() else sorted(path.glob("*.yaml"))[0]
    for line in first.read_text().splitlines()[:5]:
        m = re.match(rf"#\s*{key}:\s*(.+)", line)
        if m:
            return m.group(1).strip()
    return None


def test_there_are_at_least_twenty_malformed_manifests():
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_manifest_exits_1_with_location_and_no_api_call(case: Path, project):
    target = project.dir / case.name
    if case.is_dir():
        shutil.copytree(case, target)
    else:
        shutil.copy(case, target)
    expect = _header(case, "expect")
    for args in (["validate", case.name], ["plan", case.name], ["apply", "--auto-approve", case.name]):
        result = project.cli(*args, env={"PROVISION_TEST_UNSET": ""})
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        assert re.search(r"\.ya?ml:\d+(:\d+)?: ", result.stderr), result.stderr
        if expect:
            assert expect in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert project.sandbox.requests() == []
    assert not (project.dir / "state" / "state" / "journal.jsonl").exists()


NO_ENV = """\
version: 1
providers:
  vonage:
    api_key: ${env:PROVISION_TEST_KEY}
    api_secret: ${env:PROVISION_TEST_SECRET}
resources:
  app:
    type: vonage.application
    properties:
      name: ${env:PROVISION_TEST_APP}
      capabilities:
        voice:
          webhooks:
            answer_url: {address: "${env:PROVISION_TEST_HOST}/answer", http_method: GET}
"""


def test_validate_no_env_accepts_unset_variables_and_still_catches_everything_else(project):
    """`validate --no-env` is for laptops and pre-commit hooks without the secrets: unset
    ${env:...} values are unknown, not wrong. Every other check still runs, and only validate
    takes the flag: plans always need the real values."""
    unset = {f"PROVISION_TEST_{name}": "" for name in ("KEY", "SECRET", "APP", "HOST")}
    project.write("m.yaml", NO_ENV)
    strict = project.cli("validate", "m.yaml", env=unset)
    assert strict.returncode == 1 and "environment variable PROVISION_TEST_HOST is not set" in strict.stderr
    lenient = project.cli("validate", "--no-env", "m.yaml", env=unset)
    assert lenient.returncode == 0, lenient.stderr
    assert "1 resource(s)" in lenient.stdout
    project.write("m.yaml", NO_ENV.replace("http_method: GET", "http_method: FETCH"))
    broken = project.cli("validate", "--no-env", "m.yaml", env=unset)
    assert broken.returncode == 1 and "m.yaml:14:85:" in broken.stderr and "http_method" in broken.stderr
    assert "PROVISION_TEST" not in broken.stderr  # the unset variables are not what it complains about
    plan = project.cli("plan", "--no-env", "m.yaml", env=unset)
    assert plan.returncode == 64  # a usage error: plans never run on unknown values
    assert project.sandbox.requests() == []
