"""Run each benchmark step as a real subprocess and measure it: wall time, the child's peak RSS
(``wait4``), and for provisioner the API calls the sandbox saw."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.workload import Workload
from provisioner import httpclient
from provisioner.sandbox import SandboxConfig, SandboxServer
from provisioner.sandbox.config import InfobipChoices, SinchChoices


@dataclass
class Step:
    tool: str  # provision | terraform
    n: int
    name: str  # create | plan-nochange | plan-10pct | apply-10pct | delete-10pct
    wall_s: float
    rss_mb: float
    exit: int
    reads: int | None = None  # API read calls made (provision only)
    writes: int | None = None  # API write calls made (provision only)
    bound: int | None = None  # minimal reads (plans) or the number of changes (applies)

    def line(self) -> str:
        calls = ""
        if self.reads is not None:
            calls = f"  reads {self.reads} writes {self.writes} (bound {self.bound})"
        head = f"{self.tool:9} N={self.n:<6} {self.name:14} {self.wall_s:8.2f} s {self.rss_mb:7.1f} MB"
        return f"{head} exit {self.exit}{calls}"

    def to_json(self) -> dict[str, object]:
        return asdict(self)


PLAN_REPEATS = 3  # plans change nothing, so each is run three times and the median kept


def _repeats(step: str) -> int:
    return PLAN_REPEATS if step.startswith("plan") else 1


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float, int, str]:
    """Wall seconds, peak RSS (MB) and exit code of one child process, plus its stderr tail."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, proc.returncode, err.decode(errors="replace")[-2000:]


# ---------------------------------------------------------------- provisioner
def provision_steps(n: int, work: Path) -> list[Step]:
    load = Workload(n)
    work.mkdir(parents=True)
    per_country = max(1000, n)
    # Asynchronous state machines settle at once and the sandbox throttles nothing: this measures
    # the engine; provider rate limits are bench/ratelimit.py's subject.
    config = SandboxConfig(
        inventory_size=per_country,
        sinch=SinchChoices(credential_activation_seconds=0),
        infobip=InfobipChoices(throttling=False),
    )
    server = SandboxServer(config).start()
    try:
        admin = server.admin_url
        base = [sys.executable, "-m", "provisioner", "--sandbox-url", admin, "--state", str(work / "state")]
        env = {"NO_COLOR": "1"}
        for key in [k for k in os.environ if k.startswith(("VONAGE_", "SINCH_", "INFOBIP_", "PROVISION_"))]:
            env[key] = ""  # never a real account
        # "Without a rate limit": Infobip's published per-operation limits (1/s for applications and
        # entities) would otherwise bound the run, not the engine.
        env["PROVISION_RATE_LIMIT_INFOBIP"] = "off"
        manifest = work / "m.yaml"

        def step(name: str, args: list[str], bound: int, expect: tuple[int, ...]) -> Step:
            walls = []
            for _ in range(_repeats(name)):
                httpclient.delete(f"{admin}/_sandbox/requests", timeout=60).raise_for_status()
                wall, rss, code, err = run([*base, *args], work, env)
                if code not in expect:
                    raise SystemExit(f"provision {name} at N={n} exited {code}:\n{err}")
                walls.append(wall)
            wall = statistics.median(walls)
            log = httpclient.get(f"{admin}/_sandbox/requests", timeout=120).json()
            reads = sum(1 for r in log if r["method"] == "GET")
            writes = sum(1 for r in log if r["method"] != "GET" and r["api"] != "sinch.auth")  # a token is no write
            return Step("provision", n, name, wall, rss, code, reads, writes, bound)

        manifest.write_text(load.manifest())
        steps = [step("create", ["apply", "--auto-approve", str(manifest)], n, (0,))]
        steps.append(step("plan-nochange", ["plan", "--detailed-exitcode", str(manifest)], load.read_bound(), (0,)))
        manifest.write_text(load.manifest(changed=True))
        steps.append(step("plan-10pct", ["plan", "--detailed-exitcode", str(manifest)], load.read_bound(), (2,)))
        steps.append(step("apply-10pct", ["apply", "--auto-approve", str(manifest)], load.changes(), (0,)))
        manifest.write_text(load.manifest(changed=True, deleted=True))
        steps.append(step("delete-10pct", ["apply", "--auto-approve", str(manifest)], load.changes(), (0,)))
        return steps
    finally:
        server.stop()


# ---------------------------------------------------------------- terraform_data
def terraform_steps(n: int, work: Path, terraform: str) -> list[Step]:
    """The research anchor's procedure (shared/research/iac-anchors.md §4): N terraform_data
    resources, local backend, no provider download."""
    work.mkdir(parents=True)
    env = {"TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "TF_CLI_ARGS": "-no-color"}

    def write(changed: bool) -> None:
        value = ["v2" if changed and i % 10 == 0 else "v1" for i in range(n)]
        blocks = [
            f'resource "terraform_data" "r{i}" {{\n  input = {{ name = "r{i}", value = "{value[i]}" }}\n}}\n'
            for i in range(n)
        ]
        (work / "main.tf").write_text("".join(blocks))

    def step(name: str, args: list[str], expect: tuple[int, ...]) -> Step:
        walls = []
        for _ in range(_repeats(name)):
            wall, rss, code, err = run([terraform, *args], work, env)
            if code not in expect:
                raise SystemExit(f"terraform {name} at N={n} exited {code}:\n{err}")
            walls.append(wall)
        return Step("terraform", n, name, statistics.median(walls), rss, code)

    write(False)
    run([terraform, "init", "-input=false"], work, env)
    steps = [step("create", ["apply", "-auto-approve", "-input=false"], (0,))]
    steps.append(step("plan-nochange", ["plan", "-detailed-exitcode", "-input=false"], (0,)))
    write(True)
    steps.append(step("plan-10pct", ["plan", "-detailed-exitcode", "-input=false"], (2,)))
    steps.append(step("apply-10pct", ["apply", "-auto-approve", "-input=false"], (0,)))
    return steps
