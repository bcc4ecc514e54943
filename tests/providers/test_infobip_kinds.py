"""Infobip kinds: translation at the edge, normalisation of server/spec defaults, readiness, refusals and
call counts. Pure: no network."""

from __future__ import annotations

import pytest

from provisioner.diff import compare
from provisioner.kind import FieldChange
from provisioner.model import LiveObject, ReadinessState
from provisioner.plan import view
from provisioner.providers.infobip.inbound_message_configuration import InboundMessageConfiguration
from provisioner.providers.infobip.number import Number
from provisioner.providers.infobip.rcs_sender import RcsSender
from provisioner.providers.infobip.tfa_application import TfaApplication
from provisioner.providers.infobip.tfa_message_template import TfaMessageTemplate
from provisioner.providers.infobip.webhook import Webhook, _events, _steps
from provisioner.providers.infobip.whatsapp_template import WhatsappTemplate


def in_sync(kind, desired, live_props, last=None) -> bool:
    return compare(kind, view(kind, desired), last, view(kind, live_props)) == []


# ---------------------------------------------------------------- number
NUMBER = Number()


@pytest.mark.parametrize(
    "desired, wire, same",
    [
        pytest.param(
            {"number": "447700900001"},
            {"numberKey": "K", "number": "447700900001", "country": "GB", "applicationId": "default"},
            True,
            id="no application declared = Infobip's 'default'",
        ),
        pytest.param(
            {"number": "+447700900001", "application_id": "acme"},
            {"numberKey": "K", "number": "447700900001", "applicationId": "acme", "entityId": None},
            True,
            id="a leading + is dropped; a null entity is no entity",
        ),
        pytest.param(
            {"number": "447700900001", "application_id": "acme"},
            {"numberKey": "K", "number": "447700900001", "applicationId": "default"},
            False,
            id="a changed application is a change",
        ),
    ],
)
def test_number_compares_after_defaults(desired, wire, same):
    assert in_sync(NUMBER, desired, NUMBER.to_spec(wire)) is same


@pytest.mark.parametrize(
    "props, purchase, body",
    [
        pytest.param({"number": "1"}, True, {}, id="purchase: nothing to link, nothing sent"),
        pytest.param({"number": "1"}, False, {"applicationId": "default"}, id="PUT requires an applicationId"),
        pytest.param(
            {"number": "1", "application_id": "a", "entity_id": "e"},
            True,
            {"applicationId": "a", "entityId": "e"},
            id="purchase links in the same call",
        ),
    ],
)
def test_number_link_payload(props, purchase, body):
    assert NUMBER.link(props, purchase=purchase) == body


@pytest.mark.parametrize(
    "status, state",
    [
        pytest.param(None, ReadinessState.READY, id="no reservation status: owned"),
        pytest.param("PENDING", ReadinessState.PENDING, id="reservation still pending"),
        pytest.param("BILLING_FAILED", ReadinessState.FAILED, id="billing failed"),
        pytest.param("RESERVATION_FAILED", ReadinessState.FAILED, id="reservation failed"),
    ],
)
def test_number_readiness(status, state):
    wire = {"numberKey": "K", "number": "447700900001", "reservationStatus": status}
    assert NUMBER.ready(NUMBER._live(wire)).state is state


def test_number_identity_is_the_digits():
    assert NUMBER.natural_id({"number": "+12015550000"}) == "12015550000"
    assert NUMBER.natural_id({"number": None}) is None


# ---------------------------------------------------------------- 2FA
TFA = TfaApplication()
SPEC_DEFAULTS = {
    "pinAttempts": 10,
    "allowMultiplePinVerifications": True,
    "pinTimeToLive": "15m",
    "verifyPinLimit": "1/3s",
    "sendPinPerApplicationLimit": "10000/1d",
    "sendPinPerPhoneNumberLimit": "3/1d",
}


@pytest.mark.parametrize(
    "desired, wire, same",
    [
        pytest.param(
            {"name": "Login"},
            {"applicationId": "A", "name": "Login", "enabled": True, "configuration": SPEC_DEFAULTS},
            True,
            id="every default left out equals the defaults the server (or an SDK) filled in",
        ),
        pytest.param(
            {"name": "Login", "configuration": {"pin_attempts": 5}},
            {
                "applicationId": "A",
                "name": "Login",
                "enabled": True,
                "configuration": {**SPEC_DEFAULTS, "pinAttempts": 5},
            },
            True,
            id="one setting declared, the rest defaults",
        ),
        pytest.param(
            {"name": "Login"},
            {
                "applicationId": "A",
                "name": "Login",
                "enabled": True,
                "configuration": {**SPEC_DEFAULTS, "pinAttempts": 3},
            },
            False,
            id="a console change to an undeclared setting shows: PUT replaces the whole application",
        ),
        pytest.param(
            {"name": "Login"},
            {"applicationId": "A", "name": "Login", "enabled": False, "configuration": SPEC_DEFAULTS},
            False,
            id="disabled live, enabled (default) desired",
        ),
    ],
)
def test_tfa_application_defaults_never_show_as_changes(desired, wire, same):
    assert in_sync(TFA, desired, TFA.to_spec(wire)) is same


def test_tfa_application_payload_sends_every_default_and_disable_keeps_the_configuration():
    body = TFA.to_payload({"name": "Login", "configuration": {"pin_attempts": 5}})
    assert body == {"name": "Login", "enabled": True, "configuration": {**SPEC_DEFAULTS, "pinAttempts": 5}}
    live = TFA._live(
        {"applicationId": "A", "name": "Login", "enabled": True, "configuration": {**SPEC_DEFAULTS, "pinAttempts": 5}}
    )
    off = TFA.to_payload(live.properties, enabled=False)
    assert off["enabled"] is False and off["configuration"]["pinAttempts"] == 5 and off["name"] == "Login"


@pytest.mark.parametrize(
    "enabled, dormant, writes",
    [
        pytest.param(True, False, 1, id="enabled: the removal disables it with one PUT"),
        pytest.param(False, True, 0, id="already disabled: dormant, and nothing to send"),
    ],
)
def test_tfa_application_removal_is_a_disable(enabled, dormant, writes):
    live = TFA._live({"applicationId": "A", "name": "Login", "enabled": enabled})
    assert TFA.removal == "disable"
    assert TFA.dormant(live) is dormant
    assert TFA.write_calls("delete", {"name": "Login", "enabled": enabled}, []) == writes


TEMPLATE = TfaMessageTemplate()


def test_tfa_template_translation_and_language_default():
    wire = {
        "messageId": "M",
        "applicationId": "A",
        "pinPlaceholder": "{{pin}}",
        "messageText": "Code {{pin}}",
        "pinType": "NUMERIC",
        "pinLength": 6,
        "language": "en",
        "repeatDTMF": "1#",
        "speechRate": 1.0,
        "regional": {"indiaDlt": {"principalEntityId": "P"}},
    }
    live = TEMPLATE._live(wire)
    assert live.id == "M" and live.attributes == {"id": "M", "application_id": "A"}
    assert live.properties["repeat_dtmf"] == "1#"  # the one key camelCase rules cannot produce
    assert live.properties["regional"] == {"india_dlt": {"principal_entity_id": "P"}}
    desired = {
        "application_id": "A",
        "message_text": "Code {{pin}}",
        "pin_type": "NUMERIC",
        "pin_length": 6,
        "repeat_dtmf": "1#",
        "speech_rate": 1,
        "regional": {"india_dlt": {"principal_entity_id": "P"}},
    }
    assert in_sync(TEMPLATE, desired, live.properties)  # language "en" is the default
    assert TEMPLATE.to_payload(desired)["repeatDTMF"] == "1#"
    assert TEMPLATE.removal == "forget"


# ---------------------------------------------------------------- inbound configurations
INBOUND = InboundMessageConfiguration()


@pytest.mark.parametrize(
    "props, natural",
    [
        pytest.param({"channel": "SMS", "number": "+4477"}, "SMS:4477:*", id="no keyword: matches every message"),
        pytest.param({"channel": "SMS", "number": "4477", "keyword": "STOP"}, "SMS:4477:STOP", id="keyword"),
        pytest.param({"channel": "SMS"}, None, id="no number yet (known after apply)"),
    ],
)
def test_inbound_identity(props, natural):
    assert INBOUND.natural_id(props) == natural


def test_inbound_forwarding_format_defaults_and_removed_sections_are_unset():
    live = INBOUND._live(
        {
            "configurationKey": "C",
            "channel": "SMS",
            "keyword": None,
            "forwarding": {"type": "HTTP_FORWARD", "url": "https://h/x", "format": "MO_JSON_2"},
        },
        "SMS",
        "4477",
    )
    desired = {"channel": "SMS", "number": "4477", "forwarding": {"type": "HTTP_FORWARD", "url": "https://h/x"}}
    assert live.id == "SMS:4477:*" and in_sync(INBOUND, desired, live.properties)
    body = INBOUND.to_payload(desired, ["PLATFORM"])
    assert body == {
        "channel": "SMS",
        "number": "4477",
        "forwarding": {"type": "HTTP_FORWARD", "url": "https://h/x"},
        "unset": ["PLATFORM"],
    }


# ---------------------------------------------------------------- webhook
WEBHOOK = Webhook()


@pytest.mark.parametrize(
    "events, channel, expected",
    [
        pytest.param(
            ["INBOUND_MESSAGE", "DELIVERY"], "SMS", ["DELIVERY", "INBOUND_MESSAGE"], id="a set: order ignored"
        ),
        pytest.param(["DELIVERY", "TEMPLATE_UPDATE"], "SMS", ["DELIVERY"], id="events SMS does not offer are dropped"),
        pytest.param(["DELIVERY", "DELIVERY"], "SMS", ["DELIVERY"], id="duplicates"),
        pytest.param(
            [{"event": "INBOUND_MESSAGE", "format": "MO_JSON_2"}, "DELIVERY"],
            "SMS",
            ["DELIVERY", {"event": "INBOUND_MESSAGE", "format": "MO_JSON_2"}],
            id="format-aware events keep their format",
        ),
    ],
)
def test_webhook_events_normalise_as_infobip_keeps_them(events, channel, expected):
    assert _events(events, channel) == expected


def change(path, old, new, reasons=("config",)):
    return FieldChange(path, old, new, reasons)


SECURED = {"id": "w", "channel": "SMS", "url": "https://h", "events": ["DELIVERY"], "security": {"type": "BASIC"}}
PLAIN = {k: v for k, v in SECURED.items() if k != "security"}


@pytest.mark.parametrize(
    "props, changes, steps",
    [
        pytest.param(SECURED, [change("url", "https://a", "https://h")], ["put-profile"], id="URL: the profile only"),
        pytest.param(SECURED, [change("events", ["CLICK"], ["DELIVERY"])], ["put-subscription"], id="events"),
        pytest.param(
            SECURED,
            [change("security.credentials.password", "fp:1", "fp:2")],
            ["put-security"],
            id="a rotated password: the security setting only",
        ),
        pytest.param(
            SECURED,
            [change("security.type", None, "BASIC")],
            ["post-security", "put-profile"],
            id="security added: created, then referenced by the profile",
        ),
        pytest.param(
            PLAIN,
            [change("security.type", "BASIC", None)],
            ["put-profile", "delete-security"],
            id="security removed: unreferenced first, then deleted",
        ),
        pytest.param(
            SECURED,
            [change("channel", "MMS", "SMS"), change("events", ["CLICK"], ["DELIVERY"])],
            ["move-subscription"],
            id="another channel: the subscription moves (its events go with it)",
        ),
    ],
)
def test_webhook_updates_touch_only_the_objects_that_changed(props, changes, steps):
    assert _steps(props, changes) == steps


@pytest.mark.parametrize(
    "action, props, changes, writes",
    [
        pytest.param("create", SECURED, [], 3, id="create with security: security, profile, subscription"),
        pytest.param("create", PLAIN, [], 2, id="create without security"),
        pytest.param("delete", SECURED, [], 3, id="delete: the three in reverse"),
        pytest.param("update", SECURED, [change("channel", "MMS", "SMS")], 2, id="move: delete + create"),
        pytest.param("update", SECURED, [change("url", "a", "b"), change("name", "x", "y")], 2, id="profile + sub"),
    ],
)
def test_webhook_write_calls(action, props, changes, writes):
    assert WEBHOOK.write_calls(action, props, changes) == writes


def test_webhook_live_view_composes_the_three_objects_and_credentials_are_write_only():
    live = WEBHOOK._live(
        {"subscriptionId": "w", "events": ["DELIVERY"], "profile": {"profileId": "w"}},
        "SMS",
        {"profileId": "w", "webhook": {"notifyUrl": "https://h"}, "security": {"authId": "w"}, "rateLimit": 100},
        {"authId": "w", "type": "BASIC", "credentials": {"username": "u", "password": "p"}},
    )
    assert live.attributes == {"id": "w", "channel": "SMS", "profile_id": "w", "auth_id": "w"}
    assert live.properties["url"] == "https://h" and live.properties["rate_limit"] == 100
    desired = {**SECURED, "security": {"type": "BASIC", "credentials": {"username": "u", "password": "p2"}}}
    last = view(WEBHOOK, desired)
    # the live credentials are not what is compared: last-applied is (a rotation is a config change)
    assert compare(WEBHOOK, view(WEBHOOK, desired), last, view(WEBHOOK, live.properties)) == []
    assert last["security"]["credentials"]["password"].startswith("fp:")


# ---------------------------------------------------------------- WhatsApp template
WA = WhatsappTemplate()


def wa_live(status="APPROVED", languages=("en",), **extra) -> LiveObject:
    wire = {
        "id": "111",
        "name": "order_update",
        "language": "en",
        "status": status,
        "category": "UTILITY",
        "structure": {"body": {"text": "Hi {{1}}"}, "type": "TEXT"},
        **extra,
    }
    return WA._live(wire, "447700900001", list(languages))


def test_whatsapp_template_write_only_and_read_only_parts_never_show_as_changes():
    wire = {
        "id": "111",
        "name": "order_update",
        "language": "en",
        "status": "APPROVED",
        "category": "UTILITY",
        "structure": {
            "body": {"text": "Hi {{1}}"},
            "buttons": [
                {"type": "URL", "text": "Track", "url": "https://t/{{1}}", "destinationUrl": "https://t/x"},
                {"type": "COPY_CODE", "text": "Copy code"},
            ],
            "type": "MEDIA",
        },
    }
    desired = {
        "sender": "+447700900001",
        "name": "order_update",
        "language": "en",
        "category": "UTILITY",
        "structure": {
            "body": {"text": "Hi {{1}}", "examples": ["Sam"]},
            "buttons": [
                {"type": "URL", "text": "Track", "url": "https://t/{{1}}", "example": "x"},
                {"type": "COPY_CODE", "example": "123"},
            ],
        },
    }
    live = WA._live(wire, "447700900001", ["en"])
    assert live.id == WA.natural_id(desired) == "447700900001:order_update:en"
    assert live.attributes["template_id"] == "111"
    assert in_sync(WA, desired, live.properties)


@pytest.mark.parametrize(
    "status, extra, state, words",
    [
        pytest.param("PENDING", {}, ReadinessState.PENDING, "in review at Meta (PENDING)", id="in review"),
        pytest.param("IN_APPEAL", {}, ReadinessState.PENDING, "IN_APPEAL", id="appeal: still in review"),
        pytest.param("APPROVED", {}, ReadinessState.READY, "", id="approved"),
        pytest.param("FLAGGED", {}, ReadinessState.READY, "", id="flagged: still usable"),
        pytest.param(
            "REJECTED",
            {"reason": "INVALID_FORMAT"},
            ReadinessState.FAILED,
            "reason: INVALID_FORMAT",
            id="rejected, reason",
        ),
        pytest.param("REJECTED", {}, ReadinessState.FAILED, "TEMPLATE_UPDATE webhooks", id="rejected, no reason given"),
        pytest.param("DISABLED", {}, ReadinessState.FAILED, "DISABLED at Meta", id="disabled"),
    ],
)
def test_whatsapp_template_readiness(status, extra, state, words):
    readiness = WA.ready(wa_live(status, **extra))
    assert readiness.state is state and words in readiness.message


@pytest.mark.parametrize(
    "action, props, live, words",
    [
        pytest.param(
            "delete",
            {},
            wa_live("APPROVED", ("de", "en", "es")),
            ["every language of order_update (de, en, es)", "30 days", "allow_delete: true"],
            id="delete lists every language that would go",
        ),
        pytest.param(
            "delete", {"allow_delete": True}, wa_live("APPROVED", ("de", "en")), None, id="explicitly allowed"
        ),
        pytest.param(
            "delete", {}, wa_live("REJECTED"), ["every language of order_update (en)"], id="even a rejected one blocks"
        ),
        pytest.param(
            "replace",
            {"name": "order_update", "language": "de", "allow_delete": True},
            wa_live(),
            ["would also delete the new one"],
            id="a language change under the same name: never, the delete would take the new one too",
        ),
        pytest.param(
            "replace", {"name": "order_update_v2"}, wa_live(), ["cannot rename", "allow_delete: true"], id="rename"
        ),
    ],
)
def test_whatsapp_template_delete_refusals(action, props, live, words):
    refusal = WA.refusal(action, props, live)
    if words is None:
        assert refusal is None
    else:
        for word in words:
            assert word in refusal, (word, refusal)


STRUCTURE_EDIT = [change("structure.body.text", "Hi {{1}}", "Hello {{1}}")]


@pytest.mark.parametrize(
    "status, changes, refused",
    [
        pytest.param("APPROVED", STRUCTURE_EDIT, None, id="approved: editable"),
        pytest.param("REJECTED", STRUCTURE_EDIT, None, id="rejected: editable (to resubmit)"),
        pytest.param("SECOND_PAUSED", STRUCTURE_EDIT, None, id="paused: editable"),
        pytest.param("PENDING", STRUCTURE_EDIT, None, id="in review: not refused, deferred until the review ends"),
        pytest.param("FLAGGED", STRUCTURE_EDIT, "edit impossible now, the template is FLAGGED", id="flagged"),
        pytest.param("DISABLED", STRUCTURE_EDIT, "edit impossible now, the template is DISABLED", id="disabled"),
        pytest.param(
            "APPROVED", [change("category", "UTILITY", "MARKETING")], "cannot change the category", id="category"
        ),
        pytest.param(
            "DISABLED", [change("allow_delete", None, True)], None, id="a manifest-only flag: nothing to send"
        ),
    ],
)
def test_whatsapp_template_edits_only_in_the_states_infobip_allows(status, changes, refused):
    result = WA.update_refusal({}, wa_live(status), changes)
    assert (result is None) if refused is None else (refused in result)


def test_whatsapp_template_plan_explains_an_edit_that_must_wait():
    notes = WA.live_notes("noop", {}, wa_live("PENDING"), STRUCTURE_EDIT)
    assert notes and notes[0].startswith("edit impossible now: the template is PENDING review")
    assert WA.live_notes("noop", {}, wa_live("PENDING"), []) == []
    assert WA.write_calls("update", {}, [change("allow_delete", None, True)]) == 0


# ---------------------------------------------------------------- RCS sender
RCS = RcsSender()


@pytest.mark.parametrize(
    "status, changes, refused",
    [
        pytest.param("READY_FOR_TESTING", [change("display_name", "a", "b")], None, id="unlocked: editable"),
        pytest.param(
            "READY_FOR_TESTING", [change("brand.brand_name", "a", "b")], "cannot change brand", id="brand is immutable"
        ),
        pytest.param(
            "LAUNCHED",
            [change("hosting_region", "EUROPE", "ASIA_PACIFIC")],
            "cannot change hosting_region",
            id="region",
        ),
        pytest.param("PENDING_LAUNCH", [change("description", "a", "b")], "locked for launch", id="locked"),
        pytest.param("PENDING_LAUNCH", [change("platform.application_id", "a", "b")], None, id="platform: any time"),
    ],
)
def test_rcs_sender_update_refusals(status, changes, refused):
    live = RCS._live({"senderName": "Acme", "senderStatus": status})
    result = RCS.update_refusal({}, live, changes)
    assert (result is None) if refused is None else (refused in result)


@pytest.mark.parametrize(
    "status, state",
    [
        pytest.param("PENDING", ReadinessState.PENDING, id="processing"),
        pytest.param("READY_FOR_TESTING", ReadinessState.READY, id="left PENDING: ready"),
        pytest.param("LAUNCHED", ReadinessState.READY, id="launched"),
        pytest.param("SENDER_UPDATE_REQUIRED", ReadinessState.FAILED, id="Infobip asks for changes"),
    ],
)
def test_rcs_sender_readiness(status, state):
    assert RCS.ready(RCS._live({"senderName": "Acme", "senderStatus": status})).state is state


def test_rcs_sender_color_compares_case_and_hash_insensitively():
    assert in_sync(RCS, {"sender_name": "Acme", "color": "1a73e8"}, {"sender_name": "Acme", "color": "#1A73E8"})
    assert RCS.removal == "forget"
