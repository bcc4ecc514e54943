"""Phone numbers are non-fungible; provider errors name the resource; a failure stops only its
dependents."""

from __future__ import annotations

import json

from provisioner.sandbox import SandboxConfig, SandboxServer

NUMBER = """
version: 1
resources:
  line:
    type: vonage.number
    properties:
      country: GB
      msisdn: "{msisdn}"
      mo_http_url: https://sms.example.com/in
{options}"""


def _number(msisdn: str, options: str = "") -> str:
    return NUMBER.format(msisdn=msisdn, options=options)


def test_changing_a_numbers_msisdn_is_refused_without_an_explicit_on_delete(project):
    path = project.write("n.yaml", _number("447700900010"))
    assert project.cli("apply", "--auto-approve", "n.yaml").returncode == 0
    path.write_text(_number("447700900011"))
    project.sandbox.clear_log()
    result = project.cli("apply", "--auto-approve", "n.yaml")
    assert result.returncode == 1
    assert "cannot replace line" in result.stderr and "on_delete" in result.stderr
    assert project.sandbox.writes() == []


def test_replacing_a_number_with_on_delete_delete_buys_the_new_one_then_releases_the_old(project):
    path = project.write("n.yaml", _number("447700900012", "    options: {on_delete: delete}\n"))
    assert project.cli("apply", "--auto-approve", "n.yaml").returncode == 0
    path.write_text(_number("447700900013", "    options: {on_delete: delete}\n"))
    plan = json.loads(project.cli("plan", "--format", "json", "n.yaml").stdout)
    assert [(c["action"], c["id"]) for c in plan["resource_changes"]] == [("replace", "GB:447700900012")]
    project.sandbox.clear_log()
    result = project.cli("apply", "--auto-approve", "n.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert [w["path"] for w in project.sandbox.writes()] == ["/number/buy", "/number/update", "/number/cancel"]
    assert {n["msisdn"] for n in project.sandbox.owned_numbers()} == {"447700900013"}
    assert project.cli("plan", "--detailed-exitcode", "n.yaml").returncode == 0


def test_replacing_a_number_with_on_delete_retain_keeps_the_old_one(project):
    path = project.write("n.yaml", _number("447700900014", "    options: {on_delete: retain}\n"))
    assert project.cli("apply", "--auto-approve", "n.yaml").returncode == 0
    path.write_text(_number("447700900015", "    options: {on_delete: retain}\n"))
    project.sandbox.clear_log()
    assert project.cli("apply", "--auto-approve", "n.yaml").returncode == 0
    assert "/number/cancel" not in [w["path"] for w in project.sandbox.writes()]
    assert {n["msisdn"] for n in project.sandbox.owned_numbers()} == {"447700900014", "447700900015"}


def test_ignore_changes_silences_drift_on_that_field(project):
    project.write("n.yaml", _number("447700900016", "    options: {ignore_changes: [mo_http_url]}\n"))
    assert project.cli("apply", "--auto-approve", "n.yaml").returncode == 0
    project.sandbox.admin_call(
        "PATCH",
        "/_sandbox/vonage/sandbox-key/numbers/447700900016",
        json={"moHttpUrl": "https://someone-else.example.com/sms"},
    )
    assert project.cli("plan", "--detailed-exitcode", "n.yaml").returncode == 0


def test_a_420_names_the_resource_and_only_its_dependents_are_skipped(project):
    project.write(
        "m.yaml",
        """
        version: 1
        resources:
          unavailable:
            type: vonage.number
            properties: {country: GB, msisdn: "447999999999"}
          waits-for-number:
            type: vonage.application
            properties: {name: Needs the number}
            options: {depends_on: [unavailable]}
          independent:
            type: vonage.application
            properties: {name: Independent}
    """,
    )
    result = project.cli("apply", "--auto-approve", "m.yaml")
    assert result.returncode == 1
    assert "cannot create unavailable: Vonage answered 420" in result.stderr
    assert "dashboard" in result.stderr  # says what to do, since Vonage gives no reason
    assert "waits-for-number: skipped: it depends on unavailable, which failed" in result.stdout
    assert "independent: created" in result.stdout
    assert [w["path"] for w in project.sandbox.writes()].count("/v2/applications") == 1
    listed = project.cli("state", "list").stdout
    assert "independent" in listed and "unavailable" not in listed and "waits-for-number" not in listed
    # the rejected purchase left no intent behind: nothing to recover next time
    assert "interrupted" not in listed


def test_rejected_credentials_are_reported_without_echoing_the_secret(project):
    secret = "wrong-secret-4f9e1a"
    server = SandboxServer(SandboxConfig(credentials={"vonage": {"api_key": "pinned", "api_secret": "right"}}))
    server.start()
    try:
        project.write(
            "a.yaml", "version: 1\nresources:\n  a:\n    type: vonage.application\n    properties: {name: A}\n"
        )
        result = project.cli(
            "--sandbox-url",
            server.admin_url,
            "--state",
            str(project.dir / "s2"),
            "plan",
            "a.yaml",
            env={"VONAGE_API_KEY": "pinned", "VONAGE_API_SECRET": secret},
            use_sandbox=False,
        )
    finally:
        server.stop()
    assert result.returncode == 1
    assert "rejected the credentials" in result.stderr and "VONAGE_API_SECRET" in result.stderr
    assert secret not in result.stdout + result.stderr
