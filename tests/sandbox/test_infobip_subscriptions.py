"""Subscriptions Management (infobip.md §5.1): security settings, notification profiles, subscriptions; client-chosen
ids, 201 creates, 200 reads/updates/deletes with id-only bodies, duplicates, inline definitions, filters, paging."""

from __future__ import annotations

from test_infobip_support import infobip_fixture, legacy_error  # noqa: F401

from provisioner.sandbox import InfobipChoices

SEC = "/subscriptions/1/security"
PROF = "/subscriptions/1/profiles"
SUB = "/subscriptions/1/subscription"
BASIC = {"authId": "auth-1", "type": "BASIC", "credentials": {"username": "u", "password": "p"}}


def test_security_settings_crud(ib):
    r = ib.api.post(SEC, json=BASIC)
    assert r.status_code == 201 and r.json() == {"authId": "auth-1"}
    assert ib.api.get(f"{SEC}/auth-1").json() == BASIC  # credentials are returned here
    legacy_error(ib.api.post(SEC, json=BASIC), 400, "BAD_REQUEST")  # duplicate authId
    hmac = {"type": "HMAC", "credentials": {"secretKey": "k", "algorithm": "HMAC_SHA_256"}}
    r = ib.api.put(f"{SEC}/auth-1", json=hmac)
    assert r.status_code == 200 and r.json() == {"authId": "auth-1"}
    assert ib.api.get(f"{SEC}/auth-1").json() == {"authId": "auth-1", **hmac}
    exc = legacy_error(
        ib.api.post(SEC, json={"authId": "a2", "type": "BASIC", "credentials": {"username": "u"}}), 400, "BAD_REQUEST"
    )
    assert exc["validationErrors"] == {"credentials.password": ["must not be null"]}
    legacy_error(ib.api.post(SEC, json={"authId": "a3", "type": "KERBEROS"}), 400, "BAD_REQUEST")
    legacy_error(ib.api.post(SEC, json={"type": "BASIC"}), 400, "BAD_REQUEST")
    assert ib.api.post(SEC, json={"authId": "custom", "type": "CUSTOM"}).status_code == 201
    body = ib.api.get(SEC).json()
    assert [s["authId"] for s in body["results"]] == ["auth-1", "custom"]
    assert body["paging"] == {"page": 0, "size": 20, "totalPages": 1, "totalResults": 2}
    r = ib.api.delete(f"{SEC}/custom")
    assert r.status_code == 200 and r.json() == {"authId": "custom"}
    legacy_error(ib.api.get(f"{SEC}/custom"), 404, "NOT_FOUND", "Not found")
    legacy_error(ib.api.delete(f"{SEC}/custom"), 404, "NOT_FOUND")


def test_profiles_with_inline_or_referenced_security(ib):
    profile = {
        "profileId": "prof-1",
        "webhook": {"notifyUrl": "https://hooks.example.com/in"},
        "security": BASIC,
        "maxBucketSize": 1,
        "windowSize": 20,
        "enabledSSLProtocols": ["TLSv1.3"],
        "headers": {"X-Env": "test"},
    }
    r = ib.api.post(PROF, json=profile)
    assert r.status_code == 201 and r.json() == {"profileId": "prof-1", "security": {"authId": "auth-1"}}
    assert ib.api.get(f"{SEC}/auth-1").json() == BASIC  # created inline
    got = ib.api.get(f"{PROF}/prof-1").json()
    assert got == {
        "profileId": "prof-1",
        "webhook": {"contentType": "application/json", "notifyUrl": "https://hooks.example.com/in"},
        "security": {"authId": "auth-1"},  # no credentials on profiles
        "maxBucketSize": 1,
        "windowSize": 20,
        "enabledSSLProtocols": ["TLSv1.3"],
        "headers": {"X-Env": "test"},
    }
    # an existing authId is referenced; the inline definition is ignored
    r = ib.api.post(
        PROF,
        json={
            "profileId": "prof-2",
            "webhook": {"notifyUrl": "https://h.example/2"},
            "security": {**BASIC, "credentials": {"username": "other", "password": "x"}},
        },
    )
    assert r.status_code == 201 and ib.api.get(f"{SEC}/auth-1").json() == BASIC
    legacy_error(
        ib.api.post(
            PROF, json={"profileId": "p3", "webhook": {"notifyUrl": "https://h"}, "security": {"authId": "missing"}}
        ),
        404,
        "NOT_FOUND",
    )
    legacy_error(
        ib.api.post(PROF, json={"profileId": "prof-1", "webhook": {"notifyUrl": "https://h"}}), 400, "BAD_REQUEST"
    )
    exc = legacy_error(ib.api.post(PROF, json={"profileId": "p4", "webhook": {}, "windowSize": 5}), 400, "BAD_REQUEST")
    assert set(exc["validationErrors"]) == {"webhook.notifyUrl", "windowSize"}
    # PUT replaces; security by reference only
    r = ib.api.put(f"{PROF}/prof-2", json={"webhook": {"notifyUrl": "https://h.example/new"}})
    assert r.status_code == 200 and r.json() == {"profileId": "prof-2"}
    assert "security" not in ib.api.get(f"{PROF}/prof-2").json()
    legacy_error(
        ib.api.put(
            f"{PROF}/prof-2", json={"webhook": {"notifyUrl": "https://h"}, "security": BASIC | {"authId": "nope"}}
        ),
        404,
        "NOT_FOUND",
    )
    # security in use cannot be deleted
    legacy_error(ib.api.delete(f"{SEC}/auth-1"), 400, "BAD_REQUEST")
    r = ib.api.delete(f"{PROF}/prof-1")
    assert r.status_code == 200 and r.json() == {"profileId": "prof-1", "security": {"authId": "auth-1"}}
    assert ib.api.delete(f"{SEC}/auth-1").status_code == 200


def test_subscription_crud(ib):
    body = {
        "subscriptionId": "sms-dlr",
        "name": "Delivery reports",
        "events": ["DELIVERY", "TEMPLATE_UPDATE", {"event": "INBOUND_MESSAGE", "format": "MO_JSON_2"}, "DELIVERY"],
        "criteria": [{"applicationId": "prod", "entityId": "e1"}],
        "resources": ["447860099299"],
        "users": ["user1"],
        "profile": {"profileId": "prof", "webhook": {"notifyUrl": "https://h.example"}, "security": BASIC},
    }
    r = ib.api.post(f"{SUB}/SMS", json=body)
    assert r.status_code == 201
    assert r.json() == {"subscriptionId": "sms-dlr", "profile": {"profileId": "prof", "security": {"authId": "auth-1"}}}
    got = ib.api.get(f"{SUB}/SMS/sms-dlr").json()
    assert got == {
        "subscriptionId": "sms-dlr",
        "name": "Delivery reports",
        "profile": {"profileId": "prof", "security": {"authId": "auth-1"}},
        # TEMPLATE_UPDATE is not an SMS event: dropped; duplicates dropped
        "events": ["DELIVERY", {"event": "INBOUND_MESSAGE", "format": "MO_JSON_2"}],
        "criteria": [{"applicationId": "prod", "entityId": "e1"}],
        "resources": ["447860099299"],
        "users": ["user1"],
    }
    legacy_error(ib.api.get(f"{SUB}/MMS/sms-dlr"), 404, "NOT_FOUND")  # ids live per channel
    legacy_error(ib.api.post(f"{SUB}/SMS", json=body), 400, "BAD_REQUEST")
    # the same id on another channel, referencing the existing profile
    wa = {
        "subscriptionId": "sms-dlr",
        "events": ["TEMPLATE_UPDATE", {"event": "DELIVERY", "format": "X"}],
        "profile": {"profileId": "prof"},
    }
    assert ib.api.post(f"{SUB}/WHATSAPP", json=wa).status_code == 201
    assert ib.api.get(f"{SUB}/WHATSAPP/sms-dlr").json()["events"] == ["TEMPLATE_UPDATE"]  # no formats on WhatsApp
    legacy_error(
        ib.api.post(f"{SUB}/SMS", json={**wa, "subscriptionId": "x", "profile": {"profileId": "ghost"}}),
        404,
        "NOT_FOUND",
    )
    legacy_error(ib.api.post(f"{SUB}/FAX", json=wa), 400, "BAD_REQUEST")
    exc = legacy_error(ib.api.post(f"{SUB}/SMS", json={"subscriptionId": "y"}), 400, "BAD_REQUEST")
    assert {"events", "profile"} <= set(exc["validationErrors"])
    # PUT: full replace, profile by reference
    ib.api.post(PROF, json={"profileId": "prof-b", "webhook": {"notifyUrl": "https://b.example"}})
    r = ib.api.put(f"{SUB}/SMS/sms-dlr", json={"events": ["CLICK"], "profile": {"profileId": "prof-b"}})
    assert r.status_code == 200 and r.json() == {"subscriptionId": "sms-dlr", "profile": {"profileId": "prof-b"}}
    assert ib.api.get(f"{SUB}/SMS/sms-dlr").json() == {
        "subscriptionId": "sms-dlr",
        "profile": {"profileId": "prof-b"},
        "events": ["CLICK"],
    }
    legacy_error(
        ib.api.put(f"{SUB}/SMS/sms-dlr", json={"events": [], "profile": {"profileId": "nope"}}), 404, "NOT_FOUND"
    )
    legacy_error(ib.api.delete(f"{PROF}/prof-b"), 400, "BAD_REQUEST")  # in use
    r = ib.api.delete(f"{SUB}/SMS/sms-dlr")
    assert r.status_code == 200 and r.json() == {"subscriptionId": "sms-dlr", "profile": {"profileId": "prof-b"}}
    legacy_error(ib.api.delete(f"{SUB}/SMS/sms-dlr"), 404, "NOT_FOUND")
    assert ib.api.delete(f"{PROF}/prof-b").status_code == 200


def test_subscription_list_filters_order_and_paging(ib):
    ib.api.post(PROF, json={"profileId": "p", "webhook": {"notifyUrl": "https://h.example"}})

    def sub(sid, criteria=(), resources=()):
        body = {
            "subscriptionId": sid,
            "events": ["DELIVERY"],
            "profile": {"profileId": "p"},
            "criteria": list(criteria),
            "resources": list(resources),
        }
        assert ib.api.post(f"{SUB}/SMS", json=body).status_code == 201

    sub("s1", [{"applicationId": "app1"}, {"applicationId": "app2"}], ["100"])
    sub("s2", [{"applicationId": "app1"}])
    sub("s3", [{"applicationId": "app2", "entityId": "e"}], ["100"])
    ids = [s["subscriptionId"] for s in ib.api.get(f"{SUB}/SMS").json()["results"]]
    assert ids == ["s3", "s2", "s1"]  # newest first

    def filtered(params):
        return [s["subscriptionId"] for s in ib.api.get(f"{SUB}/SMS", params=params).json()["results"]]

    assert filtered({"applicationId": "app1"}) == ["s2", "s1"]
    assert filtered([("applicationId", "app1"), ("applicationId", "app2")]) == ["s1"]  # AND
    assert filtered({"resource": "100"}) == ["s3", "s1"]
    assert filtered({"applicationId": "app2", "entityId": "e"}) == ["s3"]
    page = ib.api.get(f"{SUB}/SMS", params={"size": 2, "page": 1}).json()
    assert [s["subscriptionId"] for s in page["results"]] == ["s1"]
    assert page["paging"] == {"page": 1, "size": 2, "totalPages": 2, "totalResults": 3}
    assert ib.api.get(f"{SUB}/MMS").json()["paging"]["totalResults"] == 0
    legacy_error(ib.api.get(f"{SUB}/SMS", params={"size": 101}), 400, "BAD_REQUEST")


def test_duplicate_status_choice(server_factory, new_client):
    srv = server_factory(infobip=InfobipChoices(subscriptions_duplicate_status=409))
    c = new_client(srv.endpoints["infobip"], auth=None)
    c.headers["Authorization"] = "App k"
    assert c.post(SEC, json=BASIC).status_code == 201
    legacy_error(c.post(SEC, json=BASIC), 409, "CONFLICT")
