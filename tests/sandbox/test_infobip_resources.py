"""Resource requests (infobip.md §2.5): async number purchase PENDING -> ... -> COMPLETED on the sandbox clock, the
rejection rule, UPDATE_REQUESTED -> PATCH / cancel, ApiError domain codes, listing."""

from __future__ import annotations

from test_infobip_support import api_error, infobip_fixture, no_body  # noqa: F401

BASE = "/resources/1/requests"
PURCHASE = {
    "type": "NUMBER_PURCHASE",
    "countryCode": "SE",
    "numberType": "VIRTUAL_LONG_NUMBER",
    "capabilities": ["SMS"],
    "quantity": 2,
    "platform": {"applicationId": "app-r"},
}


def submit(ib, body=None) -> str:
    r = ib.api.post(BASE, json=body or PURCHASE)
    assert r.status_code == 201, r.text
    assert set(r.json()) == {"id"}
    return r.json()["id"]


def test_number_purchase_progresses_and_creates_owned_numbers(ib):
    request_id = submit(ib)
    got = ib.api.get(f"{BASE}/{request_id}").json()
    assert got["status"] == "PENDING" and got["numbers"] == [] and got["quantity"] == 2
    assert got["requestedDate"].endswith("+0000") and got["type"] == "NUMBER_PURCHASE"
    seen = []
    for _ in range(5):
        ib.advance(1)
        seen.append(ib.api.get(f"{BASE}/{request_id}").json()["status"])
    assert seen == ["AUTOMATIC_VALIDATION", "PENDING_REVIEW", "IN_REVIEW", "IN_PROGRESS", "COMPLETED"]
    done = ib.api.get(f"{BASE}/{request_id}").json()
    assert len(done["numbers"]) == 2 and all(
        n["status"] == "SUCCESS" and n["number"].startswith("+46") for n in done["numbers"]
    )
    owned = ib.api.get("/numbers/1/numbers").json()
    assert sorted(n["numberKey"] for n in owned["numbers"]) == sorted(n["numberKey"] for n in done["numbers"])
    assert {n["applicationId"] for n in owned["numbers"]} == {"app-r"}


def test_numbers_appear_without_reading_the_request(ib):
    submit(ib, {**PURCHASE, "quantity": 1})
    ib.advance(10)
    assert ib.api.get("/numbers/1/numbers").json()["numberCount"] == 1


def test_unavailable_and_validation(ib):
    api_error(ib.api.post(BASE, json={**PURCHASE, "countryCode": "ZZ"}), 404, "RR-NUMBER-PURCHASE-UNAVAILABLE404")
    api_error(
        ib.api.post(BASE, json={**PURCHASE, "numberType": "SHORT_CODE"}), 404, "RR-NUMBER-PURCHASE-UNAVAILABLE404"
    )
    body = api_error(ib.api.post(BASE, json={"type": "NUMBER_PURCHASE", "quantity": 50}), 400)
    assert {"countryCode", "numberType", "capabilities", "quantity"} <= {v["property"] for v in body["violations"]}
    api_error(ib.api.post(BASE, json={"type": "SOMETHING"}), 400)
    api_error(ib.api.get(f"{BASE}/00000000-0000-0000-0000-000000000000"), 404, "RR404")


def test_rejection_rule(ib):
    request_id = submit(ib, {**PURCHASE, "requirements": [{"key": "note", "value": "please REJECT this"}]})
    ib.advance(10)
    got = ib.api.get(f"{BASE}/{request_id}").json()
    assert got["status"] == "REJECTED" and got["numbers"] == [] and got["note"]
    assert ib.api.get("/numbers/1/numbers").json()["numberCount"] == 0


def test_update_requested_patch_and_cancel(ib):
    request_id = submit(ib)
    api_error(ib.api.patch(f"{BASE}/{request_id}", json={"requirements": []}), 400, "RR-INVALID-STATUS400")
    api_error(ib.api.post(f"{BASE}/{request_id}/cancel"), 400, "RR-INVALID-STATUS400")
    feedback = [{"key": "companyName", "code": "RES_REQ_FEED_REQUIRED", "feedback": "required"}]
    r = ib.admin.post(
        ib.admin_path(f"/resource-requests/{request_id}/status"),
        json={"status": "UPDATE_REQUESTED", "requirementsFeedback": feedback},
    )
    assert r.status_code == 200
    ib.advance(30)
    got = ib.api.get(f"{BASE}/{request_id}").json()
    assert got["status"] == "UPDATE_REQUESTED" and got["requirementsFeedback"] == feedback  # waits
    api_error(ib.api.patch(f"{BASE}/{request_id}", json={}), 400)
    r = ib.api.patch(f"{BASE}/{request_id}", json={"requirements": [{"key": "companyName", "value": "Acme"}]})
    assert r.status_code == 200 and r.json()["status"] == "AUTOMATIC_VALIDATION"
    assert r.json()["requirementsFeedback"] == []
    ib.advance(10)
    assert ib.api.get(f"{BASE}/{request_id}").json()["status"] == "COMPLETED"
    second = submit(ib, {**PURCHASE, "quantity": 1})
    ib.admin.post(
        ib.admin_path(f"/resource-requests/{second}/status"), json={"status": "UPDATE_REQUESTED_BY_INTERNAL_REVIEWER"}
    )
    no_body(ib.api.post(f"{BASE}/{second}/cancel"), 204)
    ib.advance(10)
    assert ib.api.get(f"{BASE}/{second}").json()["status"] == "CANCELED"


def test_listing_filters(ib):
    a = submit(ib)
    ib.advance(1)
    b = submit(ib, {**PURCHASE, "countryCode": "HR"})
    alpha = {
        "type": "ALPHANUMERIC_REGISTRATION",
        "senderName": "InfobipHR",
        "countryCode": "HR",
        "trafficOrigin": "LOCAL",
        "trafficType": "TRANSACTIONAL",
        "requirements": [{"key": "k", "value": "v"}],
    }
    c = submit(ib, alpha)
    body = ib.api.get(BASE).json()
    assert [x["id"] for x in body["results"]] == [c, b, a]  # last modified first
    assert body["paging"]["totalResults"] == 3
    assert [x["id"] for x in ib.api.get(BASE, params={"countryCode": "HR"}).json()["results"]] == [c, b]
    assert [x["id"] for x in ib.api.get(BASE, params={"type": "ALPHANUMERIC_REGISTRATION"}).json()["results"]] == [c]
    assert [x["id"] for x in ib.api.get(BASE, params={"status": "AUTOMATIC_VALIDATION"}).json()["results"]] == [a]
    asc = ib.api.get(BASE, params={"sort": "requestedDate,asc"}).json()["results"]
    assert [x["id"] for x in asc] == [a, b, c]
    api_error(ib.api.get(BASE, params={"size": 2001}), 400)
