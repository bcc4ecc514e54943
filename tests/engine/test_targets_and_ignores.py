"""Pure parts of targeting (--only/--skip) and .provisionignore: selection and rule matching."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from provisioner.errors import ManifestError, UsageError
from provisioner.ignorefile import load_ignores
from provisioner.manifest import load_manifest
from provisioner.state.base import ResourceRecord, Snapshot
from provisioner.targets import select

MANIFEST = """
version: 1
resources:
  app:
    type: vonage.application
    properties: {name: App}
  line-a:
    type: vonage.number
    properties: {country: GB, msisdn: "447700900001", app_id: "${app.id}"}
  line-b:
    type: vonage.number
    properties: {country: GB, msisdn: "447700900002", app_id: "${app.id}"}
  hook:
    type: sinch.provisioning_webhook
    properties: {target: https://h.example.com, triggers: [ALL], secret: s3cr3t-value}
"""


@pytest.fixture
def desired(tmp_path: Path):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    return load_manifest([tmp_path / "m.yaml"], env={}).resources


def test_no_patterns_selects_everything(desired):
    assert select(desired, Snapshot()) is None


def test_only_pulls_in_dependencies_and_lists_them(desired):
    sel = select(desired, Snapshot(), only=["line-a"])
    assert sel is not None
    assert sel.names == {"line-a", "app"}
    assert sel.pulled_in == ("app",)
    assert set(sel.excluded) == {"line-b", "hook"}


def test_only_by_type_and_glob(desired):
    assert select(desired, Snapshot(), only=["type=vonage.*"]).names == {"app", "line-a", "line-b"}
    assert select(desired, Snapshot(), only=["line-*"]).names == {"app", "line-a", "line-b"}


def test_skip_leaves_out_dependents_too(desired):
    sel = select(desired, Snapshot(), skip=["app"])
    assert sel.names == {"hook"}
    assert sel.skipped_dependents == ("line-a", "line-b")


def test_skipping_a_dependency_of_an_only_target_is_an_error(desired):
    with pytest.raises(UsageError, match="cannot skip app: line-a"):
        select(desired, Snapshot(), only=["line-a"], skip=["app"])


def test_pattern_matching_nothing_is_an_error(desired):
    with pytest.raises(UsageError, match="--only nope matches no resource"):
        select(desired, Snapshot(), only=["nope"])


def test_state_only_resources_can_be_targeted(desired):
    gone = ResourceRecord("old-app", "vonage.application", "id-1", {})
    sel = select(desired, Snapshot(resources={"old-app": gone}), only=["old-app"])
    assert sel.names == {"old-app"}


def _ignores(tmp_path: Path, text: str, today: date = date(2026, 11, 22)):
    (tmp_path / ".provisionignore").write_text(text)
    return load_ignores(tmp_path, today)


def test_ignore_rules_match_by_name_field_and_type_id(tmp_path):
    ig = _ignores(
        tmp_path,
        """
        # known drift
        line-*  mo_http_url  reason="carrier migration" owner=telephony
        app     capabilities.voice  expires=2026-12-31
        vonage.application:legacy-*          reason="web team's apps"
        !line-b
        """,
    )
    rule = ig.match("line-a", "vonage.number", "GB:1", "mo_http_url")
    assert rule is not None and rule.reason == "carrier migration" and rule.owner == "telephony"
    assert rule.source.endswith(".provisionignore:3")
    assert ig.match("line-a", "vonage.number", "GB:1", "app_id") is None  # another field
    assert ig.match("line-b", "vonage.number", "GB:2", "mo_http_url") is None  # negated later
    assert ig.match("app", "vonage.application", "x", "capabilities.voice.webhooks.answer_url.address") is not None
    assert ig.match(None, "vonage.application", "legacy-7", None) is not None  # unmanaged, by TYPE:ID
    assert ig.match(None, "vonage.application", "other", None) is None
    assert ig.match("line-a", "vonage.number", "GB:1", None) is None  # a field rule does not cover the object


def test_expired_rules_silence_nothing_and_are_listed(tmp_path):
    ig = _ignores(tmp_path, 'app name expires=2026-11-01 reason="temporary"\n')
    assert ig.match("app", "vonage.application", "x", "name") is None
    assert [r.text for r in ig.expired] == ["app name"]


def test_bad_rules_are_reported_with_line_numbers(tmp_path):
    with pytest.raises(ManifestError) as err:
        _ignores(tmp_path, "ok-rule\napp name expires=soon\napp a b c\nx colour=red\n")
    lines = [(i.line, i.message) for i in err.value.issues]
    assert [n for n, _ in lines] == [2, 3, 4]
    assert "expires=YYYY-MM-DD" in lines[0][1] and "too many words" in lines[1][1] and "unknown option" in lines[2][1]
