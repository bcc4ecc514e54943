"""`python -m bench` (or `make bench`): provisioner against the sandbox, and Terraform's built-in
`terraform_data` when `terraform` is on PATH, at N = 100, 1,000 and 10,000 resources.

For each N it measures, on this machine with the sandbox in this process:
  * create all, the no-change plan, the 10%-change plan and apply, the 10%-delete apply:
    wall time (the real CLI, interpreter start included) and the CLI's peak RSS;
  * read calls of the no-change plan vs the minimal bound Σ⌈live / max page size⌉, and
    write calls of each apply vs the number of changes (from the sandbox's request log);
and the same steps for N `terraform_data` resources (up to --terraform-max: Terraform's create
time grows ~3.3× per doubling, so 10,000 would take most of an hour), then the ratio.

It prints the figures and writes bench/RESULTS.md and bench/results.json. It asserts nothing
about time: performance goals live here, not in the tests.

    python -m bench [--sizes 100,1000,10000] [--terraform-max 1000] [--label after] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
from pathlib import Path

from bench.measure import Step, provision_steps, terraform_steps
from bench.report import merge_results, render

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,1000,10000", help="comma-separated N (default 100,1000,10000)")
    ap.add_argument("--terraform-max", type=int, default=1000, help="largest N to run terraform at (0: never)")
    ap.add_argument("--label", default="current", help="name of this run in RESULTS.md (e.g. before, after)")
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    ap.add_argument("--rates", default="5,20", help="sandbox rate limits R (requests/s) for the throttled rows")
    ap.add_argument("--rate-apps", type=int, default=100, help="applications per throttled apply")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    _compile_bytecode()
    terraform = shutil.which("terraform") if args.terraform_max else None

    runs: dict[str, list[Step]] = {}
    with tempfile.TemporaryDirectory(prefix="provision-bench-") as tmp:
        for n in sizes:
            runs[f"provision:{n}"] = _show(provision_steps(n, Path(tmp) / f"p{n}"))
            if terraform and n <= args.terraform_max:
                runs[f"terraform:{n}"] = _show(terraform_steps(n, Path(tmp) / f"t{n}", terraform))
    throttled = _rate_rows(args.rate_apps, [float(r) for r in args.rates.split(",") if r.strip()])
    machine = f"{platform.machine()}, {_cpus()} CPU, Python {platform.python_version()}"
    if not args.no_write:
        data = merge_results(HERE / "results.json", args.label, machine, runs, throttled)
        (HERE / "results.json").write_text(json.dumps(data, indent=2) + "\n")
        (HERE / "RESULTS.md").write_text(render(data))
        print(f"\nwrote {HERE / 'RESULTS.md'} and results.json (run label: {args.label})")
    return 0


def _compile_bytecode() -> None:
    """What `pip install` does for a regular install. An editable install never writes bytecode
    (nor does any run under PYTHONDONTWRITEBYTECODE), so every CLI run would recompile ~100 ms of
    modules and the figures would measure the compiler, not the tool."""
    import compileall

    import provisioner

    compileall.compile_dir(str(Path(provisioner.__file__).parent), quiet=1)


def _rate_rows(apps: int, rates: list[float]) -> list[dict[str, object]]:
    """bench/ratelimit.py's apply under a sandbox limit of R requests/s, limit learned (no
    configuration): wall time vs the bound writes/R."""
    from bench.ratelimit import run
    from provisioner.sandbox import SandboxConfig, SandboxServer

    rows: list[dict[str, object]] = []
    if not rates or apps <= 0:
        return rows
    server = SandboxServer(SandboxConfig()).start()
    try:
        for rps in rates:
            row = run(server.admin_url, apps, rps, 10, False)
            print(
                f"rate-limit R={rps:g}/s  writes {row['writes']}  wall {row['wall']:.2f} s  "
                f"bound {row['bound']:.2f} s  ratio {row['ratio']:.2f}  429s {row['429']}",
                flush=True,
            )
            rows.append(row)
    finally:
        server.stop()
    return rows


def _show(steps: list[Step]) -> list[Step]:
    for s in steps:
        print(s.line(), flush=True)
    return steps


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


if __name__ == "__main__":
    sys.exit(main())
