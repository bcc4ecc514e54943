"""No secret value (API secret, private key) appears in output, state or plan files."""

from __future__ import annotations

from pathlib import Path

SECRET = "s3cr3t-Zq9XwVv-do-not-leak"

MANIFEST = """
version: 1
providers:
  vonage:
    api_key: ${env:VONAGE_API_KEY}
    api_secret: ${env:VONAGE_API_SECRET}
resources:
  keyed-app:
    type: vonage.application
    properties:
      name: Keyed
      private_key_path: keys/keyed.pem
      capabilities:
        messages:
          webhooks:
            inbound_url: {address: https://m.example.com/in, http_method: POST}
            status_url: {address: https://m.example.com/status, http_method: POST}
  server-keyed-app:
    type: vonage.application
    properties:
      name: Server keyed
"""


def _private_key_body(pem: str) -> list[str]:
    lines = [ln for ln in pem.splitlines() if ln and not ln.startswith("-----")]
    return lines[1:-1]  # inner lines are unique to the key


def test_no_secret_reaches_output_state_or_plan(project):
    env = {"VONAGE_API_KEY": "leakcheck", "VONAGE_API_SECRET": SECRET}
    project.write("main.yaml", MANIFEST)
    outputs = []
    for args in (
        ["plan", "--out", "plan.json", "main.yaml"],
        ["apply", "--auto-approve", "main.yaml"],
        ["plan", "--format", "json", "main.yaml"],
        ["state", "show", "keyed-app"],
        ["state", "list"],
    ):
        result = project.cli(*args, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        outputs.append(result.stdout + result.stderr)

    key_file = project.dir / "keys" / "keyed.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    private_pem = key_file.read_text()
    assert "PRIVATE KEY" in private_pem
    needles = [SECRET, *_private_key_body(private_pem)]

    files = [p for p in (project.dir / "state").rglob("*") if p.is_file()] + [project.dir / "plan.json"]
    assert files, "expected state files to check"
    for path in files:
        assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others"
    haystacks = outputs + [p.read_text() for p in files]
    for needle in needles:
        for text in haystacks:
            assert needle not in text

    # the server-generated private key of the other app was discarded, and the plan said so
    assert "discarded" in outputs[0]
    assert "PRIVATE KEY" not in "".join(haystacks)


def test_wrong_secret_is_reported_without_echoing_it(project, sandbox):
    # pin credentials by talking to a sandbox that accepts only one secret is configured per server;
    # here we check the manifest error path instead: an unset secret variable names the variable only.
    project.write("main.yaml", MANIFEST)
    result = project.cli("plan", "main.yaml", env={"VONAGE_API_KEY": "k"})
    assert result.returncode == 1
    assert "VONAGE_API_SECRET" in result.stderr
    assert sandbox.requests() == []
    assert Path(project.dir / "state").exists() is False or not any((project.dir / "state").rglob("journal*"))
