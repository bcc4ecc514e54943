"""Every JSON output validates against its published schema (schemas/plan, drift, events)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"

MANIFEST = """
version: 1
resources:
  app:
    type: vonage.application
    properties:
      name: Schema app
      capabilities:
        voice:
          webhooks:
            answer_url: {address: https://o.example.com/answer}
  line:
    type: vonage.number
    properties: {country: GB, msisdn: "447700900061", app_id: "${app.id}", mo_http_url: https://o.example.com/sms}
    options: {on_delete: delete}
  doomed:
    type: vonage.application
    properties: {name: Doomed}
  hook:
    type: sinch.provisioning_webhook
    properties: {target: https://o.example.com/hook, triggers: [ALL], secret: "${env:HOOK_SECRET:-s3cret-value}"}
"""


def _validator(name: str) -> jsonschema.Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _valid(name: str, doc: object) -> None:
    errors = sorted(_validator(name).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


@pytest.fixture
def applied(project):
    project.write("m.yaml", MANIFEST)
    assert project.cli("apply", "--auto-approve", "m.yaml").returncode == 0
    # every kind of change and drift at once: config update, drift, delete, rename, unmanaged, missing
    renamed = MANIFEST.replace("  app:\n", "  main-app:\n").replace("${app.id}", "${main-app.id}")
    renamed = (
        renamed.replace("Schema app", "Schema app v2").split("  doomed:")[0] + "  hook:" + renamed.split("  hook:")[1]
    )
    project.write("m.yaml", renamed + "moved:\n  - {from: app, to: main-app}\n")
    admin = "/_sandbox/vonage/sandbox-key"
    project.sandbox.admin_call("PATCH", f"{admin}/numbers/447700900061", json={"moHttpUrl": "https://x.example.com"})
    with project.sandbox.vonage() as api:
        api.post("/v2/applications", json={"name": "Unmanaged"}).raise_for_status()
    return project


def test_plan_json_and_saved_plan_validate(applied):
    result = applied.cli("plan", "--format", "json", "--out", "plan.json", "m.yaml")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {c["action"] for c in doc["resource_changes"]} >= {"update", "delete", "noop"} and doc["moved"]
    _valid("plan", doc)
    _valid("plan", json.loads((applied.dir / "plan.json").read_text()))
    targeted = json.loads(applied.cli("plan", "--format", "json", "--only", "line", "m.yaml").stdout)
    assert targeted["targets"]["pulled_in"] == ["main-app"]
    _valid("plan", targeted)


def test_a_broken_plan_document_fails_the_schema(applied):
    doc = json.loads(applied.cli("plan", "--format", "json", "m.yaml").stdout)
    doc["resource_changes"][0]["action"] = "obliterate"
    with pytest.raises(AssertionError):
        _valid("plan", doc)


def test_drift_json_validates(applied):
    applied.write(".provisionignore", 'hook secret reason="rotated by the vault"\nx name expires=2020-01-01\n')
    result = applied.cli("drift", "--format", "json", "m.yaml")
    assert result.returncode == 2
    doc = json.loads(result.stdout)
    assert doc["drifted"] and doc["unmanaged"] and doc["expired_ignores"]
    _valid("drift", doc)


def test_every_event_line_validates(applied):
    lines = []
    for args in (("plan", "m.yaml"), ("drift", "m.yaml"), ("apply", "--auto-approve", "m.yaml"), ("plan", "nope.yaml")):
        out = applied.cli("--json", *args).stdout
        lines += [json.loads(line) for line in out.splitlines()]
    events = {e["event"] for e in lines}
    assert {"call", "planned_change", "plan", "drift_item", "summary", "apply_start", "apply_result", "error"} <= events
    validator = _validator("events")
    for event in lines:
        errors = list(validator.iter_errors(event))
        assert not errors, (event, [e.message for e in errors][:3])
