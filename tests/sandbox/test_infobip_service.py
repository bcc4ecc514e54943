"""Infobip listener: routing before auth, the four Authorization schemes, pinned credentials, per-account data,
per-operation throttling from x-throttling-info (both 429 shapes), injected faults (infobip.md §1)."""

from __future__ import annotations

import base64

import httpx
from test_infobip_support import KEY, api_error, infobip_fixture, legacy_error  # noqa: F401

from provisioner.sandbox import InfobipChoices


def test_unknown_path_is_e404_before_auth_and_wrong_verb_is_405(ib):
    anon = ib.client(key=None)
    api_error(anon.get("/no/such/path"), 404)
    api_error(ib.api.post("/numbers/9/whatever", json={}), 404)
    r = anon.delete("/2fa/2/applications")  # no DELETE for 2FA applications (route known, verb not)
    api_error(r, 405, "E405")
    assert r.headers["Allow"] == "GET, POST"


def test_missing_or_bad_credentials_are_401_in_each_family(ib):
    for headers in ({}, {"Authorization": "App"}, {"Authorization": "Token abc"}, {"Authorization": "Basic !!"}):
        c = ib.client(key=None, headers=headers)
        legacy_error(c.get("/numbers/1/numbers"), 401, "UNAUTHORIZED", "Unauthorized")
        legacy_error(c.get("/2fa/2/applications"), 401, "UNAUTHORIZED")
        body = api_error(c.get("/rcs/1/senders"), 401)  # ApiError family
        assert body["resources"][0]["name"] == "API Authentication"
        api_error(c.get("/resources/1/requests"), 401)


def test_app_basic_bearer_and_ibsso_share_one_account_per_user(ib):
    ib.create_app("shared-app")
    basic = base64.b64encode(f"{KEY}:pw".encode()).decode()
    r = ib.client(key=None, headers={"Authorization": f"Basic {basic}"}).get("/provisioning/1/applications/shared-app")
    assert r.status_code == 200 and r.json() == {"applicationId": "shared-app"}
    anon = ib.client(key=None)
    token = anon.post(
        "/auth/1/oauth2/token",
        data={"client_id": KEY, "client_secret": "pw", "grant_type": "client_credentials"},
    ).json()
    assert token["token_type"] == "Bearer" and token["expires_in"] == 7200
    bearer = ib.client(key=None, headers={"Authorization": f"Bearer {token['access_token']}"})
    assert bearer.get("/provisioning/1/applications/shared-app").status_code == 200
    legacy_error(
        ib.client(key=None, headers={"Authorization": "Bearer forged"}).get("/numbers/1/numbers"), 401, "UNAUTHORIZED"
    )
    session = anon.post("/auth/1/session", json={"username": KEY, "password": "pw"})
    assert session.status_code == 200 and set(session.json()) == {"token"}
    ibsso = ib.client(key=None, headers={"Authorization": f"IBSSO {session.json()['token']}"})
    assert ibsso.get("/provisioning/1/applications/shared-app").status_code == 200
    ib.advance(7201)  # the OAuth token expired; the session idled out (60 min)
    legacy_error(bearer.get("/numbers/1/numbers"), 401, "UNAUTHORIZED")
    legacy_error(ibsso.get("/numbers/1/numbers"), 401, "UNAUTHORIZED")
    session = anon.post("/auth/1/session", json={"username": KEY, "password": "pw"}).json()["token"]
    ibsso = ib.client(key=None, headers={"Authorization": f"IBSSO {session}"})
    assert ibsso.delete("/auth/1/session").status_code == 200
    legacy_error(ibsso.get("/numbers/1/numbers"), 401, "UNAUTHORIZED")
    legacy_error(
        anon.post("/auth/1/oauth2/token", data={"client_id": "x", "client_secret": "y", "grant_type": "password"}),
        400,
        "BAD_REQUEST",
    )


def test_accounts_are_partitioned_by_api_key(ib):
    ib.create_app("mine")
    number = ib.buy()
    other = ib.client("another-key")
    legacy_error(other.get("/provisioning/1/applications/mine"), 404, "NOT_FOUND")
    assert other.get("/provisioning/1/applications").json()["paging"]["totalResults"] == 0
    assert other.get(f"/numbers/1/numbers/{number['numberKey']}").status_code == 404
    assert other.post("/provisioning/1/applications", json={"applicationId": "mine"}).status_code == 201
    # a number is owned by one account at a time: it is not on offer to others
    assert number["number"] not in [n["number"] for n in ib.available(country="GB", limit=1000)]
    r = other.post("/numbers/1/numbers", json={"numberKey": number["numberKey"]})
    assert r.status_code == 404 and r.content == b""


def test_pinned_credentials(server_factory, new_client):
    srv = server_factory(
        credentials={"infobip": [{"api_key": "good-key", "username": "alice", "password": "secret"}, {"api_key": "k2"}]}
    )
    base = srv.endpoints["infobip"]
    good = new_client(base, auth=None)
    good.headers["Authorization"] = "App good-key"
    assert good.post("/provisioning/1/applications", json={"applicationId": "a1"}).status_code == 201
    bad = new_client(base, auth=None)
    bad.headers["Authorization"] = "App other-key"
    legacy_error(bad.get("/provisioning/1/applications"), 401, "UNAUTHORIZED")
    alice = new_client(base, auth=("alice", "secret"))  # Basic: the same account as good-key
    assert alice.get("/provisioning/1/applications/a1").status_code == 200
    legacy_error(new_client(base, auth=("alice", "wrong")).get("/numbers/1/numbers"), 401, "UNAUTHORIZED")
    k2 = new_client(base, auth=None)
    k2.headers["Authorization"] = "App k2"
    assert k2.get("/provisioning/1/applications/a1").status_code == 404


def test_throttling_uses_published_limits_at_scale_one(server_factory, new_client):
    srv = server_factory(infobip=InfobipChoices(throttle_scale=1.0))
    c = new_client(srv.endpoints["infobip"], auth=None)
    c.headers["Authorization"] = "App k"
    admin = new_client(srv.admin_url, auth=None)
    # create-application: 1 per second, legacy body, no Retry-After
    assert c.post("/provisioning/1/applications", json={"applicationId": "a"}).status_code == 201
    r = c.post("/provisioning/1/applications", json={"applicationId": "b"})
    legacy_error(r, 429, "TOO_MANY_REQUESTS", "Too many requests")
    assert "Retry-After" not in r.headers
    # limits are per operation and per account
    assert c.get("/provisioning/1/applications/a").status_code == 200
    other = new_client(srv.endpoints["infobip"], auth=None)
    other.headers["Authorization"] = "App k-other"
    assert other.post("/provisioning/1/applications", json={"applicationId": "b"}).status_code == 201
    # the window runs on the sandbox clock: advancing it opens a new one
    admin.post("/_sandbox/clock", json={"advance_seconds": 1})
    assert c.post("/provisioning/1/applications", json={"applicationId": "b"}).status_code == 201
    # token bucket (burst 2) on available numbers
    codes = [c.get("/numbers/1/numbers/available", params={"country": "SE"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    # 2FA create: 20 per 10 minutes
    codes = [c.post("/2fa/2/applications", json={"name": f"n{i}"}).status_code for i in range(21)]
    assert codes == [201] * 20 + [429]
    # ApiError family (RCS): the E429 body
    body = {"senderName": "x"}
    assert c.post("/rcs/1/senders", json=body).status_code == 400  # invalid, but it counted
    r = c.post("/rcs/1/senders", json=body)
    assert api_error(r, 429)["resources"][0]["name"] == "Throttling handling errors"
    # operations without x-throttling-info are never throttled (2FA message templates, Subscriptions)
    assert all(c.get("/subscriptions/1/profiles").status_code == 200 for _ in range(30))
    # reset clears the counters
    admin.post("/_sandbox/reset")
    assert c.post("/provisioning/1/applications", json={"applicationId": "a"}).status_code == 201


def test_throttling_default_scale_overrides_and_switch(server_factory, new_client, ib):
    # default: on, but 1000x the published limits: a burst of creates passes
    assert all(
        ib.api.post("/provisioning/1/applications", json={"applicationId": f"a{i}"}).status_code == 201
        for i in range(30)
    )
    srv = server_factory(
        infobip=InfobipChoices(
            throttle_overrides={
                "get-calls-configurations": [
                    {"type": "time", "numberOfRequests": 2, "numberOfTimeUnits": 0, "timeUnit": "m"}
                ]
            },
            throttle_retry_after=True,
        )
    )
    c = new_client(srv.endpoints["infobip"], auth=None)
    c.headers["Authorization"] = "App k"
    codes = [c.get("/calls/1/configurations").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert int(c.get("/calls/1/configurations").headers["Retry-After"]) >= 1
    off = server_factory(infobip=InfobipChoices(throttling=False, throttle_scale=1.0))
    c = new_client(off.endpoints["infobip"], auth=None)
    c.headers["Authorization"] = "App k"
    assert all(
        c.post("/provisioning/1/applications", json={"applicationId": f"x{i}"}).status_code == 201 for i in range(5)
    )


def test_faults_and_admin_rate_limits_answer_in_the_legacy_shape(ib):
    ib.admin.post("/_sandbox/faults", json={"api": "infobip", "status": 503, "count": 1})
    legacy_error(ib.api.get("/numbers/1/numbers"), 503, "GENERAL_ERROR")
    assert ib.api.get("/numbers/1/numbers").status_code == 200
    ib.admin.post("/_sandbox/ratelimits", json={"api": "infobip", "rps": 0.001, "burst": 1})
    assert ib.api.get("/numbers/1/numbers").status_code == 200
    r = ib.api.get("/numbers/1/numbers")
    legacy_error(r, 429, "TOO_MANY_REQUESTS")
    assert "Retry-After" in r.headers  # the server-level limiter always says when


def test_requests_are_logged_without_bodies(ib):
    ib.create_app("logged")
    ib.api.get("/numbers/1/numbers/available", params=[("capabilities", "SMS"), ("capabilities", "VOICE")])
    log = ib.sb.log("infobip")
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("POST", "/provisioning/1/applications", 201),
        ("GET", "/numbers/1/numbers/available", 200),
    ]
    assert log[1]["query"] == {"capabilities": ["SMS", "VOICE"]}
    assert KEY not in httpx.get(ib.sb.server.admin_url + "/_sandbox/requests").text
