"""RCS senders (infobip.md §5.2): 202 async create/update, PENDING -> READY_FOR_TESTING on the sandbox clock, 409 on
a taken senderName, locked senders, no DELETE, ApiError bodies; launch through an RCS_SENDER_LAUNCH resource
request."""

from __future__ import annotations

from test_infobip_support import api_error, infobip_fixture  # noqa: F401

BASE = "/rcs/1/senders"


def sender(name="DemoSender", **extra) -> dict:
    return {
        "senderName": name,
        "billingCategory": "NON_CONVERSATIONAL",
        "useCase": "TRANSACTIONAL",
        "hostingRegion": "EUROPE",
        "brand": {"brandName": "SomeCompany"},
        "displayName": "Demo Sender",
        "description": "Sender for demo purposes",
        "color": "#0B78D0",
        "phones": [{"phoneNumber": "+441134960002", "label": "Phone"}],
        "bannerUrl": "https://www.example.com/banner.jpg",
        "logoUrl": "https://www.example.com/logo.jpg",
        "privacy": {"url": "https://www.example.com/privacy", "label": "Privacy Policy"},
        "termsOfService": {"url": "https://www.example.com/terms"},
        **extra,
    }


def edit(**extra) -> dict:
    body = sender(**extra)
    for key in ("senderName", "hostingRegion", "brand"):
        body.pop(key, None)
    return body


def test_create_is_accepted_then_ready_for_testing(ib):
    r = ib.api.post(BASE, json=sender(platform={"applicationId": "app", "entityId": "ent"}))
    assert r.status_code == 202 and r.json() == {"senderName": "DemoSender", "senderStatus": "PENDING"}
    got = ib.api.get(f"{BASE}/DemoSender").json()
    assert got["senderStatus"] == "PENDING" and "googleAgentId" not in got
    assert got["updatedAt"].endswith("+0000")
    ib.advance(1.5)
    ready = ib.api.get(f"{BASE}/DemoSender").json()
    assert ready["senderStatus"] == "READY_FOR_TESTING" and ready["googleAgentId"].startswith("demosender_")
    assert ready["platform"] == {"applicationId": "app", "entityId": "ent"}
    assert {k: ready[k] for k in sender()} == sender()
    api_error(ib.api.get(f"{BASE}/Unknown"), 404)
    r = ib.api.delete(f"{BASE}/DemoSender")  # no DELETE for senders
    api_error(r, 405, "E405")


def test_duplicate_name_is_409_across_accounts_and_limit(ib):
    assert ib.api.post(BASE, json=sender()).status_code == 202
    body = api_error(ib.api.post(BASE, json=sender()), 409)
    assert body["violations"][0]["property"] == "senderName"
    other = ib.client("other-account")
    api_error(other.post(BASE, json=sender()), 409)  # names are unique on the platform
    api_error(other.get(f"{BASE}/DemoSender"), 404)  # but the sender is not theirs
    for i in range(9):
        assert ib.api.post(BASE, json=sender(f"Sender{i}")).status_code == 202
    api_error(ib.api.post(BASE, json=sender("Eleventh")), 400)


def test_validation_violations(ib):
    body = api_error(ib.api.post(BASE, json={"senderName": "1"}), 400)
    props = {v["property"] for v in body["violations"]}
    assert {
        "senderName",
        "billingCategory",
        "useCase",
        "hostingRegion",
        "brand",
        "displayName",
        "description",
        "color",
        "bannerUrl",
        "logoUrl",
        "privacy",
        "termsOfService",
        "phones",
    } <= props
    bad = sender(color="blue", phones=[], useCase="SPAM", senderName="123")
    props = {v["property"] for v in api_error(ib.api.post(BASE, json=bad), 400)["violations"]}
    assert {"color", "phones", "useCase", "senderName"} <= props
    two_phones = sender(phones=[{"phoneNumber": "+1", "label": "a"}, {"phoneNumber": "+2", "label": "b"}])
    api_error(ib.api.post(BASE, json=two_phones), 400)
    api_error(ib.api.post(BASE, content=b"{"), 400)


def test_update_is_async_and_refused_once_locked(ib):
    ib.api.post(BASE, json=sender())
    ib.advance(2)
    r = ib.api.put(f"{BASE}/DemoSender", json=edit(displayName="Renamed", useCase="MULTI_USE"))
    assert r.status_code == 202 and r.json() == {"senderName": "DemoSender", "senderStatus": "PENDING"}
    got = ib.api.get(f"{BASE}/DemoSender").json()
    assert got["displayName"] == "Renamed" and got["brand"] == {"brandName": "SomeCompany"}
    assert got["senderStatus"] == "PENDING"
    ib.advance(2)
    assert ib.api.get(f"{BASE}/DemoSender").json()["senderStatus"] == "READY_FOR_TESTING"
    api_error(ib.api.put(f"{BASE}/DemoSender", json={"displayName": "x"}), 400)
    # platform parameters: any time, 202, status unchanged
    r = ib.api.patch(f"{BASE}/DemoSender/platform-parameters", json={"platform": {"applicationId": "app2"}})
    assert r.status_code == 202 and r.json()["senderStatus"] == "READY_FOR_TESTING"
    assert ib.api.get(f"{BASE}/DemoSender").json()["platform"] == {"applicationId": "app2"}
    api_error(ib.api.patch(f"{BASE}/DemoSender/platform-parameters", json={}), 400)
    # locked once launching
    ib.admin.post(ib.admin_path("/rcs-senders/DemoSender/status"), json={"senderStatus": "PENDING_LAUNCH"})
    api_error(ib.api.put(f"{BASE}/DemoSender", json=edit()), 409)
    r = ib.api.patch(f"{BASE}/DemoSender/platform-parameters", json={"platform": {"entityId": "e"}})
    assert r.status_code == 202 and r.json()["senderStatus"] == "PENDING_LAUNCH"
    api_error(ib.api.put(f"{BASE}/Nope", json=edit()), 404)


def test_list_sort_and_paging(ib):
    for name in ("Bravo", "Alpha", "Charlie"):
        ib.api.post(BASE, json=sender(name))
        ib.advance(1)
    body = ib.api.get(BASE).json()
    assert [s["senderName"] for s in body["results"]] == ["Charlie", "Alpha", "Bravo"]  # updatedAt desc
    assert body["paging"] == {"page": 0, "size": 20, "totalPages": 1, "totalResults": 3}
    assert set(body["results"][0]) <= {
        "senderName",
        "senderStatus",
        "billingCategory",
        "useCase",
        "hostingRegion",
        "brand",
        "googleAgentId",
        "displayName",
        "description",
        "color",
        "bannerUrl",
        "logoUrl",
        "updatedAt",
    }
    by_name = ib.api.get(BASE, params={"sort": "senderName,asc", "size": 2, "page": 1}).json()
    assert [s["senderName"] for s in by_name["results"]] == ["Charlie"]
    api_error(ib.api.get(BASE, params={"sort": "color"}), 400)
    api_error(ib.api.get(BASE, params={"size": 101}), 400)


def test_launch_through_a_resource_request(ib):
    ib.api.post(BASE, json=sender(hostingRegion="NORTH_AMERICA"))
    launch = {
        "type": "RCS_SENDER_LAUNCH",
        "senderName": "DemoSender",
        "countryCode": "US",
        "trafficOrigin": "LOCAL",
        "requirements": [{"key": "brand", "value": "SomeCompany"}],
    }
    body = api_error(ib.api.post("/resources/1/requests", json=launch), 400)  # still PENDING
    assert body["violations"][0]["property"] == "senderName"
    api_error(ib.api.post("/resources/1/requests", json={**launch, "senderName": "Ghost"}), 404, "RR-RCS-SENDER404")
    ib.advance(2)
    r = ib.api.post("/resources/1/requests", json=launch)
    assert r.status_code == 201
    request_id = r.json()["id"]
    assert ib.api.get(f"{BASE}/DemoSender").json()["senderStatus"] == "PENDING_LAUNCH"
    api_error(ib.api.post("/resources/1/requests", json=launch), 400, "RR-RCS-SENDER-ALREADY-LAUNCHED400")
    ib.advance(4.5)  # PENDING, AUTOMATIC_VALIDATION, PENDING_REVIEW, IN_REVIEW -> IN_PROGRESS
    assert ib.api.get(f"{BASE}/DemoSender").json()["senderStatus"] == "LAUNCHED_IN_PROGRESS"
    status = ib.api.get(f"{BASE}/DemoSender/launch-status").json()
    assert status["event"] == "RCS_SENDER_LAUNCH_STATUS_UPDATE" and status["senderStatus"] == "LAUNCHED_IN_PROGRESS"
    assert status["coverage"][0]["countryCode"] == "US"
    assert {p["status"] for p in status["coverage"][0]["providers"]} == {"IN_PROGRESS"}
    ib.advance(1)
    assert ib.api.get(f"/resources/1/requests/{request_id}").json()["status"] == "COMPLETED"
    status = ib.api.get(f"{BASE}/DemoSender/launch-status").json()
    assert status["senderStatus"] == "LAUNCHED"
    assert {p["status"] for p in status["coverage"][0]["providers"]} == {"COMPLETED"}
    api_error(ib.api.put(f"{BASE}/DemoSender", json=edit()), 409)
