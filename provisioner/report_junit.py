"""A drift document as a JUnit XML test report, for CI test reporters (GitHub test-reporter
actions, GitLab ``artifacts:reports:junit``, Jenkins).

A pure function of the published JSON document (``drift.drift_json``); fields added after
format_version 1 (``policy``, ``ignored_by``, ``expired_ignores``) are read with ``.get()``.

Output contract:

* One ``<testsuites>`` holding one ``<testsuite>`` per **provider** (``vonage``, ``sinch``,
  ``infobip``; sorted): a provider is usually one account and one owning team, and a handful of
  suites reads better in CI summaries than one per kind. The kind is each test's ``classname``.
* One ``<testcase classname="<type>" name="<resource name>">`` per resource. Unmanaged and dormant
  objects have no resource name (their name is a placeholder such as ``(application)``), so their
  test is named by provider id.
* drifted / missing / unmanaged -> ``<failure type="drift">`` (message: a one-line summary; text:
  one line per field, ``path: last applied X, live Y``); failed -> ``<failure type="failed">``;
  pending / not_applied / dormant / ignored -> ``<skipped message=...>``; in_sync passes; an
  unknown future status is skipped with its name, never silently passed.
* Each expired ``.provisionignore`` waiver is a failing test (``type="expired_ignore"``) in a last
  suite named ``provisionignore``: it silences nothing any more and someone must decide again.
* ``tests``/``failures``/``errors``/``skipped`` are exact on every suite and on ``<testsuites>``;
  ``time`` is ``0`` (drift is one read, not timed per object) so the output is deterministic.
* Escaping is ElementTree's; characters XML 1.0 cannot carry (control characters) are replaced,
  so the report always parses. Sensitive values appear only as ``(sensitive, fp 3f9a1c2d…)``.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

_FAIL = {"drifted", "missing", "unmanaged"}
_SUMMARY = {
    "missing": "deleted outside provisioner",
    "unmanaged": "in the account, in no manifest",
    "pending": "an asynchronous operation has not converged yet",
    "not_applied": "declared in the manifest, never applied",
    "dormant": "disabled and kept by the provider, in no manifest (not drift)",
}
_POLICY = {
    "fail": "a human must decide: restore it or change the manifest",
    "recreate": "the next apply creates it again",
    "forget": "the next apply forgets it",
}
# Not allowed anywhere in XML 1.0, even escaped: ElementTree would write them and break parsers.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def drift_junit(drift: Mapping[str, Any]) -> str:
    """The drift document as a JUnit XML string (with an XML declaration)."""
    root = ET.Element("testsuites", name="provision drift")
    suites: dict[str, ET.Element] = {}
    for r in drift.get("resources") or []:
        provider = str(r.get("provider") or str(r.get("type") or "unknown").split(".")[0])
        if provider not in suites:
            suites[provider] = ET.Element("testsuite", name=_clean(provider))
        _resource_case(suites[provider], r)
    ordered = [suites[p] for p in sorted(suites)]
    expired = list(drift.get("expired_ignores") or [])
    if expired:
        suite = ET.Element("testsuite", name="provisionignore")
        for rule in expired:
            _expired_case(suite, rule)
        ordered.append(suite)
    for suite in ordered:
        _count(suite)
        root.append(suite)
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in ordered)))
    root.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _clean(text: Any) -> str:
    return _INVALID_XML.sub("\ufffd", "" if text is None else str(text))


def _value(v: Any, sensitive: bool) -> str:
    if isinstance(v, str) and v.startswith("fp:"):
        return f"(sensitive, fp {v[3:11]}…)"
    if sensitive and v is not None:
        return "(sensitive)"  # flagged sensitive but not a fingerprint: never shown
    if isinstance(v, dict) and v.get("unknown") is True and len(v) == 1:
        return "(known after apply)"
    if v is None:
        return "(none)"
    return json.dumps(v, ensure_ascii=False, default=str)


def _case_name(r: Mapping[str, Any]) -> str:
    name = str(r.get("name") or "")
    if r.get("id") and (not name or (r.get("status") in ("unmanaged", "dormant") and name.startswith("("))):
        return str(r.get("id"))
    return name or "(unnamed)"


def _resource_case(suite: ET.Element, r: Mapping[str, Any]) -> None:
    status = str(r.get("status") or "")
    case = ET.SubElement(suite, "testcase", classname=_clean(r.get("type")), name=_clean(_case_name(r)), time="0")
    message = _clean(r.get("message") or "")
    if status in _FAIL:
        failure = ET.SubElement(case, "failure", type="drift", message=_clean(_failure_message(r)))
        failure.text = _clean(_failure_text(r))
    elif status == "failed":
        ET.SubElement(case, "failure", type="failed", message=f"failed: {message}" if message else "failed")
    elif status != "in_sync":  # pending, not_applied, dormant, ignored, or a status newer than this code
        ET.SubElement(case, "skipped", message=_clean(_skip_message(r)))


def _failure_message(r: Mapping[str, Any]) -> str:
    status = str(r.get("status"))
    if status == "drifted":
        paths = [str(c.get("path")) for c in r.get("changes") or []]
        shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        return f"drifted: {shown} changed outside provisioner" if paths else "drifted: changed outside provisioner"
    text = f"{status}: {_SUMMARY[status]}"
    if status == "missing" and r.get("policy"):
        text += f"; policy {r.get('policy')}: {_POLICY.get(str(r.get('policy')), str(r.get('policy')))}"
    if status == "unmanaged" and r.get("message"):
        text += f" ({r.get('message')})"
    return text


def _failure_text(r: Mapping[str, Any]) -> str:
    lines = [f"{r.get('type')} {r.get('name')}" + (f" (id {r.get('id')})" if r.get("id") else "")]
    for c in r.get("changes") or []:
        sens = bool(c.get("sensitive"))
        lines.append(
            f"{c.get('path')}: last applied {_value(c.get('last_applied'), sens)}, live {_value(c.get('live'), sens)}"
        )
    if r.get("message") and r.get("status") != "unmanaged":
        lines.append(str(r.get("message")))
    return "\n".join(lines)


def _skip_message(r: Mapping[str, Any]) -> str:
    status = str(r.get("status") or "unknown")
    if status == "ignored":
        by = r.get("ignored_by") or {}
        parts = [f"ignored by .provisionignore rule {by.get('rule') or '?'}"]
        parts += [f"{k} {by.get(k)}" for k in ("reason", "owner", "expires", "source") if by.get(k)]
        return "; ".join(parts)
    text = f"{status}: {_SUMMARY.get(status, 'unrecognised status')}"
    return text + (f" ({r.get('message')})" if r.get("message") else "")


def _expired_case(suite: ET.Element, rule: Mapping[str, Any]) -> None:
    name = _clean(rule.get("rule") or "(rule)")
    case = ET.SubElement(suite, "testcase", classname="provisionignore", name=name, time="0")
    message = f"expired {rule.get('expires')}: this waiver no longer silences anything; renew it or remove it"
    failure = ET.SubElement(case, "failure", type="expired_ignore", message=_clean(message))
    failure.text = _clean("\n".join(f"{k}: {rule.get(k)}" for k in ("rule", "reason", "owner", "expires", "source")))


def _count(suite: ET.Element) -> None:
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("errors", "0")
    suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
    suite.set("time", "0")
