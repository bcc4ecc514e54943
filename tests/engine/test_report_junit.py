"""Drift as JUnit XML: one suite per provider, exact counts, failures carry the field details, and the XML
always parses (escaping, control characters). One test runs a real drift document from the sandbox."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from provisioner.report_junit import drift_junit

FP = "fp:3f9a1c2d77e0b1aa5c"


def parse(xml: str) -> ET.Element:
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(xml.encode())
    assert_junit_shape(root)
    return root


def assert_junit_shape(root: ET.Element) -> None:
    """The shape CI readers rely on, with every count recomputed from the test cases."""
    assert root.tag == "testsuites"
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in root:
        assert suite.tag == "testsuite" and suite.get("name")
        cases = list(suite)
        assert all(c.tag == "testcase" and c.get("classname") and c.get("name") for c in cases)
        for case in cases:
            assert len(case) <= 1 and all(child.tag in ("failure", "skipped") for child in case)
        counts = {
            "tests": len(cases),
            "failures": sum(c.find("failure") is not None for c in cases),
            "errors": 0,
            "skipped": sum(c.find("skipped") is not None for c in cases),
        }
        for key, value in counts.items():
            assert suite.get(key) == str(value), (suite.get("name"), key)
            totals[key] += value
    for key, value in totals.items():
        assert root.get(key) == str(value), key


def item(name: str, status: str, kind: str = "vonage.number", *changes: dict[str, Any], **extra: Any):
    base = {"name": name, "type": kind, "status": status, "id": f"id-{name}", "message": "", "changes": list(changes)}
    return base | extra


def doc(resources: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    return {"format_version": 1, "api_calls": {"reads": 1, "writes": 0}, "resources": resources} | top


def cases(root: ET.Element) -> dict[str, ET.Element]:
    return {f"{s.get('name')}/{c.get('name')}": c for s in root for c in s}


# ---------------------------------------------------------------- end to end
MANIFEST = """
version: 1
resources:
  app:
    type: vonage.application
    properties: {name: JUnit app}
  gone:
    type: vonage.application
    properties: {name: Will vanish}
  line:
    type: vonage.number
    properties: {country: GB, msisdn: "447700900030", mo_http_url: "https://d.example.com/sms"}
    options: {on_delete: delete}
"""


def test_real_drift_document(project):
    project.write("m.yaml", MANIFEST)
    assert project.cli("apply", "--auto-approve", "m.yaml").returncode == 0
    ids = {ln.split("\t")[0]: ln.split("\t")[2] for ln in project.cli("state", "list").stdout.splitlines()}
    admin = "/_sandbox/vonage/sandbox-key"
    project.sandbox.admin_call("PATCH", f"{admin}/numbers/447700900030", json={"moHttpUrl": "https://x.example/&<>"})
    project.sandbox.admin_call("DELETE", f"{admin}/applications/{ids['gone']}")
    with project.sandbox.vonage() as api:
        made = api.post("/v2/applications", json={"name": 'Dash "board" <app>'}).json()
    project.write(".provisionignore", 'app expires=2020-01-01 reason="stale"\n')
    result = project.cli("drift", "--format", "json", "m.yaml")
    assert result.returncode == 2, result.stderr

    root = parse(drift_junit(json.loads(result.stdout)))
    by = cases(root)
    assert [s.get("name") for s in root][0] == "vonage"
    assert by["vonage/app"].find("*") is None  # in sync: passes
    drifted = by["vonage/line"].find("failure")
    assert (
        drifted.get("type") == "drift" and drifted.get("message") == "drifted: mo_http_url changed outside provisioner"
    )
    assert 'mo_http_url: last applied "https://d.example.com/sms", live "https://x.example/&<>"' in drifted.text
    missing = by["vonage/gone"].find("failure")
    assert missing.get("type") == "drift" and missing.get("message").startswith("missing: deleted outside provisioner")
    unmanaged = by[f"vonage/{made['id']}"]
    assert unmanaged.get("classname") == "vonage.application"
    assert unmanaged.find("failure").get("message") == 'unmanaged: in the account, in no manifest (Dash "board" <app>)'
    if "expired_ignores" in json.loads(result.stdout):
        expired = by["provisionignore/app"].find("failure")
        assert expired.get("type") == "expired_ignore" and "expired 2020-01-01" in expired.get("message")
        assert [s.get("name") for s in root][-1] == "provisionignore"
        assert root.get("failures") == "4"
    assert root.get("tests") == str(len(by))


# ---------------------------------------------------------------- hand-built
def test_every_status_maps_to_pass_failure_or_skip_with_exact_counts():
    resources = [
        item("ok", "in_sync"),
        item("d", "drifted", "vonage.number", {"path": "a.b", "last_applied": 1, "live": 2, "sensitive": False}),
        item("m", "missing", "vonage.application", policy="fail"),
        item("(application)", "unmanaged", "vonage.application", id="u-1", message="dash"),
        item("f", "failed", "sinch.whatsapp_template", message="rejected: INVALID_FORMAT"),
        item("p", "pending", "sinch.number", message="SMS provisioning"),
        item("n", "not_applied", "infobip.application"),
        item("(tfa application)", "dormant", "infobip.tfa_application", id="t-9"),
        item("i", "ignored", "infobip.number", ignored_by={"rule": "i", "reason": "cut-over", "expires": "2030-01-01"}),
        item("future", "quarantined", "infobip.number"),
    ]
    root = parse(drift_junit(doc(resources)))
    assert [s.get("name") for s in root] == ["infobip", "sinch", "vonage"]
    suites = {s.get("name"): s for s in root}
    assert [suites[n].get(k) for n in ("infobip", "sinch", "vonage") for k in ("tests", "failures", "skipped")] == [
        *("4", "0", "4"),
        *("2", "1", "1"),
        *("4", "3", "0"),
    ]
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == ("10", "4", "0", "5")

    by = cases(root)
    assert by["vonage/d"].find("failure").text.endswith("a.b: last applied 1, live 2")
    assert "policy fail: a human must decide" in by["vonage/m"].find("failure").get("message")
    assert by["vonage/u-1"].find("failure").get("type") == "drift"  # unmanaged objects are named by id
    failed = by["sinch/f"].find("failure")
    assert failed.get("type") == "failed" and failed.get("message") == "failed: rejected: INVALID_FORMAT"
    assert by["sinch/p"].find("skipped").get("message").startswith("pending:")
    assert by["infobip/t-9"].find("skipped").get("message").startswith("dormant:")
    assert by["infobip/i"].find("skipped").get("message") == (
        "ignored by .provisionignore rule i; reason cut-over; expires 2030-01-01"
    )
    assert "unrecognised status" in by["infobip/future"].find("skipped").get("message")  # never silently passed


def test_expired_ignores_fail_in_their_own_suite():
    expired = [
        {"rule": "line mo_http_url", "reason": "cut-over", "owner": "tel", "expires": "2024-01-31", "source": "a:3"},
        {"rule": "vonage.application:*", "reason": "", "owner": "", "expires": "2023-05-01", "source": "a:4"},
    ]
    root = parse(drift_junit(doc([item("ok", "in_sync")], expired_ignores=expired)))
    assert [s.get("name") for s in root] == ["vonage", "provisionignore"]
    suite = root[1]
    assert (suite.get("tests"), suite.get("failures")) == ("2", "2")
    first = suite[0]
    assert (first.get("classname"), first.get("name")) == ("provisionignore", "line mo_http_url")
    assert first.find("failure").get("message").startswith("expired 2024-01-31: this waiver no longer silences")
    assert "owner: tel" in first.find("failure").text and "source: a:3" in first.find("failure").text


def test_markup_and_control_characters_still_parse_and_round_trip():
    evil = 'a<b>&"c" ]]> \x00\x1b[31m\ud800 end'
    resources = [
        item(evil, "drifted", "vonage.number", {"path": evil, "last_applied": evil, "live": "x", "sensitive": False}),
        item("u", "unmanaged", message=evil),
    ]
    root = parse(drift_junit(doc(resources)))
    case = root[0][0]
    assert case.get("name") == 'a<b>&"c" ]]> \ufffd\ufffd[31m\ufffd end'
    assert 'last applied "a<b>&\\"c\\" ]]> ' in case.find("failure").text
    assert root[0][1].find("failure").get("message").startswith('unmanaged: in the account, in no manifest (a<b>&"c"')


def test_secrets_appear_only_as_fingerprints():
    changes = [
        {"path": "secret", "last_applied": FP, "live": "fp:81c2bbbb9999", "sensitive": True},
        {"path": "token", "last_applied": "hunter2", "live": "swordfish", "sensitive": True},
    ]
    xml = drift_junit(doc([item("hook", "drifted", "sinch.provisioning_webhook", *changes)]))
    parse(xml)
    assert "secret: last applied (sensitive, fp 3f9a1c2d…), live (sensitive, fp 81c2bbbb…)" in xml
    assert "token: last applied (sensitive), live (sensitive)" in xml
    for leaked in (FP, "fp:81c2", "77e0", "hunter2", "swordfish"):
        assert leaked not in xml


def test_an_empty_report_is_still_a_valid_report():
    root = parse(drift_junit(doc([])))
    assert len(root) == 0 and root.get("tests") == "0"
