"""Rate limits end to end: the sandbox throttles Vonage's application API at R requests/s, and a
parallel apply through the real CLI converges with at most a handful of 429s — learned from the
first one when no limit is configured, none at all when the limit is configured. Wall time is
the benchmark's business (bench/ratelimit.py), not asserted here."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from harness import Project, vonage_apps

R = 5  # requests per second the sandbox allows on vonage.api (burst R)
EVENTS = jsonschema.Draft202012Validator(
    json.loads((Path(__file__).resolve().parents[2] / "schemas" / "events.schema.json").read_text())
)


def _apply_throttled(project: Project, n: int, env: dict[str, str] | None = None) -> tuple[list[dict], list[dict]]:
    """Apply ``n`` applications at --parallelism 10 under the sandbox limit; the API log and the
    ``--json`` events."""
    project.write("m.yaml", vonage_apps(n, "Rate"))
    project.sandbox.admin_call("POST", "/_sandbox/ratelimits", json={"api": "vonage.api", "rps": R})
    project.sandbox.clear_log()
    result = project.cli("--json", "apply", "--auto-approve", "m.yaml", "--parallelism", "10", env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return project.sandbox.requests("vonage.api"), events


def _assert_converged(project: Project, log: list[dict], n: int) -> None:
    created = [r for r in log if r["method"] == "POST" and r["status"] == 201]
    assert len(created) == n  # every application once: a 429 is retried, never duplicated
    replan = project.cli("plan", "--detailed-exitcode", "m.yaml")
    assert replan.returncode == 0, replan.stdout + replan.stderr  # no changes


def test_an_unconfigured_limit_is_learned_from_the_first_429s_and_the_apply_converges(project):
    log, events = _apply_throttled(project, 50)
    throttled = [r for r in log if r["status"] == 429]
    assert 1 <= len(throttled) <= 5, [r["status"] for r in log]
    _assert_converged(project, log, 50)

    throttles = [e for e in events if e["event"] == "throttle"]
    assert {e["reason"] for e in throttles} >= {"retry_after", "rate"}  # paused, then paced
    assert all(e["provider"] == "vonage" and e["bucket"] == "applications" for e in throttles)
    for event in throttles:
        EVENTS.validate(event)


def test_a_configured_limit_keeps_every_call_under_it(project):
    log, events = _apply_throttled(project, 30, env={"PROVISION_RATE_LIMIT_VONAGE": f"applications={R}/s"})
    assert [r for r in log if r["status"] == 429] == []
    _assert_converged(project, log, 30)
    assert {e["reason"] for e in events if e["event"] == "throttle"} == {"rate"}


def test_text_output_shows_throttling_as_it_happens_and_in_the_summary(project):
    project.write("m.yaml", vonage_apps(20, "Rate"))
    env = {"PROVISION_RATE_LIMIT_VONAGE": "applications=4/s"}
    result = project.cli("apply", "--auto-approve", "m.yaml", "--parallelism", "10", env=env)
    assert result.returncode == 0, result.stderr
    progress = [line for line in result.stdout.splitlines() if "vonage applications:" in line]
    assert 1 <= len(progress) <= 3  # announced, not once per call
    assert "holding to the provider's rate limit" in progress[0]
    assert "Rate limits held" in result.stdout and "call(s) back for" in result.stdout
