"""Vonage Numbers API emulator (vonage.md §3)."""

from __future__ import annotations

import base64
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from provisioner.sandbox import VonageChoices

SUCCESS = {"error-code": "200", "error-code-label": "success"}
FAILED = {"error-code": "420", "error-code-label": "method failed"}
UNAUTHORIZED = {"error-code": "401", "error-code-label": "authentication failed"}


def owned(sb, client=None, **params) -> dict:
    r = (client or sb.rest).get("/account/numbers", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def update(sb, msisdn, country="GB", **fields):
    return sb.rest.post("/number/update", data={"country": country, "msisdn": msisdn, **fields})


# -- search ----------------------------------------------------------------------------------------


def test_search_default_page_and_fields(sb):
    r = sb.rest.get("/number/search", params={"country": "GB"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json;charset=UTF-8"
    body = r.json()
    assert body["count"] == 200  # the whole GB inventory of this sandbox
    assert len(body["numbers"]) == 10  # size defaults to 10
    first = body["numbers"][0]
    assert set(first) == {"country", "msisdn", "type", "features", "cost", "initialPrice"}
    assert first["country"] == "GB"
    assert re.fullmatch(r"\d+\.\d\d", first["cost"]) and re.fullmatch(r"\d+\.\d\d", first["initialPrice"])
    msisdns = [n["msisdn"] for n in body["numbers"]]
    assert msisdns == sorted(msisdns)


def test_search_filters(sb):
    mobiles = sb.rest.get(
        "/number/search", params={"country": "GB", "type": "mobile-lvn", "size": 100}
    ).json()
    assert mobiles["count"] > 0
    assert all(n["type"] == "mobile-lvn" and n["msisdn"].startswith("447700") for n in mobiles["numbers"])
    starts = sb.rest.get(
        "/number/search", params={"country": "GB", "pattern": "44770090000", "search_pattern": 0}
    ).json()
    assert [n["msisdn"] for n in starts["numbers"]] == [f"44770090000{i}" for i in range(10)]
    assert starts["count"] == 10
    ends = sb.rest.get(
        "/number/search", params={"country": "GB", "pattern": "0007", "search_pattern": 2, "size": 100}
    ).json()
    assert ends["count"] >= 2 and all(n["msisdn"].endswith("0007") for n in ends["numbers"])
    contains = sb.rest.get(
        "/number/search", params={"country": "GB", "pattern": "2079", "search_pattern": 1, "size": 100}
    ).json()
    assert contains["count"] > 0 and all("2079" in n["msisdn"] for n in contains["numbers"])
    # pattern alone = starts with
    default = sb.rest.get("/number/search", params={"country": "GB", "pattern": "44808"}).json()
    assert default["count"] > 0 and all(n["type"] == "landline-toll-free" for n in default["numbers"])


def test_search_features_are_an_unordered_set(sb):
    results = []
    for features in ("SMS,VOICE,MMS", "MMS,SMS,VOICE", "VOICE,MMS,SMS"):
        body = sb.rest.get(
            "/number/search", params={"country": "US", "features": features, "size": 100}
        ).json()
        results.append(body)
        assert body["count"] > 0
        assert all(set(n["features"]) >= {"SMS", "VOICE", "MMS"} for n in body["numbers"])
    assert results[0] == results[1] == results[2]
    sms = sb.rest.get("/number/search", params={"country": "GB", "features": "SMS", "size": 100}).json()
    assert all("SMS" in n["features"] for n in sms["numbers"])
    voice_only_exists = sb.rest.get(
        "/number/search", params={"country": "GB", "features": "VOICE", "size": 100}
    ).json()
    assert voice_only_exists["count"] > sms["count"] / 2
    assert sb.rest.get("/number/search", params={"country": "GB", "features": "FAX"}).status_code == 400


def test_search_pagination_and_empty_results(sb):
    page1 = sb.rest.get("/number/search", params={"country": "DE", "size": 7}).json()
    page2 = sb.rest.get("/number/search", params={"country": "DE", "size": 7, "index": 2}).json()
    assert len(page1["numbers"]) == len(page2["numbers"]) == 7
    assert page1["numbers"][-1]["msisdn"] < page2["numbers"][0]["msisdn"]
    assert sb.rest.get("/number/search", params={"country": "DE", "size": 100, "index": 3}).json() == {}
    assert (
        sb.rest.get(
            "/number/search", params={"country": "GB", "pattern": "999999999", "search_pattern": 1}
        ).json()
        == {}
    )
    assert sb.rest.get("/number/search", params={"country": "ZZ"}).json() == {}
    big = sb.rest.get("/number/search", params={"country": "DE", "size": 500}).json()
    assert len(big["numbers"]) == 100  # clamped to the maximum page size


def test_search_requires_country(sb):
    r = sb.rest.get("/number/search")
    assert r.status_code == 400
    assert r.json() == {"country": "Is required."}
    assert sb.rest.get("/number/search", params={"country": "GB", "type": "satellite"}).status_code == 400


def test_owned_numbers_are_not_in_search(sb):
    sb.buy("447700900003")
    found = sb.rest.get("/number/search", params={"country": "GB", "pattern": "447700900003"}).json()
    assert found == {}
    assert sb.rest.get("/number/search", params={"country": "GB"}).json()["count"] == 199


# -- buy / cancel ----------------------------------------------------------------------------------


def test_buy_moves_number_to_account_and_twice_is_420(sb):
    r = sb.rest.post("/number/buy", data={"country": "GB", "msisdn": "447700900001"})
    assert (r.status_code, r.json()) == (200, SUCCESS)
    assert owned(sb) == {
        "count": 1,
        "numbers": [
            {"country": "GB", "msisdn": "447700900001", "type": "mobile-lvn", "features": ["VOICE", "SMS"]}
        ],
    }
    r = sb.rest.post("/number/buy", data={"country": "GB", "msisdn": "447700900001"})
    assert (r.status_code, r.json()) == (420, FAILED)
    other = sb.client("vonage.rest", auth=("other", "s"))
    r = other.post("/number/buy", data={"country": "GB", "msisdn": "447700900001"})
    assert (r.status_code, r.json()) == (420, FAILED)  # owned by someone else


def test_buy_unknown_or_wrong_country_is_420(sb):
    assert sb.rest.post("/number/buy", data={"country": "GB", "msisdn": "447999999999"}).status_code == 420
    assert sb.rest.post("/number/buy", data={"country": "US", "msisdn": "447700900001"}).status_code == 420
    assert owned(sb) == {}


def test_buy_missing_fields_is_400(sb):
    r = sb.rest.post("/number/buy", data={"msisdn": "447700900001"})
    assert (r.status_code, r.json()) == (400, {"country": "Is required."})
    r = sb.rest.post("/number/buy", data={})
    assert (r.status_code, r.json()) == (400, {"country": "Is required.", "msisdn": "Is required."})
    r = sb.rest.post("/number/cancel", data={"country": "GB"})
    assert (r.status_code, r.json()) == (400, {"msisdn": "Is required."})


def test_buy_with_target_api_key_goes_to_that_account(sb):
    sb.rest.post("/number/buy", data={"country": "GB", "msisdn": "447700900005", "target_api_key": "sub1"})
    assert owned(sb) == {}
    sub = sb.client("vonage.rest", auth=("sub1", "x"))
    assert owned(sb, client=sub)["numbers"][0]["msisdn"] == "447700900005"


def test_cancel(sb):
    r = sb.rest.post("/number/cancel", data={"country": "GB", "msisdn": "447700900001"})
    assert (r.status_code, r.json()) == (420, FAILED)  # not owned
    sb.buy("447700900001")
    assert update(sb, "447700900001", moHttpUrl="https://e.com/sms").status_code == 200
    r = sb.rest.post("/number/cancel", data={"country": "GB", "msisdn": "447700900001"})
    assert (r.status_code, r.json()) == (200, SUCCESS)
    assert owned(sb) == {}
    back = sb.rest.get("/number/search", params={"country": "GB", "pattern": "447700900001"}).json()
    assert back["count"] == 1  # back in the inventory
    sb.buy("447700900001")  # and buyable again, with its configuration forgotten
    assert "moHttpUrl" not in owned(sb)["numbers"][0]


# -- owned list ------------------------------------------------------------------------------------


def test_owned_pagination_size_default_10_and_empty_past_end(sb):
    assert owned(sb) == {}
    mobiles = [f"4477009000{i:02d}" for i in range(25)]
    for m in mobiles:
        sb.buy(m)
    page1 = owned(sb)
    assert page1["count"] == 25
    assert [n["msisdn"] for n in page1["numbers"]] == mobiles[:10]
    page3 = owned(sb, index=3)
    assert [n["msisdn"] for n in page3["numbers"]] == mobiles[20:]
    assert owned(sb, index=4) == {}
    assert [n["msisdn"] for n in owned(sb, size=100)["numbers"]] == mobiles
    assert [n["msisdn"] for n in owned(sb, size=5, index=2)["numbers"]] == mobiles[5:10]
    assert sb.rest.get("/account/numbers", params={"index": 0}).status_code == 400
    assert sb.rest.get("/account/numbers", params={"size": "ten"}).status_code == 400


def test_owned_sorted_by_msisdn_and_filters(sb):
    app = sb.create_app()
    for m in ("447700900009", "447700900002", "447700900005"):
        sb.buy(m)
    us = sb.rest.get("/number/search", params={"country": "US", "type": "mobile-lvn"}).json()["numbers"][0]
    sb.buy(us["msisdn"], "US")
    assert update(sb, "447700900005", app_id=app["id"]).status_code == 200
    all_ = owned(sb)
    assert [n["msisdn"] for n in all_["numbers"]] == sorted(n["msisdn"] for n in all_["numbers"])
    assert owned(sb, country="US")["numbers"] == [
        {"country": "US", "msisdn": us["msisdn"], "type": "mobile-lvn", "features": us["features"]}
    ]
    assert [n["msisdn"] for n in owned(sb, pattern="4477", search_pattern=0)["numbers"]] == [
        "447700900002",
        "447700900005",
        "447700900009",
    ]
    assert [n["msisdn"] for n in owned(sb, pattern="09", search_pattern=2)["numbers"]] == ["447700900009"]
    assert [n["msisdn"] for n in owned(sb, pattern="0090000", search_pattern=1)["numbers"]] == [
        "447700900002",
        "447700900005",
        "447700900009",
    ]
    assert [n["msisdn"] for n in owned(sb, application_id=app["id"])["numbers"]] == ["447700900005"]
    assert [n["msisdn"] for n in owned(sb, has_application="true")["numbers"]] == ["447700900005"]
    assert owned(sb, has_application="false")["count"] == 3
    assert owned(sb, application_id="nope") == {}


# -- update ----------------------------------------------------------------------------------------


def test_update_link_sets_app_id_and_voice_callback(sb):
    app = sb.create_app()
    sb.buy("447700900001")
    r = update(sb, "447700900001", app_id=app["id"])
    assert (r.status_code, r.json()) == (200, SUCCESS)
    assert owned(sb)["numbers"][0] == {
        "country": "GB",
        "msisdn": "447700900001",
        "type": "mobile-lvn",
        "features": ["VOICE", "SMS"],
        "voiceCallbackType": "app",
        "voiceCallbackValue": app["id"],
        "app_id": app["id"],
    }


def test_update_is_partial_and_ignores_unknown_fields(sb):
    app = sb.create_app()
    sb.buy("447700900001")
    assert update(sb, "447700900001", app_id=app["id"]).status_code == 200
    r = update(sb, "447700900001", moHttpUrl="https://e.com/sms", appId="typo", colour="red")
    assert (r.status_code, r.json()) == (200, SUCCESS)
    number = owned(sb)["numbers"][0]
    assert number["app_id"] == app["id"]  # untouched by an update that did not send it
    assert number["moHttpUrl"] == "https://e.com/sms"
    assert "appId" not in number and "colour" not in number
    assert update(sb, "447700900001", voiceStatusCallback="https://e.com/status").status_code == 200
    number = owned(sb)["numbers"][0]
    assert (
        number["moHttpUrl"] == "https://e.com/sms" and number["voiceStatusCallback"] == "https://e.com/status"
    )


def test_update_clearing_and_unlinking(sb):
    app = sb.create_app()
    sb.buy("447700900001")
    update(sb, "447700900001", app_id=app["id"], moHttpUrl="https://e.com/sms")
    assert update(sb, "447700900001", moHttpUrl="").status_code == 200
    assert "moHttpUrl" not in owned(sb)["numbers"][0]
    assert update(sb, "447700900001", app_id="").status_code == 200
    assert owned(sb)["numbers"][0] == {
        "country": "GB",
        "msisdn": "447700900001",
        "type": "mobile-lvn",
        "features": ["VOICE", "SMS"],
    }


def test_update_voice_callback_pair(sb):
    sb.buy("447700900001")
    assert update(sb, "447700900001", voiceCallbackType="sip").status_code == 420
    assert update(sb, "447700900001", voiceCallbackValue="sip:a@b.com").status_code == 420
    assert update(sb, "447700900001", voiceCallbackType="fax", voiceCallbackValue="x").status_code == 420
    r = update(sb, "447700900001", voiceCallbackType="sip", voiceCallbackValue="sip:a@b.com")
    assert r.status_code == 200
    number = owned(sb)["numbers"][0]
    assert (number["voiceCallbackType"], number["voiceCallbackValue"]) == ("sip", "sip:a@b.com")
    assert "app_id" not in number
    assert update(sb, "447700900001", voiceCallbackType="", voiceCallbackValue="").status_code == 200
    assert "voiceCallbackType" not in owned(sb)["numbers"][0]


def test_explicit_voice_callback_wins_over_link(sb):
    app = sb.create_app()
    sb.buy("447700900001")
    update(sb, "447700900001", app_id=app["id"], voiceCallbackType="tel", voiceCallbackValue="447700900999")
    number = owned(sb)["numbers"][0]
    assert (number["app_id"], number["voiceCallbackType"], number["voiceCallbackValue"]) == (
        app["id"],
        "tel",
        "447700900999",
    )


def test_update_errors(sb):
    r = update(sb, "447700900001")
    assert (r.status_code, r.json()) == (420, FAILED)  # not owned
    sb.buy("447700900001")
    assert update(sb, "447700900001", country="US").status_code == 420  # country mismatch
    assert update(sb, "447700900001", app_id="00000000-0000-4000-8000-000000000000").status_code == 420
    r = sb.rest.post("/number/update", data={"country": "GB"})
    assert (r.status_code, r.json()) == (400, {"msisdn": "Is required."})


def test_update_cannot_link_another_accounts_app(sb):
    other = sb.client("vonage.api", auth=("other", "s"))
    theirs = sb.create_app(client=other)
    sb.buy("447700900001")
    assert update(sb, "447700900001", app_id=theirs["id"]).status_code == 420


def test_link_without_voice_callback_when_configured(server_factory, new_client):
    srv = server_factory(
        link_sets_voice_callback=False, vonage=VonageChoices(update_requires_existing_app=False)
    )
    rest = new_client(srv.endpoints["vonage.rest"])
    assert rest.post("/number/buy", data={"country": "GB", "msisdn": "447700900001"}).status_code == 200
    assert (
        rest.post(
            "/number/update", data={"country": "GB", "msisdn": "447700900001", "app_id": "any-app"}
        ).status_code
        == 200
    )
    number = rest.get("/account/numbers").json()["numbers"][0]
    assert number["app_id"] == "any-app"
    assert "voiceCallbackType" not in number


def test_update_probes_mo_http_url_when_configured(server_factory, new_client):
    class Hook(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/ok" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    hook = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        srv = server_factory(probe_mo_http_url=True)
        rest = new_client(srv.endpoints["vonage.rest"])
        rest.post("/number/buy", data={"country": "GB", "msisdn": "447700900001"})
        base = f"http://127.0.0.1:{hook.server_address[1]}"
        fields = {"country": "GB", "msisdn": "447700900001"}
        assert rest.post("/number/update", data={**fields, "moHttpUrl": base + "/missing"}).status_code == 420
        assert (
            rest.post("/number/update", data={**fields, "moHttpUrl": "http://127.0.0.1:1/x"}).status_code
            == 420
        )
        assert "moHttpUrl" not in rest.get("/account/numbers").json()["numbers"][0]
        assert rest.post("/number/update", data={**fields, "moHttpUrl": base + "/ok"}).status_code == 200
        assert rest.get("/account/numbers").json()["numbers"][0]["moHttpUrl"] == base + "/ok"
    finally:
        hook.shutdown()
        hook.server_close()


def test_deleting_app_leaves_numbers_linked_by_default(sb):
    app = sb.create_app()
    sb.buy("447700900001")
    update(sb, "447700900001", app_id=app["id"])
    assert sb.api.delete(f"/v2/applications/{app['id']}").status_code == 204
    assert owned(sb)["numbers"][0]["app_id"] == app["id"]  # dangling


def test_deleting_app_unlinks_numbers_when_configured(server_factory, new_client):
    srv = server_factory(vonage=VonageChoices(delete_app_unlinks_numbers=True))
    api, rest = new_client(srv.endpoints["vonage.api"]), new_client(srv.endpoints["vonage.rest"])
    app = api.post("/v2/applications", json={"name": "a"}).json()
    rest.post("/number/buy", data={"country": "GB", "msisdn": "447700900001"})
    rest.post(
        "/number/update",
        data={"country": "GB", "msisdn": "447700900001", "app_id": app["id"], "moHttpUrl": "https://e.com/x"},
    )
    assert api.delete(f"/v2/applications/{app['id']}").status_code == 204
    number = rest.get("/account/numbers").json()["numbers"][0]
    assert "app_id" not in number and "voiceCallbackType" not in number
    assert number["moHttpUrl"] == "https://e.com/x"


# -- auth, body parsing, headers -------------------------------------------------------------------


def test_three_auth_forms(sb):
    anon = sb.client("vonage.rest", auth=None)
    r = anon.get("/account/numbers")
    assert (r.status_code, r.json()) == (401, UNAUTHORIZED)
    assert r.headers["content-type"] == "application/json;charset=UTF-8"
    # query parameters
    assert anon.get("/account/numbers", params={"api_key": "k", "api_secret": "s"}).status_code == 200
    assert anon.get("/account/numbers", params={"api_key": "k"}).status_code == 401
    # form fields in the POST body
    r = anon.post(
        "/number/buy", data={"api_key": "k", "api_secret": "s", "country": "GB", "msisdn": "447700900001"}
    )
    assert (r.status_code, r.json()) == (200, SUCCESS)
    # Basic
    basic = "Basic " + base64.b64encode(b"k:s").decode()
    assert anon.get("/account/numbers", headers={"Authorization": basic}).json()["count"] == 1
    # A malformed Basic header fails even with good query credentials.
    r = anon.get(
        "/account/numbers", params={"api_key": "k", "api_secret": "s"}, headers={"Authorization": "Basic ???"}
    )
    assert r.status_code == 401
    r = anon.post("/number/buy", data={"country": "GB", "msisdn": "447700900002"})
    assert (r.status_code, r.json()) == (401, UNAUTHORIZED)


def test_form_body_parsed_whatever_the_content_type(sb):
    # The Python SDK sends a stale `Content-Type: application/json` with a urlencoded body (vonage.md §8.1).
    r = sb.rest.post(
        "/number/buy", content=b"country=GB&msisdn=447700900001", headers={"Content-Type": "application/json"}
    )
    assert (r.status_code, r.json()) == (200, SUCCESS)
    r = sb.rest.post(
        "/number/update",
        content=b"country=GB&msisdn=447700900001&moHttpUrl=https%3A%2F%2Fe.com%2Fi",
        headers={"Content-Type": "text/plain"},
    )
    assert r.status_code == 200
    assert owned(sb)["numbers"][0]["moHttpUrl"] == "https://e.com/i"


def test_observed_headers(sb):
    for r in (
        sb.rest.get("/account/numbers"),
        sb.client("vonage.rest", auth=None).get("/account/numbers"),
        sb.rest.post("/number/buy", data={"country": "GB", "msisdn": "1"}),
    ):
        assert r.headers["server"] == "nginx"
        assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-nexmo-trace-id"])
        assert r.headers["content-type"] == "application/json;charset=UTF-8"
        assert int(r.headers["content-length"]) == len(r.content)


def test_rest_wrong_verb_and_unknown_path(sb):
    assert sb.rest.get("/number/buy").status_code == 405
    assert sb.rest.get("/number/nothing").status_code == 404


@pytest.mark.parametrize("country", ["GB", "US", "DE", "FR", "ES", "NL", "IE", "AU", "CA", "SE"])
def test_every_country_has_mixed_inventory(sb, country):
    body = sb.rest.get("/number/search", params={"country": country, "size": 100}).json()
    assert body["count"] == 200
    types = set()
    for index in (1, 2):
        page = sb.rest.get("/number/search", params={"country": country, "size": 100, "index": index}).json()
        types |= {n["type"] for n in page["numbers"]}
        assert all(n["country"] == country for n in page["numbers"])
    assert types == {"mobile-lvn", "landline", "landline-toll-free"}
