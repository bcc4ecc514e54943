"""`python -m bench.ratelimit`: how close a throttled apply gets to the provider's limit.

The sandbox allows R requests/s (burst R) on Vonage's application API; the real CLI applies N
applications at --parallelism P. For each R it prints the writes, R, the wall time (interpreter
start included), the bound writes/R (the fastest any client could go, bursts aside), their ratio,
and how many 429s the sandbox answered — once with no limit configured (the engine learns it
from the first 429s) and once with ``PROVISION_RATE_LIMIT_VONAGE=applications=R/s``. A last row
applies N with no sandbox limit: the fast path, whose overhead must stay negligible.

It prints figures and asserts nothing about time.

    python -m bench.ratelimit [--apps 50] [--rates 2,5,10,20] [--parallelism 10]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from provisioner import httpclient
from provisioner.sandbox import SandboxConfig, SandboxServer


def manifest(n: int) -> str:
    lines = ["version: 1", "resources:"]
    for i in range(n):
        lines += [
            f"  app-{i:04d}:",
            "    type: vonage.application",
            "    properties:",
            f"      name: Bench {i}",
            "      capabilities:",
            "        voice:",
            "          webhooks:",
            f"            answer_url: {{address: https://h{i}.example.com/answer, http_method: GET}}",
            f"            event_url: {{address: https://h{i}.example.com/event, http_method: POST}}",
        ]
    return "\n".join(lines) + "\n"


def run(admin: str, n: int, rps: float | None, parallelism: int, configured: bool) -> dict[str, float | int | str]:
    """One apply of ``n`` fresh applications; its figures."""
    httpclient.post(f"{admin}/_sandbox/reset", timeout=30).raise_for_status()
    if rps is not None:
        limit = {"api": "vonage.api", "rps": rps}
        httpclient.post(f"{admin}/_sandbox/ratelimits", json=limit, timeout=30).raise_for_status()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VONAGE_", "SINCH_", "INFOBIP_", "PROVISION_"))}
    if configured and rps is not None:
        env["PROVISION_RATE_LIMIT_VONAGE"] = f"applications={rps:g}/s"
    with tempfile.TemporaryDirectory(prefix="provision-ratelimit-") as tmp:
        Path(tmp, "m.yaml").write_text(manifest(n))
        cmd = [sys.executable, "-m", "provisioner", "--sandbox-url", admin, "--state", f"{tmp}/state"]
        started = time.perf_counter()
        done = subprocess.run(
            [*cmd, "apply", "--auto-approve", "--parallelism", str(parallelism), "m.yaml"],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"apply exited {done.returncode}:\n{done.stderr[-2000:]}")
    log = httpclient.get(f"{admin}/_sandbox/requests", params={"api": "vonage.api"}, timeout=60).json()
    writes = sum(1 for r in log if r["method"] == "POST" and r["status"] == 201)
    throttled = sum(1 for r in log if r["status"] == 429)
    bound = writes / rps if rps else 0.0
    return {
        "mode": "configured" if configured else ("learned" if rps else "no limit"),
        "writes": writes,
        "R": f"{rps:g}/s" if rps else "-",
        "wall": wall,
        "bound": bound,
        "ratio": wall / bound if bound else 0.0,
        "429": throttled,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.ratelimit", description=__doc__.split("\n\n")[0])
    ap.add_argument("--apps", type=int, default=50, help="applications per throttled apply (default 50)")
    ap.add_argument("--rates", default="2,5,10,20", help="sandbox limits R to try, requests/s (default 2,5,10,20)")
    ap.add_argument("--parallelism", type=int, default=10)
    ap.add_argument("--fast-path", type=int, default=1000, help="applications for the unthrottled row (0: skip)")
    args = ap.parse_args(argv)
    server = SandboxServer(SandboxConfig()).start()
    try:
        print(f"{'mode':11} {'writes':>6} {'R':>6} {'wall s':>8} {'bound s':>8} {'ratio':>6} {'429s':>5}")
        for rps in (float(r) for r in args.rates.split(",") if r.strip()):
            for configured in (False, True):
                _show(run(server.admin_url, args.apps, rps, args.parallelism, configured))
        if args.fast_path:
            _show(run(server.admin_url, args.fast_path, None, args.parallelism, False))
    finally:
        server.stop()
    print("bound = writes / R (the sandbox's burst of R lets the first R through at once, so ratio < 1 is possible);")
    print("wall includes interpreter start and the plan's list call.")
    return 0


def _show(row: dict[str, float | int | str]) -> None:
    bound = f"{row['bound']:8.2f}" if row["bound"] else f"{'-':>8}"
    ratio = f"{row['ratio']:6.2f}" if row["ratio"] else f"{'-':>6}"
    print(
        f"{row['mode']:11} {row['writes']:>6} {row['R']:>6} {row['wall']:8.2f} {bound} {ratio} {row['429']:>5}",
        flush=True,
    )


if __name__ == "__main__":
    raise SystemExit(main())
