"""sinch.number: scheduled provisioning at the edge, unlinking, readiness, planned calls (pure)."""

from __future__ import annotations

import pytest

from provisioner.kind import FieldChange
from provisioner.model import ReadinessState
from provisioner.plan import view
from provisioner.providers.sinch.number import Number

KIND = Number()
NUMBER = "+12015550002"


def wire(sms=None, voice=None, **top):
    return {
        "phoneNumber": NUMBER,
        "regionCode": "US",
        "type": "LOCAL",
        "capability": ["SMS", "VOICE"],
        "displayName": "",
        "callbackUrl": "",
        "smsConfiguration": sms or {"servicePlanId": "", "campaignId": "", "scheduledProvisioning": None},
        "voiceConfiguration": voice or {"type": "RTC", "appId": "", "scheduledVoiceProvisioning": None},
        **top,
    }


@pytest.mark.parametrize(
    "w, expected",
    [
        pytest.param(wire(), {"phone_number": NUMBER}, id="a bare number: server blanks are not configuration"),
        pytest.param(
            wire(
                sms={
                    "servicePlanId": "",
                    "campaignId": "",
                    "scheduledProvisioning": {
                        "servicePlanId": "plan-2",
                        "campaignId": "",
                        "status": "WAITING",
                        "errorCodes": [],
                    },
                }
            ),
            {"phone_number": NUMBER, "sms_configuration": {"service_plan_id": "plan-2"}},
            id="while provisioning is in flight the requested plan is compared (pending, not drift)",
        ),
        pytest.param(
            wire(
                sms={
                    "servicePlanId": "plan-1",
                    "scheduledProvisioning": {
                        "servicePlanId": "fail-x",
                        "status": "FAILED",
                        "errorCodes": ["SMS_PROVISIONING_FAILED"],
                    },
                }
            ),
            {"phone_number": NUMBER, "sms_configuration": {"service_plan_id": "plan-1"}},
            id="after a failure what is really in place is compared, so the next plan retries",
        ),
        pytest.param(
            wire(
                voice={
                    "type": "EST",
                    "trunkId": "",
                    "scheduledVoiceProvisioning": {"type": "EST", "trunkId": "trunk-9", "status": "IN_PROGRESS"},
                },
                displayName="Care",
                callbackUrl="https://x",
            ),
            {
                "phone_number": NUMBER,
                "display_name": "Care",
                "callback_url": "https://x",
                "voice_configuration": {"type": "EST", "trunk_id": "trunk-9"},
            },
            id="voice configuration in flight, display name and callback",
        ),
    ],
)
def test_to_spec(w, expected):
    assert KIND.to_spec(w) == expected


@pytest.mark.parametrize(
    "props, fields, expected",
    [
        pytest.param(
            {"sms_configuration": {"service_plan_id": "p", "campaign_id": "c"}},
            ["sms_configuration"],
            {"smsConfiguration": {"servicePlanId": "p", "campaignId": "c"}},
            id="camelCase at the edge",
        ),
        pytest.param(
            {},
            ["sms_configuration"],
            {"smsConfiguration": {"servicePlanId": "", "campaignId": ""}},
            id="removing the SMS configuration unlinks it with empty values",
        ),
        pytest.param(
            {"voice_configuration": {"app_id": "a"}},
            ["voice_configuration"],
            {"voiceConfiguration": {"type": "RTC", "appId": "a"}},
            id="voice type defaults to RTC",
        ),
        pytest.param(
            {},
            ["display_name", "callback_url"],
            {"displayName": "", "callbackUrl": ""},
            id="removed scalars are cleared",
        ),
    ],
)
def test_payload(props, fields, expected):
    assert KIND.to_payload(props, fields) == expected


@pytest.mark.parametrize(
    "sms, voice, state, fragment",
    [
        pytest.param(None, None, ReadinessState.READY, "", id="nothing scheduled: ready"),
        pytest.param(
            {"status": "WAITING", "error_codes": []},
            None,
            ReadinessState.PENDING,
            "SMS provisioning WAITING",
            id="SMS provisioning in flight",
        ),
        pytest.param(
            None,
            {"status": "IN_PROGRESS", "error_codes": []},
            ReadinessState.PENDING,
            "voice provisioning",
            id="voice provisioning in flight",
        ),
        pytest.param(
            {"status": "FAILED", "error_codes": ["CAMPAIGN_NOT_AVAILABLE", "SMS_PROVISIONING_FAILED"]},
            {"status": "WAITING"},
            ReadinessState.FAILED,
            "CAMPAIGN_NOT_AVAILABLE, SMS_PROVISIONING_FAILED",
            id="a failure wins and names its error codes",
        ),
    ],
)
def test_readiness(sms, voice, state, fragment):
    from provisioner.model import LiveObject

    result = KIND.ready(LiveObject(NUMBER, {}, {"sms_provisioning": sms, "voice_provisioning": voice}))
    assert result.state is state and fragment in result.message


def test_live_object_carries_scheduling_for_readiness():
    obj = KIND._live(
        wire(
            sms={
                "servicePlanId": "",
                "scheduledProvisioning": {
                    "servicePlanId": "p",
                    "status": "FAILED",
                    "errorCodes": ["INSUFFICIENT_BALANCE"],
                },
            }
        )
    )
    assert obj.id == NUMBER and obj.attributes["capability"] == ["SMS", "VOICE"]
    assert KIND.ready(obj).message == "SMS provisioning FAILED (INSUFFICIENT_BALANCE)"


@pytest.mark.parametrize(
    "action, props, changes, writes",
    [
        pytest.param(
            "create",
            {"phone_number": NUMBER, "sms_configuration": {"service_plan_id": "p"}},
            [],
            1,
            id="configuration rides on :rent itself",
        ),
        pytest.param(
            "create",
            {"phone_number": NUMBER, "display_name": "x"},
            [],
            2,
            id=":rent takes no display name: one PATCH more",
        ),
        pytest.param("import", {}, [], 0, id="adopting a number as it is makes no call"),
        pytest.param("import", {}, [FieldChange("display_name", None, "x")], 1, id="adopting and renaming: one PATCH"),
        pytest.param("delete", {}, [], 1, id="release is one call"),
    ],
)
def test_write_calls(action, props, changes, writes):
    assert KIND.write_calls(action, props, changes) == writes


def test_plan_note_warns_that_rent_is_us_local_only():
    assert "US LOCAL" in KIND.plan_notes({"phone_number": "+447700900001"}, "create")[0]
    assert "US LOCAL" not in KIND.plan_notes({"phone_number": NUMBER}, "create")[0]
    assert KIND.plan_notes({"phone_number": NUMBER}, "update") == []


def test_desired_voice_without_type_equals_live_rtc():
    desired = view(KIND, {"phone_number": NUMBER, "voice_configuration": {"app_id": "a"}, "display_name": ""})
    live = view(KIND, KIND.to_spec(wire(voice={"type": "RTC", "appId": "a", "scheduledVoiceProvisioning": None})))
    assert desired == live
