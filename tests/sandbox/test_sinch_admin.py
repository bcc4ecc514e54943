"""Admin routes for Sinch (out-of-band edits, forced async outcomes) and the request log of the Sinch listeners."""

from __future__ import annotations

import pytest
from test_sinch_support import PROJECT, papi_error, rpc_error, sinch_fixture, sms_credential  # noqa: F401

US1 = "+12015550001"


def test_request_log_records_sinch_calls_with_repeated_query_keys(sinch):
    sinch.numbers.get(sinch.path("/activeNumbers"), params=[("capability", "SMS"), ("capability", "VOICE")])
    sinch.bare("sinch.conversation").get(sinch.path("/apps"))
    sinch.auth.post("/oauth2/token", auth=("k", "s"), data={"grant_type": "client_credentials"})
    assert sinch.sb.log() == [
        {
            "api": "sinch.numbers",
            "method": "GET",
            "path": f"/v1/projects/{PROJECT}/activeNumbers",
            "query": {"capability": ["SMS", "VOICE"]},
            "status": 200,
        },
        {
            "api": "sinch.conversation",
            "method": "GET",
            "path": f"/v1/projects/{PROJECT}/apps",
            "query": {},
            "status": 401,
        },
        {"api": "sinch.auth", "method": "POST", "path": "/oauth2/token", "query": {}, "status": 200},
    ]
    assert "client_credentials" not in sinch.admin.get("/_sandbox/requests").text  # bodies are never logged


def test_number_edits_out_of_band(sinch):
    sinch.rent(US1)
    sinch.sb.admin.delete("/_sandbox/requests")
    view = sinch.admin.get(sinch.admin_path(f"/numbers/{US1}")).json()
    assert view["phoneNumber"] == US1 and view["_sandbox"]["due"] is None
    r = sinch.admin.patch(
        sinch.admin_path(f"/numbers/{US1}"), json={"displayName": "set in the dashboard", "callbackUrl": None}
    )
    assert r.status_code == 200 and r.json()["displayName"] == "set in the dashboard"
    number = sinch.number(US1)
    assert number["displayName"] == "set in the dashboard" and "callbackUrl" not in number
    assert sinch.admin.patch(sinch.admin_path(f"/numbers/{US1}"), json={"phoneNumber": "+1"}).status_code == 400
    assert sinch.admin.delete(sinch.admin_path(f"/numbers/{US1}")).status_code == 204
    rpc_error(sinch.numbers.get(sinch.path(f"/activeNumbers/{US1}")), 404, "NOT_FOUND")
    assert sinch.numbers.get(sinch.path(f"/availableNumbers/{US1}")).status_code == 200
    assert sinch.admin.get(sinch.admin_path(f"/numbers/{US1}")).status_code == 404
    assert [e["path"] for e in sinch.sb.log()] == [
        f"/v1/projects/{PROJECT}/activeNumbers/{US1}",
        f"/v1/projects/{PROJECT}/activeNumbers/{US1}",
        f"/v1/projects/{PROJECT}/availableNumbers/{US1}",
    ]  # admin calls are not logged


def test_give_a_number_of_any_region(sinch):
    r = sinch.admin.post(sinch.admin_path("/numbers"), json={"phoneNumber": "+447700900007", "displayName": "UK line"})
    assert r.status_code == 201
    number = sinch.number("+447700900007")
    assert number["regionCode"] == "GB" and number["type"] == "MOBILE" and number["displayName"] == "UK line"
    assert sinch.admin.post(sinch.admin_path("/numbers"), json={"phoneNumber": "+447700900007"}).status_code == 409
    assert sinch.admin.post(sinch.admin_path("/numbers"), json={"phoneNumber": "+33100000000"}).status_code == 400
    r = sinch.admin.post(
        sinch.admin_path("/numbers"), json={"phoneNumber": "+33100000000", "regionCode": "FR", "type": "LOCAL"}
    )
    assert r.status_code == 201 and sinch.number("+33100000000")["regionCode"] == "FR"


def test_force_number_provisioning_outcome(sinch):
    sinch.rent(US1, {"smsConfiguration": {"servicePlanId": "plan"}, "voiceConfiguration": {"appId": "app"}})
    r = sinch.admin.post(
        sinch.admin_path(f"/numbers/{US1}/provisioning"),
        json={"sms": "FAILED", "error_codes": ["CAMPAIGN_NOT_AVAILABLE"]},
    )
    assert r.status_code == 200
    number = sinch.number(US1)
    assert number["smsConfiguration"]["scheduledProvisioning"]["errorCodes"] == ["CAMPAIGN_NOT_AVAILABLE"]
    assert number["voiceConfiguration"]["appId"] == "app"  # voice finished now with its scheduled outcome
    assert sinch.admin.post(sinch.admin_path(f"/numbers/{US1}/provisioning"), json={}).status_code == 409


def test_templates_webhooks_and_locks_out_of_band(sinch):
    r = sinch.prov.post(
        sinch.path("/whatsapp/templates"),
        json={
            "name": "t",
            "language": "EN",
            "category": "UTILITY",
            "status": "SUBMIT",
            "details": {"components": [{"type": "BODY", "text": "x"}]},
        },
    )
    assert r.status_code == 201
    view = sinch.admin.get(sinch.admin_path("/templates/t/EN")).json()
    assert view["_sandbox"]["review"]["outcome"] == "APPROVED" and view["_sandbox"]["due"].endswith("Z")
    # Moving the review into the past makes Meta decide on the spot.
    r = sinch.admin.patch(
        sinch.admin_path("/templates/t/EN"), json={"_sandbox": {"review": {"due": 0, "outcome": "REJECTED"}}}
    )
    assert r.status_code == 200 and r.json()["state"] == "REJECTED"
    assert sinch.admin.patch(sinch.admin_path("/templates/t/EN"), json={"name": "u"}).status_code == 400
    assert sinch.admin.delete(sinch.admin_path("/templates/t/EN")).status_code == 204
    assert sinch.prov.get(sinch.path("/whatsapp/templates")).json()["totalSize"] == 0
    hook = sinch.prov.post(
        sinch.path("/webhooks"), json={"target": "https://e.com/h", "secret": "x", "triggers": ["ALL"]}
    ).json()
    sinch.admin.patch(
        sinch.admin_path(f"/webhooks/{hook['id']}"),
        json={"triggers": ["BUNDLE_DONE"], "_sandbox": {"secret": "rotated"}},
    )
    assert sinch.prov.get(sinch.path(f"/webhooks/{hook['id']}")).json()["triggers"] == ["BUNDLE_DONE"]
    assert sinch.admin.get(sinch.admin_path(f"/webhooks/{hook['id']}")).json()["_sandbox"]["secret"] == "rotated"
    assert [w["id"] for w in sinch.admin.get(sinch.admin_path("/webhooks")).json()] == [hook["id"]]


def test_settle_finishes_pending_transitions_now(sinch):
    sender = sinch.prov.post(
        sinch.path("/whatsapp/senders"),
        json={"countryCode": "46", "phoneNumber": "701740000", "details": {"displayName": "S"}},
    ).json()
    r = sinch.admin.post(sinch.admin_path(f"/senders/{sender['id']}/settle"))
    assert r.status_code == 200 and r.json()["state"] == "PENDING_VERIFICATION"
    assert sinch.admin.get(sinch.admin_path(f"/senders/{sender['id']}/otp")).status_code == 404
    sinch.prov.post(sinch.path(f"/whatsapp/senders/{sender['id']}/register"), json={"method": "SMS"})
    code = sinch.admin.get(sinch.admin_path(f"/senders/{sender['id']}/otp")).json()["code"]
    assert (
        sinch.prov.post(sinch.path(f"/whatsapp/senders/{sender['id']}/verify"), json={"code": code}).status_code == 200
    )
    rcs = sinch.prov.post(
        sinch.path("/rcs/senders"),
        json={
            "region": "US",
            "billingCategory": "NON_CONVERSATIONAL",
            "useCase": "OTP",
            "details": {"brand": {"name": "B"}},
        },
    ).json()
    assert sinch.admin.post(sinch.admin_path(f"/rcs-senders/{rcs['id']}/settle")).json()["state"] == "IN_TEST"
    assert sinch.prov.get(sinch.path(f"/rcs/senders/{rcs['id']}")).json()["state"] == "IN_TEST"
    sinch.rent(US1, {"smsConfiguration": {"servicePlanId": "p"}})
    assert (
        sinch.admin.post(sinch.admin_path(f"/numbers/{US1}/settle")).json()["smsConfiguration"]["servicePlanId"] == "p"
    )


def test_apps_out_of_band(sinch):
    r = sinch.admin.post(
        sinch.admin_path("/apps"),
        json={"display_name": "made in the dashboard", "channel_credentials": [sms_credential()]},
    )
    assert r.status_code == 201
    app_id = r.json()["id"]
    listed = sinch.conv.get(sinch.path("/apps")).json()["apps"]
    assert [a["display_name"] for a in listed] == ["made in the dashboard"]
    r = sinch.admin.post(
        sinch.admin_path(f"/apps/{app_id}/credentials"), json={"status": "FAILING", "description": "token revoked"}
    )
    assert r.status_code == 200
    cred = sinch.conv.get(sinch.path(f"/apps/{app_id}")).json()["channel_credentials"][0]
    assert cred["state"] == {"status": "FAILING", "description": "token revoked"}
    sinch.admin.patch(sinch.admin_path(f"/apps/{app_id}"), json={"display_name": "renamed"})
    assert sinch.conv.get(sinch.path(f"/apps/{app_id}")).json()["display_name"] == "renamed"
    hook = sinch.conv.post(
        sinch.path("/webhooks"), json={"app_id": app_id, "target": "https://e.com/c", "triggers": ["OPT_IN"]}
    ).json()
    assert (
        sinch.admin.get(sinch.admin_path(f"/conversation-webhooks/{hook['id']}")).json()["target"] == "https://e.com/c"
    )
    assert sinch.admin.delete(sinch.admin_path(f"/apps/{app_id}")).status_code == 204
    rpc_error(sinch.conv.get(sinch.path(f"/webhooks/{hook['id']}")), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "collection", ["webhooks", "senders", "rcs-senders", "apps", "conversation-webhooks", "numbers"]
)
def test_unknown_records_are_404(sinch, collection):
    assert sinch.admin.get(sinch.admin_path(f"/{collection}/nothing")).status_code == 404
    assert sinch.admin.patch(sinch.admin_path(f"/{collection}/nothing"), json={}).status_code == 404
    assert sinch.admin.delete(sinch.admin_path(f"/{collection}/nothing")).status_code == 404


def test_sender_admin_patch_can_suspend(sinch):
    sender = sinch.prov.post(
        sinch.path("/whatsapp/senders"),
        json={"countryCode": "46", "phoneNumber": "701740001", "details": {"displayName": "S"}},
    ).json()
    sinch.admin.patch(sinch.admin_path(f"/senders/{sender['id']}"), json={"state": "SUSPENDED", "changes": None})
    got = sinch.prov.get(sinch.path(f"/whatsapp/senders/{sender['id']}")).json()
    assert got["state"] == "SUSPENDED" and "changes" not in got
    papi_error(
        sinch.prov.post(sinch.path(f"/whatsapp/senders/{sender['id']}/register"), json={"method": "SMS"}),
        400,
        "invalid_state",
    )
