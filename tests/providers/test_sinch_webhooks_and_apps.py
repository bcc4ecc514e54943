"""Provisioning webhooks, Conversation apps and webhooks: sets, secrets, limits, credentials (pure)."""

from __future__ import annotations

import json

import pytest

from provisioner.diff import compare
from provisioner.model import UNKNOWN, LiveObject, ReadinessState
from provisioner.plan import view
from provisioner.providers.sinch.conversation_app import ConversationApp
from provisioner.providers.sinch.conversation_webhook import ConversationWebhook
from provisioner.providers.sinch.provisioning_webhook import ProvisioningWebhook
from provisioner.schema import kind_checker

HOOK = ProvisioningWebhook()
APP = ConversationApp()
CHOOK = ConversationWebhook()


# ---------------------------------------------------------------- provisioning webhooks
@pytest.mark.parametrize(
    "triggers, valid, fragment",
    [
        pytest.param(["ALL"], True, "", id="ALL alone"),
        pytest.param(["WHATSAPP_TEMPLATE_APPROVED", "BUNDLE_DONE"], True, "", id="selective triggers"),
        pytest.param(
            ["ALL", "BUNDLE_DONE"],
            False,
            "ALL already covers every trigger",
            id="ALL combined with another trigger is a validation error",
        ),
        pytest.param([], False, "", id="at least one trigger"),
        pytest.param(["BUNDLE_DONE", "BUNDLE_DONE"], False, "same item more than once", id="no repeats"),
        pytest.param(
            ["MESSAGE_INBOUND"], False, "must be one of", id="a Conversation trigger is not a provisioning one"
        ),
    ],
)
def test_provisioning_webhook_triggers_schema(triggers, valid, fragment):
    checker = kind_checker("sinch.provisioning_webhook")
    props = {"target": "https://h.example.com", "triggers": triggers, "secret": "s"}
    assert checker.is_valid(props) is valid
    assert fragment in " ".join(p.message for p in checker.problems(props))


def test_provisioning_webhook_compares_triggers_as_a_set_and_never_reads_the_secret():
    wire = {"id": "w1", "target": "https://h", "projectId": "p", "triggers": ["B", "A"]}
    obj = HOOK._live(wire)
    assert obj.id == "https://h" and obj.attributes["id"] == "w1"
    assert obj.properties == {"target": "https://h", "triggers": ["A", "B"]}
    desired = view(HOOK, {"target": "https://h", "triggers": ["A", "B"], "secret": "s1"})
    assert desired["secret"].startswith("fp:") and "s1" not in json.dumps(desired)
    # same secret as last applied: no change; a new one: exactly the secret changes, marked sensitive
    assert compare(HOOK, desired, desired, view(HOOK, obj.properties)) == []
    rotated = view(HOOK, {"target": "https://h", "triggers": ["B", "A"], "secret": "s2"})
    (change,) = compare(HOOK, rotated, desired, view(HOOK, obj.properties))
    assert change.path == "secret" and change.sensitive and change.reasons == ("config",)


@pytest.mark.parametrize(
    "fields, expected",
    [
        pytest.param(None, {"target": "https://h", "secret": "s", "triggers": ["A", "B"]}, id="create sends all three"),
        pytest.param(["secret"], {"secret": "s"}, id="a rotated secret is sent alone"),
        pytest.param(["triggers"], {"triggers": ["A", "B"]}, id="changed triggers, without re-sending the secret"),
    ],
)
def test_provisioning_webhook_payload(fields, expected):
    assert HOOK.to_payload({"target": "https://h", "secret": "s", "triggers": ["B", "A", "B"]}, fields) == expected


def test_declared_limits_and_identity():
    assert HOOK.limit == 15 and HOOK.natural_key == ("target",)
    assert CHOOK.limit == 5 and CHOOK.parent == "sinch.conversation_app"
    assert CHOOK.natural_id({"app_id": "a1", "target": "https://h"}) == "a1:https://h"


# ---------------------------------------------------------------- conversation apps
CRED_WIRE = {
    "channel": "SMS",
    "static_bearer": {"claimed_identity": "plan-1", "token": "tok-123"},
    "callback_secret": "",
    "state": {"status": "ACTIVE", "description": ""},
    "channel_known_id": "",
    "credential_ordinal_number": 0,
}
APP_WIRE = {
    "id": "app1",
    "display_name": "Support",
    "channel_credentials": [CRED_WIRE],
    "conversation_metadata_report_view": "NONE",
    "rate_limits": {"outbound": 20, "inbound": 100, "webhooks": 100},
    "retention_policy": {"retention_type": "MESSAGE_EXPIRE_POLICY", "ttl_days": 180},
    "processing_mode": "CONVERSATION",
    "callback_settings": {"secret_for_overridden_callback_urls": ""},
    "message_retry_settings": None,
    "queue_stats": {"outbound_size": 0, "outbound_limit": 500000},
}


def test_app_to_spec_keeps_configuration_and_drops_status_and_blanks():
    spec = APP.to_spec(APP_WIRE)
    assert spec["channel_credentials"] == [
        {"channel": "SMS", "static_bearer": {"claimed_identity": "plan-1", "token": "tok-123"}}
    ]
    assert "rate_limits" not in spec and "queue_stats" not in spec
    assert "callback_settings" not in spec and "message_retry_settings" not in spec


def test_unchanged_app_manifest_shows_no_change_against_server_defaults():
    desired = {
        "display_name": "Support",
        "channel_credentials": [
            {"channel": "SMS", "static_bearer": {"claimed_identity": "plan-1", "token": "tok-123"}}
        ],
    }
    last = view(APP, desired)
    assert compare(APP, view(APP, desired), last, view(APP, APP.to_spec(APP_WIRE))) == []


def test_credential_tokens_are_fingerprinted_in_every_view_and_a_rotation_is_seen():
    desired = {
        "display_name": "Support",
        "channel_credentials": [
            {
                "channel": "SMS",
                "static_bearer": {"claimed_identity": "plan-1", "token": "tok-123"},
                "callback_secret": "cb-999",
            }
        ],
    }
    shown = json.dumps(view(APP, desired))
    assert "tok-123" not in shown and "cb-999" not in shown and "fp:" in shown
    rotated_wire = {
        **APP_WIRE,
        "channel_credentials": [
            {**CRED_WIRE, "static_bearer": {"claimed_identity": "plan-1", "token": "rotated-in-dashboard"}}
        ],
    }
    applied = {
        "display_name": "Support",
        "channel_credentials": [
            {"channel": "SMS", "static_bearer": {"claimed_identity": "plan-1", "token": "tok-123"}}
        ],
    }
    (change,) = compare(APP, view(APP, applied), view(APP, applied), view(APP, APP.to_spec(rotated_wire)))
    assert change.path == "channel_credentials" and change.reasons == ("drift",)
    assert "rotated-in-dashboard" not in json.dumps([change.old, change.new])
    assert change.old != change.new


@pytest.mark.parametrize(
    "fields, expected",
    [
        pytest.param(["display_name"], {"display_name": "S"}, id="only the masked fields are sent"),
        pytest.param(
            ["channel_credentials"],
            {"channel_credentials": [{"channel": "SMS"}, {"channel": "RCS"}]},
            id="credentials are always sent whole (Sinch replaces the list)",
        ),
        pytest.param(["retention_policy"], {}, id="a removed setting is masked without a value: back to default"),
    ],
)
def test_app_payload(fields, expected):
    props = {"display_name": "S", "channel_credentials": [{"channel": "SMS"}, {"channel": "RCS"}]}
    assert APP.to_payload(props, fields) == expected


@pytest.mark.parametrize(
    "states, state, fragment",
    [
        pytest.param([{"channel": "SMS", "status": "ACTIVE"}], ReadinessState.READY, "", id="all active"),
        pytest.param(
            [{"channel": "SMS", "status": "ACTIVE"}, {"channel": "WHATSAPP", "status": "PENDING"}],
            ReadinessState.PENDING,
            "WHATSAPP PENDING",
            id="one still pending",
        ),
        pytest.param(
            [
                {"channel": "SMS", "status": "PENDING"},
                {"channel": "RCS", "status": "FAILING", "description": "bad token"},
            ],
            ReadinessState.FAILED,
            "RCS credential FAILING: bad token",
            id="failing is a failure",
        ),
        pytest.param([], ReadinessState.READY, "", id="an app without channels has nothing to wait for"),
    ],
)
def test_app_readiness(states, state, fragment):
    result = APP.ready(LiveObject("a", {}, {"credential_states": states}))
    assert result.state is state and fragment in result.message


# ---------------------------------------------------------------- conversation webhooks
def test_conversation_webhook_secret_is_compared_as_a_fingerprint():
    wire = {
        "id": "w",
        "app_id": "a1",
        "target": "https://h",
        "target_type": "HTTP",
        "triggers": ["OPT_OUT", "OPT_IN"],
        "secret": "hook-secret",
        "client_credentials": None,
    }
    obj = CHOOK._live(wire)
    assert obj.id == "a1:https://h" and obj.attributes == {"id": "w", "app_id": "a1", "target": "https://h"}
    live_view = view(CHOOK, obj.properties)
    assert "hook-secret" not in json.dumps(live_view)
    desired = view(
        CHOOK, {"app_id": "a1", "target": "https://h", "triggers": ["OPT_IN", "OPT_OUT"], "secret": "hook-secret"}
    )
    assert desired == live_view  # target_type defaulted, triggers sorted, same fingerprint


@pytest.mark.parametrize(
    "props, scope",
    [
        pytest.param({"app_id": "a1"}, "a1", id="counted against its app"),
        pytest.param({"app_id": UNKNOWN}, None, id="an app created by the same plan has a bucket of its own"),
    ],
)
def test_conversation_webhook_scope(props, scope):
    got = CHOOK.scope(props)
    if scope is None:
        assert got != CHOOK.scope({"app_id": UNKNOWN}) and got == CHOOK.scope(props)
    else:
        assert got == scope


def test_conversation_webhook_payload_sends_only_the_masked_fields():
    props = {
        "app_id": "a1",
        "target": "https://h",
        "triggers": ["B", "A"],
        "secret": "s",
        "client_credentials": {"client_id": "c", "client_secret": "cs", "endpoint": "https://t"},
    }
    assert CHOOK.to_payload(props, ["triggers"]) == {"triggers": ["A", "B"]}
    assert set(CHOOK.to_payload(props)) == {"app_id", "target", "triggers", "secret", "client_credentials"}
    assert "client_credentials.client_secret" in CHOOK.sensitive
