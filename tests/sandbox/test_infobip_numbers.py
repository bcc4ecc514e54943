"""Numbers API (infobip.md §2): the deterministic inventory and its filters, purchase -> owned, the numbers
paging style, update, cancel; inbound message configurations (§2.4): upsert, unset, filters, delete."""

from __future__ import annotations

from test_infobip_support import api_error, infobip_fixture, legacy_error, no_body  # noqa: F401

from provisioner.sandbox import InfobipChoices

AVAILABLE = "/numbers/1/numbers/available"
INBOUND = "/resource-management/1/inbound-message-configurations"


def test_inventory_is_deterministic_and_large(ib):
    first = ib.api.get(AVAILABLE, params={"country": "GB"}).json()
    assert first["numberCount"] >= 1000 and len(first["numbers"]) == 10  # limit defaults to 10
    again = ib.api.get(AVAILABLE, params={"country": "GB"}).json()
    assert again == first
    n = first["numbers"][0]
    assert n["number"] == "447700900000" and len(n["numberKey"]) == 32 and n["numberKey"].isupper()
    assert set(n) == {"numberKey", "number", "country", "type", "capabilities", "shared", "price"}
    assert n["type"] == "VIRTUAL_LONG_NUMBER" and n["shared"] is False and n["price"]["currency"] == "EUR"
    for country in ("US", "DE", "SE", "HR", "NL"):
        assert ib.api.get(AVAILABLE, params={"country": country}).json()["numberCount"] >= 1000
    assert ib.api.get(AVAILABLE, params={"country": "ZZ"}).json() == {"numbers": [], "numberCount": 0}


def test_available_filters_and_paging(ib):
    total = ib.api.get(AVAILABLE, params={"country": "US"}).json()["numberCount"]
    mms = ib.api.get(AVAILABLE, params=[("country", "US"), ("capabilities", "SMS"), ("capabilities", "MMS")]).json()
    assert 0 < mms["numberCount"] < total
    assert all({"SMS", "MMS"} <= set(n["capabilities"]) for n in mms["numbers"])
    comma = ib.api.get(AVAILABLE, params={"country": "US", "capabilities": "SMS,MMS"}).json()
    assert comma == mms
    nj = ib.api.get(AVAILABLE, params={"country": "US", "state": "NJ", "limit": 50}).json()
    assert nj["numbers"] and all(n["number"].startswith("1201") for n in nj["numbers"])
    npa = ib.api.get(AVAILABLE, params={"country": "US", "npa": 415, "nxx": 555, "limit": 5}).json()
    assert npa["numbers"] and all(n["number"].startswith("1415555") for n in npa["numbers"])
    pattern = ib.api.get(AVAILABLE, params={"country": "GB", "number": "+44770090000"}).json()
    assert pattern["numberCount"] == 10 and all("44770090000" in n["number"] for n in pattern["numbers"])
    page0 = ib.api.get(AVAILABLE, params={"country": "SE", "limit": 3, "page": 0}).json()
    page1 = ib.api.get(AVAILABLE, params={"country": "SE", "limit": 3, "page": 1}).json()
    big = ib.api.get(AVAILABLE, params={"country": "SE", "limit": 6}).json()
    assert [n["number"] for n in page0["numbers"] + page1["numbers"]] == [n["number"] for n in big["numbers"]]
    assert page0["numberCount"] == page1["numberCount"] == big["numberCount"]
    legacy_error(ib.api.get(AVAILABLE, params={"limit": 0}), 400, "BAD_REQUEST")
    legacy_error(ib.api.get(AVAILABLE, params={"page": "x"}), 400, "BAD_REQUEST")
    legacy_error(ib.api.get(AVAILABLE, params={"capabilities": "FAX"}), 400, "BAD_REQUEST")


def test_purchase_then_owned_get_update_cancel(ib):
    offered = ib.available(country="GB", limit=1)[0]
    r = ib.api.post("/numbers/1/numbers", json={"numberKey": offered["numberKey"]})
    assert r.status_code == 200
    bought = r.json()
    assert bought["numberKey"] == offered["numberKey"] and bought["number"] == offered["number"]
    assert bought["applicationId"] == "default" and "entityId" not in bought
    assert bought["countryName"] == "United Kingdom" and bought["keywords"] == []
    assert bought["editPermissions"] == {"canEditNumber": True, "canEditConfiguration": True}
    assert "initialMonthPrice" not in bought["price"]
    # no longer on offer; buying it again is a 404 without body (not idempotent)
    assert ib.available(country="GB", limit=1)[0]["number"] != offered["number"]
    no_body(ib.api.post("/numbers/1/numbers", json={"numberKey": offered["numberKey"]}), 404)
    owned = ib.api.get("/numbers/1/numbers").json()
    assert owned == {"numbers": [bought], "numberCount": 1}
    key = bought["numberKey"]
    assert ib.api.get(f"/numbers/1/numbers/{key}").json() == bought
    # PUT replaces applicationId and entityId
    ib.create_app("app-1")
    r = ib.api.put(f"/numbers/1/numbers/{key}", json={"applicationId": "app-1", "entityId": "ent-1"})
    assert r.status_code == 200 and r.json()["applicationId"] == "app-1" and r.json()["entityId"] == "ent-1"
    r = ib.api.put(f"/numbers/1/numbers/{key}", json={"applicationId": "app-1"})
    assert "entityId" not in r.json()
    errors = legacy_error(ib.api.put(f"/numbers/1/numbers/{key}", json={}), 400, "BAD_REQUEST")["validationErrors"]
    assert "applicationId" in errors
    legacy_error(ib.api.put(f"/numbers/1/numbers/{key}", json={"applicationId": "nope"}), 400, "BAD_REQUEST")
    no_body(ib.api.get("/numbers/1/numbers/00000000000000000000000000000000"), 404)
    # cancel: 204, back in the pool, gone from owned
    r = ib.api.delete(f"/numbers/1/numbers/{key}")
    no_body(r, 204)
    no_body(ib.api.get(f"/numbers/1/numbers/{key}"), 404)
    no_body(ib.api.delete(f"/numbers/1/numbers/{key}"), 404)
    assert ib.available(country="GB", limit=1)[0]["number"] == offered["number"]
    assert ib.api.get("/numbers/1/numbers").json() == {"numbers": [], "numberCount": 0}


def test_purchase_by_number_with_platform_and_validation(ib):
    us = ib.available(country="US", limit=1)[0]
    ib.create_app("prod")
    r = ib.api.post("/numbers/1/numbers", json={"number": us["number"], "applicationId": "prod", "entityId": "e"})
    assert r.status_code == 200 and r.json()["applicationId"] == "prod" and r.json()["entityId"] == "e"
    legacy_error(ib.api.post("/numbers/1/numbers", json={}), 400, "BAD_REQUEST")
    no_body(ib.api.post("/numbers/1/numbers", json={"numberKey": "F" * 32}), 404)
    legacy_error(ib.api.post("/numbers/1/numbers", content=b"not json"), 400, "BAD_REQUEST")
    gb = ib.available(country="GB", limit=1)[0]
    errors = legacy_error(
        ib.api.post("/numbers/1/numbers", json={"numberKey": gb["numberKey"], "applicationId": "missing-app"}),
        400,
        "BAD_REQUEST",
    )["validationErrors"]
    assert list(errors) == ["applicationId"]


def test_owned_list_paging_and_number_filter(ib):
    bought = [ib.buy("SE")["number"] for _ in range(5)]
    body = ib.api.get("/numbers/1/numbers", params={"limit": 2, "page": 1}).json()
    assert body["numberCount"] == 5 and [n["number"] for n in body["numbers"]] == bought[2:4]
    assert len(ib.api.get("/numbers/1/numbers").json()["numbers"]) == 5  # limit defaults to 50
    one = ib.api.get("/numbers/1/numbers", params={"number": bought[3]}).json()
    assert one["numberCount"] == 1 and one["numbers"][0]["number"] == bought[3]
    assert ib.api.get("/numbers/1/numbers", params={"number": "999999999999"}).json()["numberCount"] == 0


def test_purchase_choices(server_factory, new_client):
    srv = server_factory(infobip=InfobipChoices(purchase_status=201, strict_purchase_identifiers=True))
    c = new_client(srv.endpoints["infobip"], auth=None)
    c.headers["Authorization"] = "App k"
    us = c.get(AVAILABLE, params={"country": "US", "limit": 1}).json()["numbers"][0]
    gb = c.get(AVAILABLE, params={"country": "GB", "limit": 1}).json()["numbers"][0]
    legacy_error(c.post("/numbers/1/numbers", json={"numberKey": us["numberKey"]}), 400, "BAD_REQUEST")
    legacy_error(c.post("/numbers/1/numbers", json={"number": gb["number"]}), 400, "BAD_REQUEST")
    no_body(c.post("/numbers/1/numbers", json={"number": us["number"]}), 201)
    no_body(c.post("/numbers/1/numbers", json={"numberKey": gb["numberKey"]}), 201)
    assert c.get("/numbers/1/numbers").json()["numberCount"] == 2


def test_deleting_an_application_or_entity_resets_linked_numbers(ib):
    ib.create_app("app-x")
    ib.create_app("app-y")
    a = ib.buy(body={"applicationId": "app-x", "entityId": "ent-1"})
    b = ib.buy(body={"applicationId": "app-y", "entityId": "ent-1"})
    cfg = ib.api.post(
        INBOUND,
        json={"channel": "SMS", "numberKey": a["numberKey"], "platform": {"applicationId": "app-x", "entityId": "e"}},
    ).json()
    assert ib.api.delete("/provisioning/1/applications/app-x").status_code == 200
    got = ib.api.get(f"/numbers/1/numbers/{a['numberKey']}").json()
    assert got["applicationId"] == "default" and "entityId" not in got
    listed = ib.api.get(INBOUND, params={"channel": "SMS", "configurationKey": cfg["configurationKey"]}).json()
    assert listed[0]["platform"] == {"applicationId": "default"}
    untouched = ib.api.get(f"/numbers/1/numbers/{b['numberKey']}").json()
    assert untouched["applicationId"] == "app-y" and untouched["entityId"] == "ent-1"
    assert ib.api.post("/provisioning/1/entities", json={"entityId": "ent-1"}).status_code == 201
    assert ib.api.delete("/provisioning/1/entities/ent-1").status_code == 200
    after = ib.api.get(f"/numbers/1/numbers/{b['numberKey']}").json()
    assert after["applicationId"] == "app-y" and "entityId" not in after


def test_inbound_configuration_upsert_unset_and_keywords(ib):
    number = ib.buy()
    key = number["numberKey"]
    body = {
        "channel": "SMS",
        "numberKey": key,
        "keyword": "STOP",
        "forwarding": {"type": "HTTP_FORWARD", "url": "https://mo.example.com/in"},
        "conversations": {"enabled": True},
    }
    r = ib.api.post(INBOUND, json=body)
    assert r.status_code == 200
    cfg = r.json()
    assert set(cfg) == {"configurationKey", "channel", "keyword", "forwarding", "conversations"}
    assert cfg["forwarding"] == {"type": "HTTP_FORWARD", "url": "https://mo.example.com/in", "format": "MO_JSON_2"}
    assert len(cfg["configurationKey"]) == 32
    # same (channel, number, keyword): updated in place, absent members kept
    r = ib.api.post(
        INBOUND,
        json={"channel": "SMS", "number": number["number"], "keyword": "STOP", "autoResponse": {"message": "bye"}},
    )
    again = r.json()
    assert again["configurationKey"] == cfg["configurationKey"]
    assert again["forwarding"] == cfg["forwarding"] and again["autoResponse"] == {"message": "bye"}
    # unset first, then the body's members
    r = ib.api.post(
        INBOUND,
        json={
            "channel": "SMS",
            "numberKey": key,
            "keyword": "STOP",
            "unset": ["FORWARDING", "AUTORESPONSE"],
            "autoResponse": {"message": "new"},
        },
    )
    assert "forwarding" not in r.json() and r.json()["autoResponse"] == {"message": "new"}
    r = ib.api.post(
        INBOUND, json={"channel": "SMS", "numberKey": key, "keyword": "STOP", "conversations": {"enabled": False}}
    )
    assert "conversations" not in r.json()
    # the NULL keyword is its own configuration; keywords show on the number
    null_cfg = ib.api.post(INBOUND, json={"channel": "SMS", "numberKey": key, "forwarding": {"type": "PULL"}}).json()
    assert null_cfg["configurationKey"] != cfg["configurationKey"] and "keyword" not in null_cfg
    assert ib.api.get(f"/numbers/1/numbers/{key}").json()["keywords"] == ["STOP"]
    listed = ib.api.get(INBOUND, params={"channel": "SMS", "numberKey": key})
    assert listed.status_code == 200 and isinstance(listed.json(), list) and len(listed.json()) == 2
    only = ib.api.get(INBOUND, params={"channel": "SMS", "numberKey": key, "keyword": "STOP"}).json()
    assert [c["configurationKey"] for c in only] == [cfg["configurationKey"]]
    no_body(ib.api.get(INBOUND, params={"channel": "WHATSAPP", "numberKey": key}), 404)
    legacy_error(ib.api.get(INBOUND, params={"numberKey": key}), 400, "BAD_REQUEST")  # channel required
    legacy_error(ib.api.get(INBOUND, params={"channel": "SMS"}), 400, "BAD_REQUEST")
    # delete
    no_body(ib.api.delete(f"{INBOUND}/{cfg['configurationKey']}"), 204)
    no_body(ib.api.delete(f"{INBOUND}/{cfg['configurationKey']}"), 404)
    assert ib.api.get(f"/numbers/1/numbers/{key}").json()["keywords"] == []
    # cancelling the number deletes its configurations
    ib.api.delete(f"/numbers/1/numbers/{key}")
    no_body(ib.api.get(INBOUND, params={"channel": "SMS", "configurationKey": null_cfg["configurationKey"]}), 404)


def test_inbound_configuration_validation_and_other_channels(ib):
    key = ib.buy()["numberKey"]
    errors = legacy_error(ib.api.post(INBOUND, json={"numberKey": key}), 400, "BAD_REQUEST")["validationErrors"]
    assert "channel" in errors
    bad = {
        "channel": "SMS",
        "numberKey": key,
        "forwarding": {"type": "HTTP_FORWARD"},
        "keyword": "K" * 51,
        "unset": ["NOPE"],
        "blockListConfiguration": {"type": "BLOCK"},
    }
    errors = legacy_error(ib.api.post(INBOUND, json=bad), 400, "BAD_REQUEST")["validationErrors"]
    assert {"forwarding.url", "keyword", "unset", "blockListConfiguration.level"} <= set(errors)
    wa_mail = {"channel": "WHATSAPP", "numberKey": key, "forwarding": {"type": "MAIL_FORWARD", "mail": "a@b.c"}}
    assert "forwarding.type" in legacy_error(ib.api.post(INBOUND, json=wa_mail), 400, "BAD_REQUEST")["validationErrors"]
    no_body(ib.api.post(INBOUND, json={"channel": "SMS", "numberKey": "0" * 32}), 404)
    wa = ib.api.post(
        INBOUND,
        json={
            "channel": "WHATSAPP",
            "numberKey": key,
            "forwarding": {"type": "HTTP_FORWARD", "url": "https://wa.example"},
        },
    ).json()
    assert wa["forwarding"]["format"] == "MO_OTT_CONTACT"
    rcs = ib.api.post(
        INBOUND,
        json={
            "channel": "RCS",
            "resource": "MySender",
            "forwarding": {"type": "HTTP_FORWARD", "url": "https://rcs.example"},
        },
    ).json()
    assert rcs["forwarding"]["format"] == "MO_RCS_JSON"
    assert ib.api.get(INBOUND, params={"channel": "RCS", "resource": "MySender"}).json() == [rcs]
    window = {"from": "08:00", "to": "17:30", "days": ["MONDAY", "FRIDAY"]}
    r = ib.api.post(
        INBOUND,
        json={
            "channel": "SMS",
            "numberKey": key,
            "keyword": "HELP",
            "autoResponse": {"message": "hi", "deliveryTimeWindow": window},
        },
    )
    assert r.json()["autoResponse"]["deliveryTimeWindow"] == {**window, "deliveryTimeZone": "USER_TIME_ZONE"}
