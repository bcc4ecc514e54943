"""`make demo`: the quickstart against the built-in sandbox, narrated step by step.

Runs in a scratch copy (build/demo/) so it can be repeated: plan → apply → plan (no changes) →
someone edits the application in the provider's console → plan reports the drift → apply fixes it.
Every command shown is the real CLI, run exactly as printed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from provisioner import httpclient

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "demo"
PROVISION = [sys.executable, "-m", "provisioner"]
COLOR = sys.stdout.isatty() and "NO_COLOR" not in os.environ


def say(text: str) -> None:
    bar = "─" * 78
    body = textwrap.fill(text, 78)
    print(f"\n\033[1;34m{bar}\n{body}\n{bar}\033[0m" if COLOR else f"\n{bar}\n{body}\n{bar}", flush=True)


def run(*args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
    shown = "provision " + " ".join(args)
    print(f"\n$ {shown}", flush=True)
    proc = subprocess.run([*PROVISION, *args], cwd=WORK, text=True, capture_output=True)
    sys.stdout.write(proc.stdout)
    sys.stdout.write(proc.stderr)
    print(f"[exit code {proc.returncode}]", flush=True)
    if proc.returncode != expect:
        sys.exit(f"demo: `{shown}` exited {proc.returncode}, expected {expect}")
    return proc


def edit_in_console(app_id: str) -> None:
    """Stand-in for a person using the Vonage dashboard: an out-of-band edit through the
    sandbox's admin API on the same data (not through provision, not in its request log)."""
    server = subprocess.Popen(
        [*PROVISION, "sandbox", "serve", "--port", "0", "--data", str(WORK / ".provision" / "sandbox")],
        cwd=WORK,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        endpoints = json.loads(server.stdout.readline())
        patch = {
            "capabilities": {"voice": {"webhooks": {"answer_url": {"address": "https://old-ivr.example.net/answer"}}}}
        }
        url = f"{endpoints['admin']}/_sandbox/vonage/sandbox-key/applications/{app_id}"
        httpclient.patch(url, json=patch, timeout=10).raise_for_status()
        print(f"\n(console) changed the voice answer_url of application {app_id} to https://old-ivr.example.net/answer")
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "quickstart.yaml", WORK / "quickstart.yaml")

    say("1. Validate the manifest offline: schema, references, no API call.")
    run("validate", "quickstart.yaml")

    say(
        "2. Plan against the sandbox (a local emulator of Vonage's APIs). Nothing exists yet, so "
        "everything is a create; the plan counts the API calls it made and will make."
    )
    run("--sandbox", "plan", "quickstart.yaml")

    say(
        "3. Apply: create the application (key pair generated locally), buy both numbers and link "
        "them to it, recording each step in state as it lands."
    )
    run("--sandbox", "apply", "--auto-approve", "quickstart.yaml")

    say(
        "4. Plan again: the accounts match the manifest, so there is nothing to do "
        "(--detailed-exitcode exits 0 for no changes, 2 for changes)."
    )
    run("--sandbox", "plan", "--detailed-exitcode", "quickstart.yaml")

    say("5. Someone changes the application's answer URL in the provider console.")
    state = run("--sandbox", "state", "list")
    app_id = next(line.split("\t")[2] for line in state.stdout.splitlines() if line.startswith("support-app\t"))
    edit_in_console(app_id)

    say(
        "6. The next plan reports it as drift (changed outside provisioner), field by field, and "
        "exits 2 so CI can flag it."
    )
    run("--sandbox", "plan", "--detailed-exitcode", "quickstart.yaml", expect=2)

    say("7. Apply puts it back with exactly one API write; a final plan shows no changes.")
    run("--sandbox", "apply", "--auto-approve", "quickstart.yaml")
    run("--sandbox", "plan", "--detailed-exitcode", "quickstart.yaml")

    say(f"Done. State, the sandbox's data and the generated private key are under {WORK.relative_to(ROOT)}/.")


if __name__ == "__main__":
    main()
