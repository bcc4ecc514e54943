"""`provision state migrate --to URL` through the real CLI: local → postgres → local, then the
manifest plans clean against the migrated state; a non-empty destination is refused."""

from __future__ import annotations

MANIFEST = """
version: 1
resources:
  app:
    type: vonage.application
    properties: {name: Migrated app}
  line:
    type: vonage.number
    properties: {country: GB, msisdn: "447700900071", app_id: "${app.id}"}
    options: {on_delete: delete}
"""


def test_state_migrates_between_backends_and_plans_clean(project, pg_url):
    project.write("m.yaml", MANIFEST)
    assert project.cli("apply", "--auto-approve", "m.yaml").returncode == 0
    before = project.cli("state", "list").stdout

    moved = project.cli("state", "migrate", "--to", pg_url)
    assert moved.returncode == 0, moved.stderr
    assert "Copied 2 resource(s)" in moved.stdout
    on_pg = project.cli("--state", pg_url, "state", "list")
    assert on_pg.stdout == before
    project.sandbox.clear_log()
    plan = project.cli("--state", pg_url, "plan", "--detailed-exitcode", "m.yaml")
    assert plan.returncode == 0, plan.stdout + plan.stderr

    again = project.cli("state", "migrate", "--to", pg_url)
    assert again.returncode == 1 and "not empty" in again.stderr.lower()

    back = project.cli("--state", pg_url, "state", "migrate", "--to", str(project.dir / "state-back"))
    assert back.returncode == 0, back.stderr
    assert project.cli("--state", str(project.dir / "state-back"), "state", "list").stdout == before
    assert project.sandbox.writes() == []
