"""Sinch Numbers API emulator (sinch.md §3): inventory, rent (US LOCAL only), active numbers, scheduled
provisioning, release, callback configuration, Google-RPC errors."""

from __future__ import annotations

import socket

import pytest
from test_sinch_support import PROJECT, rpc_error, sinch_fixture  # noqa: F401

from provisioner.sandbox.config import SinchChoices

US1, US2, US3 = "+12015550001", "+12015550002", "+12015550003"


def search(sinch, **params) -> list[dict]:
    r = sinch.numbers.get(sinch.path("/availableNumbers"), params=params)
    assert r.status_code == 200, r.text
    return r.json()["availableNumbers"]


# -- available -----------------------------------------------------------------------------------------------


def test_available_regions(sinch):
    r = sinch.numbers.get(sinch.path("/availableRegions"))
    regions = {x["regionCode"]: x for x in r.json()["availableRegions"]}
    assert regions["US"] == {"regionCode": "US", "regionName": "United States", "types": ["LOCAL", "TOLL_FREE"]}
    assert regions["GB"]["types"] == ["MOBILE", "LOCAL"]
    mobile = sinch.numbers.get(sinch.path("/availableRegions"), params={"types": "MOBILE"}).json()["availableRegions"]
    assert "US" not in {x["regionCode"] for x in mobile} and all(x["types"] == ["MOBILE"] for x in mobile)


def test_search_inventory_shape_and_us_local_size(sinch):
    found = search(sinch, regionCode="US", type="LOCAL", size=1000)
    assert len(found) == 1000
    assert [n["phoneNumber"] for n in found[:3]] == ["+12015550000", "+12015550001", "+12015550002"]
    assert found[0] == {
        "phoneNumber": "+12015550000",
        "regionCode": "US",
        "type": "LOCAL",
        "capability": found[0]["capability"],
        "setupPrice": {"currencyCode": "USD", "amount": "0.00"},
        "monthlyPrice": {"currencyCode": "USD", "amount": "2.00"},
        "paymentIntervalMonths": 1,
        "supportingDocumentationRequired": False,
    }
    assert len(search(sinch, regionCode="US", type="LOCAL")) == 100  # default size
    assert search(sinch, regionCode="US", type="LOCAL", size=2) == found[:2]
    assert len(search(sinch, regionCode="US", type="LOCAL", size=5000)) == 1000  # clamped to what exists


def test_search_type_defaults_to_mobile_and_region_is_required(sinch):
    gb = search(sinch, regionCode="GB")
    assert gb and all(n["type"] == "MOBILE" and n["phoneNumber"].startswith("+447700900") for n in gb)
    assert search(sinch, regionCode="US") == []  # no US MOBILE inventory
    err = rpc_error(sinch.numbers.get(sinch.path("/availableNumbers")), 400, "INVALID_ARGUMENT")
    assert err["details"][0]["fieldViolations"][0]["field"] == "region_code"
    err = rpc_error(
        sinch.numbers.get(sinch.path("/availableNumbers"), params={"regionCode": "US", "type": "FIXED"}),
        400,
        "INVALID_ARGUMENT",
    )
    assert err["message"] == 'parsing field "type": "FIXED" is not a valid value'


def test_search_patterns_and_capabilities(sinch):
    start = search(sinch, **{"regionCode": "US", "type": "LOCAL", "numberPattern.pattern": "+1201555001"})
    assert [n["phoneNumber"] for n in start] == [f"+120155500{i}" for i in range(10, 20)]
    legacy = search(sinch, regionCode="US", type="LOCAL", pattern="1201555001", searchPattern="START")
    assert legacy == start
    end = search(
        sinch,
        **{"regionCode": "US", "type": "LOCAL", "numberPattern.pattern": "77", "numberPattern.searchPattern": "END"},
    )
    assert end and all(n["phoneNumber"].endswith("77") for n in end)
    contains = search(
        sinch,
        **{
            "regionCode": "US",
            "type": "LOCAL",
            "numberPattern.pattern": "0555",
            "numberPattern.searchPattern": "CONTAINS",
        },
    )
    assert contains and all("0555" in n["phoneNumber"] for n in contains)
    r = sinch.numbers.get(
        sinch.path("/availableNumbers"),
        params={"regionCode": "US", "type": "LOCAL", "numberPattern.searchPattern": "AROUND"},
    )
    rpc_error(r, 400, "INVALID_ARGUMENT")
    both = sinch.numbers.get(
        sinch.path("/availableNumbers"),
        params=[
            ("regionCode", "US"),
            ("type", "LOCAL"),
            ("capabilities", "SMS"),
            ("capabilities", "VOICE"),
            ("size", "200"),
        ],
    ).json()["availableNumbers"]
    voice_only = search(sinch, regionCode="US", type="LOCAL", capabilities="VOICE", size=200)
    assert all(set(n["capability"]) == {"SMS", "VOICE"} for n in both)
    assert all("VOICE" in n["capability"] for n in voice_only)
    assert any(n["capability"] == ["VOICE"] for n in voice_only)  # VOICE alone also matches a VOICE-only number
    assert not any(n["capability"] == ["VOICE"] for n in both)


def test_check_one_available_number(sinch):
    r = sinch.numbers.get(sinch.path(f"/availableNumbers/{US1}"))
    assert r.status_code == 200 and r.json()["phoneNumber"] == US1
    sinch.rent(US1)
    err = rpc_error(sinch.numbers.get(sinch.path(f"/availableNumbers/{US1}")), 404, "NOT_FOUND")
    assert err["details"][0]["resourceName"] == US1 and err["details"][0]["resourceType"] == "AvailableNumber"
    rpc_error(sinch.numbers.get(sinch.path("/availableNumbers/+19995550000")), 404, "NOT_FOUND")
    rpc_error(sinch.numbers.get(sinch.path("/availableNumbers/12015550001")), 400, "INVALID_ARGUMENT")
    assert search(sinch, regionCode="US", type="LOCAL", size=2)[1]["phoneNumber"] == US2  # rented one is gone


# -- rent ------------------------------------------------------------------------------------------------------


def test_rent_us_local_with_scheduled_sms_and_voice(sinch):
    body = sinch.rent(
        US1,
        {
            "smsConfiguration": {"servicePlanId": "plan-1"},
            "voiceConfiguration": {"type": "RTC", "appId": "app-1"},
            "callbackUrl": "https://example.com/numbers",
        },
    )
    assert body["phoneNumber"] == US1 and body["projectId"] == PROJECT
    assert body["regionCode"] == "US" and body["type"] == "LOCAL" and body["displayName"] == ""
    assert body["money"] == {"currencyCode": "USD", "amount": "2.00"} and body["paymentIntervalMonths"] == 1
    assert body["expireAt"] is None and body["nextChargeDate"].endswith("Z")
    assert body["callbackUrl"] == "https://example.com/numbers"
    sms = body["smsConfiguration"]
    assert sms["servicePlanId"] == "" and sms["campaignId"] == ""
    assert sms["scheduledProvisioning"]["servicePlanId"] == "plan-1"
    assert sms["scheduledProvisioning"]["status"] == "WAITING" and sms["scheduledProvisioning"]["errorCodes"] == []
    voice = body["voiceConfiguration"]
    assert voice["type"] == "RTC" and voice["appId"] == ""
    assert voice["scheduledVoiceProvisioning"] == {
        "type": "RTC",
        "appId": "app-1",
        "status": "WAITING",
        "lastUpdatedTime": voice["scheduledVoiceProvisioning"]["lastUpdatedTime"],
    }
    # The same number cannot be rented twice, by this project or another.
    err = rpc_error(sinch.numbers.post(sinch.path(f"/availableNumbers/{US1}:rent"), json={}), 404, "NOT_FOUND")
    assert err["details"][0]["resourceName"] == US1
    rpc_error(
        sinch.numbers.post(sinch.path(f"/availableNumbers/{US1}:rent", project="other"), json={}), 404, "NOT_FOUND"
    )


def test_rent_only_serves_us_local(sinch):
    for phone in ("+447700900001", "+18005550001", "+14165550001"):
        err = rpc_error(
            sinch.numbers.post(sinch.path(f"/availableNumbers/{phone}:rent"), json={}), 400, "INVALID_ARGUMENT"
        )
        violation = err["details"][0]
        assert violation["type"] == "BadRequest" and violation["fieldViolations"][0]["field"] == "phone_number"
        assert "US LOCAL" in err["message"]
    assert sinch.numbers.get(sinch.path("/activeNumbers")).json()["totalSize"] == 0


def test_rent_validates_the_body(sinch):
    path = sinch.path(f"/availableNumbers/{US1}:rent")
    rpc_error(sinch.numbers.post(path, json={"smsConfiguration": {}}), 400, "INVALID_ARGUMENT")
    rpc_error(sinch.numbers.post(path, json={"voiceConfiguration": {}}), 400, "INVALID_ARGUMENT")
    rpc_error(
        sinch.numbers.post(path, json={"voiceConfiguration": {"type": "FAX", "appId": "x"}}), 400, "INVALID_ARGUMENT"
    )
    rpc_error(sinch.numbers.post(path, json={"colour": "blue"}), 400, "INVALID_ARGUMENT")
    rpc_error(
        sinch.numbers.post(path, content=b"{nope", headers={"Content-Type": "application/json"}),
        400,
        "INVALID_ARGUMENT",
    )
    assert sinch.numbers.get(sinch.path(f"/availableNumbers/{US1}")).status_code == 200  # nothing was rented


def test_rent_any(sinch):
    r = sinch.numbers.post(
        sinch.path("/availableNumbers:rentAny"),
        json={
            "regionCode": "US",
            "type": "LOCAL",
            "numberPattern": {"pattern": "+12015550", "searchPattern": "START"},
            "capabilities": ["SMS", "VOICE"],
            "smsConfiguration": {"servicePlanId": "plan-1"},
        },
    )
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["phoneNumber"].startswith("+12015550") and set(first["capability"]) == {"SMS", "VOICE"}
    second = sinch.numbers.post(
        sinch.path("/availableNumbers:rentAny"), json={"regionCode": "US", "type": "LOCAL"}
    ).json()
    assert second["phoneNumber"] != first["phoneNumber"]
    for body, field in (
        ({"regionCode": "GB", "type": "MOBILE"}, "region_code"),
        ({"regionCode": "US", "type": "TOLL_FREE"}, "type"),
        ({"type": "LOCAL"}, "region_code"),
        ({"regionCode": "US"}, "type"),
    ):
        err = rpc_error(sinch.numbers.post(sinch.path("/availableNumbers:rentAny"), json=body), 400, "INVALID_ARGUMENT")
        assert err["details"][0]["fieldViolations"][0]["field"] == field
    r = sinch.numbers.post(
        sinch.path("/availableNumbers:rentAny"),
        json={"regionCode": "US", "type": "LOCAL", "numberPattern": {"pattern": "99999999"}},
    )
    rpc_error(r, 404, "NOT_FOUND")


def test_rent_restriction_can_be_lifted(server_factory, new_client):
    srv = server_factory(sinch=SinchChoices(rent_us_local_only=False))
    numbers = new_client(srv.endpoints["sinch.numbers"])
    r = numbers.post("/v1/projects/p/availableNumbers/+447700900001:rent", json={})
    assert r.status_code == 200 and r.json()["regionCode"] == "GB"


# -- active numbers ----------------------------------------------------------------------------------------------


def test_active_list_pagination(sinch):
    phones = [f"+1201555000{i}" for i in range(5)]
    for phone in reversed(phones):
        sinch.rent(phone)
    first = sinch.numbers.get(sinch.path("/activeNumbers"), params={"pageSize": 2}).json()
    assert [n["phoneNumber"] for n in first["activeNumbers"]] == phones[:2]
    assert first["totalSize"] == 5 and first["nextPageToken"]
    second = sinch.numbers.get(
        sinch.path("/activeNumbers"), params={"pageSize": 2, "pageToken": first["nextPageToken"]}
    ).json()
    assert [n["phoneNumber"] for n in second["activeNumbers"]] == phones[2:4]
    last = sinch.numbers.get(
        sinch.path("/activeNumbers"), params={"pageSize": 2, "pageToken": second["nextPageToken"]}
    ).json()
    assert [n["phoneNumber"] for n in last["activeNumbers"]] == phones[4:]
    assert last["nextPageToken"] == "" and last["totalSize"] == 5
    whole = sinch.numbers.get(sinch.path("/activeNumbers")).json()
    assert len(whole["activeNumbers"]) == 5 and whole["nextPageToken"] == ""
    rpc_error(sinch.numbers.get(sinch.path("/activeNumbers"), params={"pageToken": "garbage"}), 400, "INVALID_ARGUMENT")
    rpc_error(sinch.numbers.get(sinch.path("/activeNumbers"), params={"pageSize": -1}), 400, "INVALID_ARGUMENT")
    rpc_error(sinch.numbers.get(sinch.path("/activeNumbers"), params={"pageSize": "two"}), 400, "INVALID_ARGUMENT")
    other = sinch.numbers.get(sinch.path("/activeNumbers", project="someone-else")).json()
    assert other == {"activeNumbers": [], "nextPageToken": "", "totalSize": 0}


def test_active_list_filters_and_order(sinch, server_factory):
    sinch.rent(US1)
    sinch.rent(US2)
    sinch.numbers.patch(sinch.path(f"/activeNumbers/{US1}"), json={"displayName": "zulu"})
    sinch.numbers.patch(sinch.path(f"/activeNumbers/{US2}"), json={"displayName": "alpha"})
    sinch.admin.post(sinch.admin_path("/numbers"), json={"phoneNumber": "+447700900005"})

    def listed(**params):
        r = sinch.numbers.get(sinch.path("/activeNumbers"), params=params)
        assert r.status_code == 200, r.text
        return [n["phoneNumber"] for n in r.json()["activeNumbers"]]

    assert listed() == ["+12015550001", "+12015550002", "+447700900005"]
    assert listed(regionCode="GB") == ["+447700900005"]
    assert listed(type="LOCAL") == [US1, US2]
    assert listed(**{"numberPattern.pattern": "0002", "numberPattern.searchPattern": "END"}) == [US2]
    assert listed(orderBy="displayName")[:2] == ["+447700900005", US2]  # "" sorts first
    both = [n for n in listed(capability="SMS")]
    assert set(both) <= {US1, US2, "+447700900005"}
    assert listed(capabilities="SMS") == both  # the SDK's plural spelling
    err = rpc_error(sinch.numbers.get(sinch.path("/activeNumbers"), params={"orderBy": "XXX"}), 400, "INVALID_ARGUMENT")
    assert err["details"] == [
        {"type": "BadRequest", "fieldViolations": [{"field": "order_by", "description": "Invalid order_by XXX"}]}
    ]


def test_get_unknown_active_number(sinch):
    err = rpc_error(sinch.numbers.get(sinch.path(f"/activeNumbers/{US1}")), 404, "NOT_FOUND")
    assert err["details"][0]["resourceName"] == US1 and err["details"][0]["resourceType"] == "ActiveNumber"
    assert set(err["details"][0]) == {"type", "resourceType", "resourceName", "owner", "description"}
    sinch.rent(US1)
    rpc_error(sinch.numbers.get(sinch.path(f"/activeNumbers/{US1}", project="other")), 404, "NOT_FOUND")


def test_scheduled_provisioning_waiting_in_progress_then_cleared(sinch):
    sinch.rent(US1)
    r = sinch.numbers.patch(
        sinch.path(f"/activeNumbers/{US1}"),
        json={"displayName": "main", "smsConfiguration": {"servicePlanId": "plan-1", "campaignId": "camp-1"}},
    )
    assert r.status_code == 200
    sms = r.json()["smsConfiguration"]
    assert r.json()["displayName"] == "main"
    assert sms["servicePlanId"] == "" and sms["scheduledProvisioning"]["status"] == "WAITING"
    assert sms["scheduledProvisioning"]["campaignId"] == "camp-1"
    sinch.advance(1.2)
    sched = sinch.number(US1)["smsConfiguration"]["scheduledProvisioning"]
    assert sched["status"] == "IN_PROGRESS"
    sinch.advance(1)
    sms = sinch.number(US1)["smsConfiguration"]
    assert sms == {"servicePlanId": "plan-1", "campaignId": "camp-1", "scheduledProvisioning": None}
    # A PATCH of a configured number keeps the old values on top until the new ones succeed.
    sms = sinch.numbers.patch(
        sinch.path(f"/activeNumbers/{US1}"), json={"smsConfiguration": {"servicePlanId": "plan-2"}}
    ).json()["smsConfiguration"]
    assert sms["servicePlanId"] == "plan-1" and sms["scheduledProvisioning"]["servicePlanId"] == "plan-2"
    listed = sinch.numbers.get(sinch.path("/activeNumbers")).json()["activeNumbers"][0]
    assert listed["smsConfiguration"]["scheduledProvisioning"]["status"] == "WAITING"
    sinch.advance(2.5)
    assert sinch.number(US1)["smsConfiguration"]["servicePlanId"] == "plan-2"
    # Re-sending the current value changes nothing.
    same = sinch.numbers.patch(
        sinch.path(f"/activeNumbers/{US1}"), json={"smsConfiguration": {"servicePlanId": "plan-2"}}
    ).json()
    assert same["smsConfiguration"]["scheduledProvisioning"] is None


def test_scheduled_provisioning_failure(sinch):
    sinch.rent(US1, {"smsConfiguration": {"servicePlanId": "fail-plan"}, "voiceConfiguration": {"appId": "fail-app"}})
    sinch.advance(2.5)
    number = sinch.number(US1)
    sched = number["smsConfiguration"]["scheduledProvisioning"]
    assert number["smsConfiguration"]["servicePlanId"] == ""
    assert sched["status"] == "FAILED" and sched["errorCodes"] == ["SMS_PROVISIONING_FAILED"]
    assert number["voiceConfiguration"]["appId"] == ""
    assert number["voiceConfiguration"]["scheduledVoiceProvisioning"]["status"] == "FAILED"
    sinch.advance(60)
    assert sinch.number(US1)["smsConfiguration"]["scheduledProvisioning"]["status"] == "FAILED"  # stays until fixed
    fixed = sinch.numbers.patch(
        sinch.path(f"/activeNumbers/{US1}"),
        json={"smsConfiguration": {"servicePlanId": "plan-ok", "campaignId": "fail-c"}},
    ).json()
    assert fixed["smsConfiguration"]["scheduledProvisioning"]["status"] == "WAITING"
    sinch.advance(2.5)
    sched = sinch.number(US1)["smsConfiguration"]["scheduledProvisioning"]
    assert sched["status"] == "FAILED" and sched["errorCodes"] == ["CAMPAIGN_PROVISIONING_FAILED"]


def test_voice_type_switch_is_scheduled(sinch):
    sinch.rent(US1, {"voiceConfiguration": {"type": "RTC", "appId": "app-1"}})
    sinch.advance(2.5)
    assert sinch.number(US1)["voiceConfiguration"]["appId"] == "app-1"
    voice = sinch.numbers.patch(
        sinch.path(f"/activeNumbers/{US1}"), json={"voiceConfiguration": {"type": "FAX", "serviceId": "fax-1"}}
    ).json()["voiceConfiguration"]
    assert voice["type"] == "RTC" and voice["appId"] == "app-1"
    assert voice["scheduledVoiceProvisioning"]["type"] == "FAX"
    assert voice["scheduledVoiceProvisioning"]["serviceId"] == "fax-1"
    sinch.advance(2.5)
    voice = sinch.number(US1)["voiceConfiguration"]
    assert voice["type"] == "FAX" and voice["serviceId"] == "fax-1" and "appId" not in voice
    assert voice["scheduledVoiceProvisioning"] is None and voice["lastUpdatedTime"].endswith("Z")


def test_unlink_before_relink_can_be_enforced(server_factory, new_client):
    srv = server_factory(
        sinch=SinchChoices(require_unlink_before_relink=True, sms_waiting_seconds=0, sms_in_progress_seconds=0)
    )
    numbers = new_client(srv.endpoints["sinch.numbers"])
    path = "/v1/projects/p/activeNumbers/" + US1
    numbers.post(f"/v1/projects/p/availableNumbers/{US1}:rent", json={"smsConfiguration": {"servicePlanId": "a"}})
    assert numbers.get(path).json()["smsConfiguration"]["servicePlanId"] == "a"
    rpc_error(numbers.patch(path, json={"smsConfiguration": {"servicePlanId": "b"}}), 400, "INVALID_ARGUMENT")
    assert numbers.patch(path, json={"smsConfiguration": {"servicePlanId": ""}}).status_code == 200
    assert numbers.get(path).json()["smsConfiguration"]["servicePlanId"] == ""
    assert numbers.patch(path, json={"smsConfiguration": {"servicePlanId": "b"}}).status_code == 200


def test_release_sets_expire_at_then_the_number_goes_back_to_inventory(sinch):
    sinch.rent(US1)
    r = sinch.numbers.post(sinch.path(f"/activeNumbers/{US1}:release"))
    assert r.status_code == 200
    released = r.json()
    assert released["expireAt"] == released["nextChargeDate"]
    again = sinch.numbers.post(sinch.path(f"/activeNumbers/{US1}:release")).json()
    assert again["expireAt"] == released["expireAt"]
    assert sinch.number(US1)["expireAt"] == released["expireAt"]  # still readable until then
    assert sinch.numbers.get(sinch.path("/activeNumbers")).json()["totalSize"] == 1
    rpc_error(sinch.numbers.get(sinch.path(f"/availableNumbers/{US1}")), 404, "NOT_FOUND")
    sinch.advance(32 * 86400)
    rpc_error(sinch.numbers.get(sinch.path(f"/activeNumbers/{US1}")), 404, "NOT_FOUND")
    assert sinch.numbers.get(sinch.path("/activeNumbers")).json()["totalSize"] == 0
    assert sinch.numbers.get(sinch.path(f"/availableNumbers/{US1}")).status_code == 200
    rpc_error(sinch.numbers.post(sinch.path(f"/activeNumbers/{US2}:release")), 404, "NOT_FOUND")


def test_release_grace_is_configurable(server_factory, new_client):
    srv = server_factory(sinch=SinchChoices(release_grace_seconds=10))
    numbers = new_client(srv.endpoints["sinch.numbers"])
    admin = new_client(srv.admin_url, auth=None)
    numbers.post(f"/v1/projects/p/availableNumbers/{US1}:rent", json={})
    numbers.post(f"/v1/projects/p/activeNumbers/{US1}:release")
    assert numbers.get(f"/v1/projects/p/activeNumbers/{US1}").status_code == 200
    admin.post("/_sandbox/clock", json={"advance_seconds": 11})
    assert numbers.get(f"/v1/projects/p/activeNumbers/{US1}").status_code == 404


def test_callback_configuration(sinch):
    r = sinch.numbers.get(sinch.path("/callbackConfiguration"))
    assert r.json() == {"projectId": PROJECT, "hmacSecret": ""}
    secret = "a" * 16 + "-" + "B1" * 8
    r = sinch.numbers.patch(sinch.path("/callbackConfiguration"), json={"hmacSecret": secret})
    assert r.status_code == 200 and r.json() == {"projectId": PROJECT, "hmacSecret": secret}
    assert sinch.numbers.get(sinch.path("/callbackConfiguration")).json()["hmacSecret"] == secret
    for bad in ("short", "x" * 65, "a" * 31 + "!"):
        rpc_error(
            sinch.numbers.patch(sinch.path("/callbackConfiguration"), json={"hmacSecret": bad}), 400, "INVALID_ARGUMENT"
        )
    assert sinch.numbers.get(sinch.path("/callbackConfiguration", project="p2")).json()["hmacSecret"] == ""


def test_raw_plus_and_colon_in_the_path_reach_the_right_route(sinch):
    # What the official SDK sends: `+` raw and `:verb` literal; a percent-encoded + works too.
    port = int(sinch.sb.server.endpoints["sinch.numbers"].rsplit(":", 1)[1])
    request = (
        f"POST /v1/projects/{PROJECT}/availableNumbers/{US1}:rent HTTP/1.1\r\nHost: x\r\n"
        "Authorization: Basic azpz\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
        "Connection: close\r\n\r\n{}"
    )
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(request.encode())
        reply = conn.makefile("rb").read().decode()
    assert reply.startswith("HTTP/1.1 200") and f'"phoneNumber":"{US1}"' in reply
    assert sinch.numbers.get(sinch.path("/activeNumbers/%2B12015550001")).json()["phoneNumber"] == US1
    assert sinch.sb.log("sinch.numbers")[-1]["path"] == f"/v1/projects/{PROJECT}/activeNumbers/%2B12015550001"


def test_unknown_routes_and_verbs(sinch):
    rpc_error(sinch.numbers.get(sinch.path("/numbersThatDoNotExist")), 404, "NOT_FOUND")
    r = sinch.numbers.delete(sinch.path("/activeNumbers"))
    rpc_error(r, 405, "UNIMPLEMENTED")
    assert r.headers["allow"] == "GET"


@pytest.mark.parametrize("api", ["sinch.numbers", "sinch.conversation"])
def test_rate_limit_and_faults_use_the_rpc_shape(sinch, api):
    client = sinch.sb.client(api)
    path = sinch.path("/activeNumbers" if api == "sinch.numbers" else "/apps")
    sinch.admin.post("/_sandbox/ratelimits", json={"api": api, "rps": 0.01, "burst": 1})
    assert client.get(path).status_code == 200
    r = client.get(path)
    rpc_error(r, 429, "RESOURCE_EXHAUSTED")
    assert int(r.headers["retry-after"]) >= 1
    sinch.admin.delete("/_sandbox/ratelimits")
    sinch.admin.post("/_sandbox/faults", json={"api": api, "status": 503, "count": 1})
    rpc_error(client.get(path), 503, "UNAVAILABLE")
    assert client.get(path).status_code == 200
    assert [e["status"] for e in sinch.sb.log(api)] == [200, 429, 503, 200]
