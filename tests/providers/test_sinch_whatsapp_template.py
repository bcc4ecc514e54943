"""sinch.whatsapp_template: translation at the edge, normalisation, readiness and refusals (pure)."""

from __future__ import annotations

import pytest

from provisioner.kind import FieldChange
from provisioner.model import LiveObject, ReadinessState
from provisioner.plan import view
from provisioner.providers.sinch.whatsapp_template import WhatsappTemplate

KIND = WhatsappTemplate()
BODY = {"type": "BODY", "text": "Hi {{1}}", "examples": ["Sam"], "addSecurityRecommendation": True}


def live(**attrs) -> LiveObject:
    return LiveObject("order:EN_US", {}, {"id": "order:EN_US", "name": "order", "language": "EN_US", **attrs})


@pytest.mark.parametrize(
    "wire, expected",
    [
        pytest.param(
            {
                "name": "order",
                "language": "en_us",
                "category": "UTILITY",
                "state": "APPROVED",
                "details": {"components": [BODY], "messageSendTtlSeconds": 600},
            },
            {
                "name": "order",
                "language": "EN_US",
                "category": "UTILITY",
                "status": "SUBMIT",
                "components": [
                    {"type": "BODY", "text": "Hi {{1}}", "examples": ["Sam"], "add_security_recommendation": True}
                ],
                "message_send_ttl_seconds": 600,
            },
            id="approved: live details, keys snake_cased, language upper-cased",
        ),
        pytest.param(
            {
                "name": "order",
                "language": "EN_US",
                "category": "UTILITY",
                "state": "APPROVED",
                "details": {"components": [{"type": "BODY", "text": "old"}]},
                "changes": {"status": "IN_PROGRESS", "details": {"components": [{"type": "BODY", "text": "new"}]}},
            },
            {
                "name": "order",
                "language": "EN_US",
                "category": "UTILITY",
                "status": "SUBMIT",
                "components": [{"type": "BODY", "text": "new"}],
            },
            id="an edit in review is what is compared, so it is pending rather than drift",
        ),
        pytest.param(
            {
                "name": "order",
                "language": "EN_US",
                "category": "UTILITY",
                "changes": {"status": "DRAFT", "details": [{"components": [{"type": "BODY", "text": "draft"}]}]},
            },
            {
                "name": "order",
                "language": "EN_US",
                "category": "UTILITY",
                "status": "DRAFT",
                "components": [{"type": "BODY", "text": "draft"}],
            },
            id="a saved draft reads back as status DRAFT; changes.details may come as a list",
        ),
        pytest.param(
            {"name": "order", "language": "EN_US", "category": "MARKETING", "changes": {"status": "DRAFT"}},
            {"name": "order", "language": "EN_US", "category": "MARKETING", "status": "DRAFT"},
            id="a draft without details has no components",
        ),
    ],
)
def test_to_spec(wire, expected):
    assert KIND.to_spec(wire) == expected


def test_create_payload_sends_status_explicitly_and_camel_cases_components():
    props = {
        "name": "order",
        "language": "en_us",
        "category": "UTILITY",
        "components": [
            {"type": "BODY", "text": "x", "add_security_recommendation": True},
            {
                "type": "BUTTONS",
                "buttons": [
                    {
                        "type": "OTP",
                        "otp_type": "COPY_CODE",
                        "supported_apps": [{"package_name": "com.acme", "signature_hash": "h"}],
                    }
                ],
            },
        ],
        "message_send_ttl_seconds": 300,
        "allow_delete_submitted": True,
    }
    body = KIND.to_payload(props, create=True)
    assert body["status"] == "SUBMIT"  # the API's default is disputed: never left implicit
    assert body["language"] == "EN_US"
    assert body["details"]["messageSendTtlSeconds"] == 300
    assert body["details"]["components"][0] == {"type": "BODY", "text": "x", "addSecurityRecommendation": True}
    app = body["details"]["components"][1]["buttons"][0]["supportedApps"][0]
    assert app == {"packageName": "com.acme", "signatureHash": "h"}
    assert "allow_delete_submitted" not in str(body) and "allowDeleteSubmitted" not in str(body)


@pytest.mark.parametrize(
    "props, category, expected_keys",
    [
        pytest.param(
            {"name": "n", "language": "EN", "category": "UTILITY", "status": "DRAFT"},
            True,
            {"status", "category"},
            id="a draft with no components sends no details",
        ),
        pytest.param(
            {"name": "n", "language": "EN", "category": "UTILITY", "components": [{"type": "BODY", "text": "t"}]},
            False,
            {"status", "details"},
            id="category is sent only when it changed",
        ),
        pytest.param(
            {"name": "n", "language": "EN", "category": "UTILITY", "allow_category_change": False},
            True,
            {"status", "category", "allowCategoryChange"},
            id="allow_category_change is sent when declared",
        ),
    ],
)
def test_update_payload(props, category, expected_keys):
    body = KIND.to_payload(props, create=False, category=category)
    assert set(body) == expected_keys
    assert "name" not in body and "language" not in body  # they are the path


def test_normalize_orders_components_by_type_and_fills_defaults():
    desired = {
        "name": "n",
        "language": "pt_br",
        "category": "UTILITY",
        "components": [
            {"type": "BUTTONS", "buttons": []},
            {"type": "FOOTER", "text": "f"},
            {"type": "BODY", "text": "b"},
            {"type": "HEADER", "format": "TEXT", "text": "h"},
        ],
    }
    out = KIND.normalize(desired)
    assert [c["type"] for c in out["components"]] == ["HEADER", "BODY", "FOOTER", "BUTTONS"]
    assert out["language"] == "PT_BR" and out["status"] == "SUBMIT"
    assert KIND.normalize(out) == out  # idempotent


def test_identity_is_name_and_upper_case_language():
    assert KIND.natural_id({"name": "order", "language": "en_us"}) == "order:EN_US"
    assert KIND.natural_id({"name": "order"}) is None


@pytest.mark.parametrize(
    "attrs, state, fragment",
    [
        pytest.param({"state": "APPROVED"}, ReadinessState.READY, "", id="approved with nothing pending is ready"),
        pytest.param(
            {"state": "APPROVED", "changes_status": "IN_PROGRESS"},
            ReadinessState.PENDING,
            "in review",
            id="an approved template with an edit in review waits for that review",
        ),
        pytest.param(
            {"state": "PENDING", "changes_status": "IN_PROGRESS"},
            ReadinessState.PENDING,
            "in review",
            id="a first submission waits",
        ),
        pytest.param({"changes_status": "DRAFT"}, ReadinessState.READY, "", id="a draft has nothing to wait for"),
        pytest.param(
            {"state": "REJECTED", "changes_status": "REJECTED", "rejection_code": "SCAM"},
            ReadinessState.FAILED,
            "rejectionCode SCAM",
            id="rejection fails with its code",
        ),
        pytest.param(
            {"state": "APPROVED", "changes_status": "REJECTED", "rejection_code": "INVALID_FORMAT"},
            ReadinessState.FAILED,
            "INVALID_FORMAT",
            id="a rejected edit of an approved template fails too",
        ),
        pytest.param(
            {"state": "PAUSED", "quality_score": "QUALITY_SCORE_RED"},
            ReadinessState.FAILED,
            "PAUSED",
            id="paused by Meta is a failure",
        ),
    ],
)
def test_readiness(attrs, state, fragment):
    result = KIND.ready(live(**attrs))
    assert result.state is state
    assert fragment in result.message


@pytest.mark.parametrize(
    "action, props, attrs, refused, fragment",
    [
        pytest.param(
            "delete",
            {},
            {"state": "APPROVED"},
            True,
            "locks its name + language for 30 days",
            id="deleting an approved template is refused by default",
        ),
        pytest.param(
            "delete",
            {"allow_delete_submitted": True},
            {"state": "APPROVED"},
            False,
            "",
            id="the manifest may allow it explicitly",
        ),
        pytest.param("delete", {}, {"changes_status": "DRAFT"}, False, "", id="a never-submitted draft just goes"),
        pytest.param(
            "delete",
            {},
            {"state": "PENDING", "changes_status": "IN_PROGRESS"},
            True,
            "30 days",
            id="a template in its first review is already at Meta",
        ),
        pytest.param(
            "replace",
            {},
            {"state": "APPROVED"},
            True,
            "cannot rename",
            id="a rename would delete the approved one: refused, saying why",
        ),
    ],
)
def test_refusal(action, props, attrs, refused, fragment):
    message = KIND.refusal(action, props, live(**attrs))
    assert (message is not None) is refused
    assert fragment in (message or "")


@pytest.mark.parametrize(
    "action, paths, writes",
    [
        pytest.param("update", ["allow_delete_submitted"], 0, id="a manifest-side decision sends nothing"),
        pytest.param("update", ["components"], 1, id="an edit is one PATCH (edit + submit)"),
        pytest.param("import", [], 0, id="adopting an identical template makes no call"),
        pytest.param("create", [], 1, id="create is one POST"),
        pytest.param("replace", [], 2, id="replace creates the new one and deletes the old"),
    ],
)
def test_write_calls(action, paths, writes):
    changes = [FieldChange(p, None, True) for p in paths]
    assert KIND.write_calls(action, {}, changes) == writes


def test_desired_and_live_views_meet_after_normalisation():
    desired = {
        "name": "order",
        "language": "en_us",
        "category": "UTILITY",
        "components": [
            {"type": "BODY", "text": "Hi {{1}}", "examples": ["Sam"]},
            {"type": "HEADER", "format": "TEXT", "text": "H"},
        ],
    }
    wire = {
        "name": "order",
        "language": "EN_US",
        "category": "UTILITY",
        "state": "APPROVED",
        "details": {
            "components": [
                {"type": "HEADER", "format": "TEXT", "text": "H"},
                {"type": "BODY", "text": "Hi {{1}}", "examples": ["Sam"]},
            ],
            "messageSendTtlSeconds": 2592000,
        },
    }
    live_view = view(KIND, KIND.to_spec(wire))
    desired_view = view(KIND, desired)
    assert {k: live_view[k] for k in desired_view} == desired_view
