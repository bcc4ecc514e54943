"""Admin API: endpoints, request log, clock, out-of-band edits, reset."""

from __future__ import annotations

import pytest


def test_endpoints(sb):
    endpoints = sb.admin.get("/_sandbox/endpoints").json()
    assert endpoints == sb.server.endpoints
    assert list(endpoints) == [
        "vonage.api",
        "vonage.rest",
        "sinch.auth",
        "sinch.numbers",
        "sinch.provisioning",
        "sinch.conversation",
        "infobip",
    ]
    ports = {url.rsplit(":", 1)[1] for url in endpoints.values()}
    assert len(ports) == len(endpoints)  # one listener each
    assert all(url.startswith("http://127.0.0.1:") for url in endpoints.values())
    assert sb.server.admin_url.rsplit(":", 1)[1] not in ports


def test_request_log_content_order_filter_and_clear(sb):
    sb.api.get("/v2/applications", params={"page_size": 100})
    sb.create_app({"name": "x"})
    anon = sb.client("vonage.rest", auth=None)
    anon.get("/account/numbers", params={"api_key": "k", "api_secret": "s", "size": 5})
    anon.get("/account/numbers", params={"api_key": "k", "api_secret": "bad-but-accepted", "pattern": "44"})
    sb.rest.post("/number/buy", data={"country": "GB", "msisdn": "447700900001", "api_secret": "in-body"})
    sb.api.get("/v2/applications", headers={"Accept": "text/xml"})
    sb.admin.get("/_sandbox/clock")  # admin calls are never logged
    log = sb.log()
    assert log == [
        {
            "api": "vonage.api",
            "method": "GET",
            "path": "/v2/applications",
            "query": {"page_size": "100"},
            "status": 200,
        },
        {"api": "vonage.api", "method": "POST", "path": "/v2/applications", "query": {}, "status": 201},
        {
            "api": "vonage.rest",
            "method": "GET",
            "path": "/account/numbers",
            "query": {"size": "5"},
            "status": 200,
        },
        {
            "api": "vonage.rest",
            "method": "GET",
            "path": "/account/numbers",
            "query": {"pattern": "44"},
            "status": 200,
        },
        {"api": "vonage.rest", "method": "POST", "path": "/number/buy", "query": {}, "status": 200},
        {"api": "vonage.api", "method": "GET", "path": "/v2/applications", "query": {}, "status": 406},
    ]
    text = sb.admin.get("/_sandbox/requests").text
    assert "bad-but-accepted" not in text and "in-body" not in text and "447700900001" not in text
    assert [e["path"] for e in sb.log("vonage.rest")] == [
        "/account/numbers",
        "/account/numbers",
        "/number/buy",
    ]
    assert sb.admin.delete("/_sandbox/requests").status_code == 204
    assert sb.log() == []
    sb.api.get("/v2/applications")
    assert len(sb.log()) == 1


def test_log_records_unrouted_apis_and_repeated_query_keys(sb):
    infobip = sb.client("infobip", auth=None)
    r = infobip.get("/no/such/path", params=[("a", "1"), ("a", "2")])  # an unrouted path
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/json"
    assert r.json()["errorCode"] == "E404"
    assert sb.log() == [
        {
            "api": "infobip",
            "method": "GET",
            "path": "/no/such/path",
            "query": {"a": ["1", "2"]},
            "status": 404,
        }
    ]


@pytest.mark.parametrize(
    "api", ["sinch.auth", "sinch.numbers", "sinch.provisioning", "sinch.conversation", "infobip"]
)
def test_unknown_paths_answer_json_404_before_auth(sb, api):
    r = sb.client(api, auth=None).post("/anything", json={})
    assert r.status_code == 404
    assert "errorCode" in r.json() if api == "infobip" else "error" in r.json()  # Infobip: the ApiError shape


def test_clock(sb):
    before = sb.admin.get("/_sandbox/clock").json()
    assert before["offset_seconds"] == 0
    assert before["now"].endswith("Z")
    after = sb.admin.post("/_sandbox/clock", json={"advance_seconds": 3600}).json()
    assert after["offset_seconds"] == 3600
    assert 3599 < after["epoch"] - before["epoch"] < 3700
    assert sb.admin.get("/_sandbox/clock").json()["offset_seconds"] == 3600
    assert sb.admin.post("/_sandbox/clock", json={"advance_seconds": -1}).status_code == 400
    assert sb.admin.post("/_sandbox/clock", json={"advance_seconds": "soon"}).status_code == 400
    sb.admin.post("/_sandbox/reset")
    assert sb.admin.get("/_sandbox/clock").json()["offset_seconds"] == 0


def test_out_of_band_application_patch(sb):
    app = sb.create_app(
        {
            "name": "before",
            "capabilities": {
                "voice": {"webhooks": {"answer_url": {"address": "https://e.com/a", "http_method": "GET"}}},
                "messages": {},
            },
        }
    )
    sb.admin.delete("/_sandbox/requests")
    r = sb.admin.patch(
        f"/_sandbox/vonage/k/applications/{app['id']}",
        json={
            "name": "after",
            "capabilities": {
                "voice": {"webhooks": {"answer_url": {"address": "https://changed.com/a"}}},
                "messages": None,
            },
        },
    )
    assert r.status_code == 200, r.text
    got = sb.api.get(f"/v2/applications/{app['id']}").json()
    assert got["name"] == "after"
    assert got["capabilities"]["voice"]["webhooks"]["answer_url"] == {
        "address": "https://changed.com/a",
        "http_method": "GET",
        "socket_timeout": 5000,
        "connect_timeout": 1000,
    }
    assert "messages" not in got["capabilities"]  # null removes
    assert got["keys"] == {"public_key": app["keys"]["public_key"]}
    assert sb.log() == [
        {
            "api": "vonage.api",
            "method": "GET",
            "path": f"/v2/applications/{app['id']}",
            "query": {},
            "status": 200,
        }
    ]  # the PATCH itself is not logged
    assert sb.admin.patch(f"/_sandbox/vonage/k/applications/{app['id']}", json={"id": "x"}).status_code == 400
    assert sb.admin.patch(f"/_sandbox/vonage/other/applications/{app['id']}", json={}).status_code == 404


def test_out_of_band_application_delete(sb):
    app = sb.create_app()
    assert sb.admin.delete(f"/_sandbox/vonage/k/applications/{app['id']}").status_code == 204
    assert sb.api.get(f"/v2/applications/{app['id']}").status_code == 404
    assert sb.admin.delete(f"/_sandbox/vonage/k/applications/{app['id']}").status_code == 404
    assert [e["method"] for e in sb.log()] == ["POST", "GET"]


def test_out_of_band_number_edits(sb):
    sb.buy("447700900001")
    r = sb.admin.patch(
        "/_sandbox/vonage/k/numbers/447700900001",
        json={"moHttpUrl": "https://dash.example.com/sms", "app_id": "dash-app", "features": None},
    )
    assert r.status_code == 200
    number = sb.rest.get("/account/numbers").json()["numbers"][0]
    assert number == {
        "country": "GB",
        "msisdn": "447700900001",
        "moHttpUrl": "https://dash.example.com/sms",
        "type": "mobile-lvn",
        "app_id": "dash-app",
    }
    assert sb.rest.get("/account/numbers", params={"application_id": "dash-app"}).json()["count"] == 1
    assert sb.admin.patch("/_sandbox/vonage/k/numbers/447700900001", json={"msisdn": "1"}).status_code == 400
    assert sb.admin.patch("/_sandbox/vonage/k/numbers/447700900002", json={}).status_code == 404
    assert sb.admin.delete("/_sandbox/vonage/k/numbers/447700900001").status_code == 204
    assert sb.rest.get("/account/numbers").json() == {}
    assert all(e["path"] != "/_sandbox/vonage/k/numbers/447700900001" for e in sb.log())
    assert [e["path"] for e in sb.log()] == [
        "/number/buy",
        "/account/numbers",
        "/account/numbers",
        "/account/numbers",
    ]


def test_out_of_band_give_number(sb):
    r = sb.admin.post("/_sandbox/vonage/k/numbers", json={"country": "gb", "msisdn": "447700900007"})
    assert r.status_code == 201
    assert r.json() == {
        "country": "GB",
        "msisdn": "447700900007",
        "type": "mobile-lvn",
        "features": ["VOICE", "SMS"],
    }
    # A number the inventory never had, with extra wire fields.
    r = sb.admin.post(
        "/_sandbox/vonage/k/numbers",
        json={
            "country": "JP",
            "msisdn": "81312345678",
            "type": "landline",
            "features": ["VOICE"],
            "moHttpUrl": "https://e.com/x",
        },
    )
    assert r.status_code == 201
    listed = sb.rest.get("/account/numbers").json()
    assert [n["msisdn"] for n in listed["numbers"]] == ["447700900007", "81312345678"]
    assert listed["numbers"][1]["moHttpUrl"] == "https://e.com/x"
    assert (
        sb.admin.post(
            "/_sandbox/vonage/other/numbers", json={"country": "GB", "msisdn": "447700900007"}
        ).status_code
        == 409
    )
    assert sb.admin.post("/_sandbox/vonage/k/numbers", json={"country": "GB"}).status_code == 400
    assert sb.rest.post("/number/buy", data={"country": "GB", "msisdn": "447700900007"}).status_code == 420
    # Cancelling returns even an invented number to the inventory.
    assert sb.rest.post("/number/cancel", data={"country": "JP", "msisdn": "81312345678"}).status_code == 200
    assert sb.rest.get("/number/search", params={"country": "JP"}).json()["count"] == 1


def test_reset_wipes_everything(sb):
    sb.create_app()
    sb.buy("447700900001")
    sb.admin.post("/_sandbox/faults", json={"api": "vonage.api", "rate": 0.0, "status": 500})
    assert sb.admin.post("/_sandbox/reset").status_code == 204
    assert sb.api.get("/v2/applications").json()["total_items"] == 0
    assert sb.rest.get("/account/numbers").json() == {}
    assert sb.rest.get("/number/search", params={"country": "GB"}).json()["count"] == 200
    assert sb.admin.get("/_sandbox/faults").json() == []
    assert [e["path"] for e in sb.log()] == ["/v2/applications", "/account/numbers", "/number/search"]


def test_admin_errors(sb):
    assert sb.admin.get("/_sandbox/nothing").status_code == 404
    assert sb.admin.put("/_sandbox/requests").status_code == 405
    assert sb.admin.post("/_sandbox/clock", content=b"{").status_code == 400
    assert sb.admin.get("/_sandbox/health").json() == {"ok": True}
