"""Sinch authentication emulator (sinch.md §1.1): OAuth2 client credentials, Basic, expiry, 401 bodies per API."""

from __future__ import annotations

import base64

import httpx
from test_sinch_support import PROJECT, papi_error, sinch_fixture  # noqa: F401

from provisioner.sandbox.config import SinchChoices

REGISTRY = "https://developers.sinch.com/docs/errors/registry"


def test_token_issued_with_the_documented_shape(sinch):
    r = sinch.auth.post("/oauth2/token", auth=("key-1", "secret-1"), data={"grant_type": "client_credentials"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["scope"] == ""
    assert len(body["access_token"]) >= 32
    assert r.headers["cache-control"] == "no-store"
    second = sinch.token("key-1", "secret-1")
    assert second != body["access_token"]  # opaque random, never reused


def test_bearer_token_works_on_every_project_api_until_it_expires(sinch):
    token = sinch.token()
    headers = {"Authorization": f"Bearer {token}"}
    urls = {
        "sinch.numbers": sinch.path("/activeNumbers"),
        "sinch.provisioning": sinch.path("/webhooks"),
        "sinch.conversation": sinch.path("/apps"),
    }
    for api, path in urls.items():
        client = sinch.bare(api)
        assert client.get(path, headers=headers).status_code == 200, api
        assert client.get(path.replace(PROJECT, "other-project"), headers=headers).status_code == 200, api
    sinch.advance(3599)
    assert sinch.bare("sinch.numbers").get(urls["sinch.numbers"], headers=headers).status_code == 200
    sinch.advance(2)
    for api, path in urls.items():
        r = sinch.bare(api).get(path, headers=headers)
        assert r.status_code == 401, api
        assert "expired" in r.headers["www-authenticate"], api
        if api == "sinch.provisioning":
            papi_error(r, 401, "unauthorized_error")
        else:
            assert r.json() == {
                "type": f"{REGISTRY}/access-token-expired",
                "title": "Token expired",
                "detail": "The access token has expired. Generate a new token at https://auth.sinch.com.",
            }
    fresh = sinch.token()
    assert (
        sinch.bare("sinch.numbers").get(urls["sinch.numbers"], headers={"Authorization": f"Bearer {fresh}"}).status_code
        == 200
    )


def test_basic_auth_is_accepted(sinch):
    assert sinch.numbers.get(sinch.path("/activeNumbers")).status_code == 200
    assert sinch.prov.get(sinch.path("/webhooks")).status_code == 200
    assert sinch.conv.get(sinch.path("/apps")).status_code == 200


def test_unknown_malformed_and_missing_credentials_get_the_api_specific_401(sinch):
    bad_headers = [
        {"Authorization": "Bearer not-a-sandbox-token"},
        {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJrIn0.c2lnbmF0dXJl"},  # locally minted JWT
        {"Authorization": "Basic !!!"},
        {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
        {"Authorization": "Basic " + base64.b64encode(b":secret").decode()},
        {"Authorization": "Digest abc"},
        {},
    ]
    for headers in bad_headers:
        for api in ("sinch.numbers", "sinch.conversation"):
            path = sinch.path("/activeNumbers" if api == "sinch.numbers" else "/apps")
            r = sinch.bare(api).get(path, headers=headers)
            assert r.status_code == 401, (api, headers)
            assert r.json()["type"] == f"{REGISTRY}/invalid-credentials"
            assert r.json()["title"] == "Invalid credentials"
            assert "expired" not in r.headers["www-authenticate"]
            assert r.headers["www-authenticate"].startswith("Basic realm=")
        r = sinch.bare("sinch.provisioning").get(sinch.path("/webhooks"), headers=headers)
        body = papi_error(r, 401, "unauthorized_error")
        assert body == {
            "errorCode": "unauthorized_error",
            "message": "Unauthorized error.",
            "resolution": "Verify that projectId is correct.",
        }


def test_token_endpoint_errors(sinch):
    r = sinch.auth.post("/oauth2/token", data={"grant_type": "client_credentials"})
    assert r.status_code == 401 and r.json()["type"] == f"{REGISTRY}/invalid-credentials"
    assert "www-authenticate" in r.headers
    r = sinch.auth.post("/oauth2/token", auth=("k", "s"), data={"grant_type": "password"})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    r = sinch.auth.post("/oauth2/token", auth=("k", "s"), data={})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    # RFC 6749 §2.3.1 alternative: credentials in the form.
    r = sinch.auth.post(
        "/oauth2/token", data={"grant_type": "client_credentials", "client_id": "k", "client_secret": "s"}
    )
    assert r.status_code == 200
    assert sinch.auth.get("/oauth2/token").status_code == 405
    assert sinch.auth.post("/elsewhere").status_code == 404


def test_pinned_credentials_and_project_bound_keys(server_factory, new_client):
    srv = server_factory(
        credentials={
            "sinch": [
                {"key_id": "good", "key_secret": "pw"},
                {"key_id": "bound", "key_secret": "pw2", "project_id": "only-this"},
            ]
        }
    )
    auth = new_client(srv.endpoints["sinch.auth"], auth=None)
    assert (
        auth.post("/oauth2/token", auth=("good", "wrong"), data={"grant_type": "client_credentials"}).status_code == 401
    )
    assert (
        auth.post("/oauth2/token", auth=("other", "pw"), data={"grant_type": "client_credentials"}).status_code == 401
    )
    token = auth.post("/oauth2/token", auth=("good", "pw"), data={"grant_type": "client_credentials"}).json()
    numbers = new_client(srv.endpoints["sinch.numbers"], auth=None)
    assert numbers.get("/v1/projects/p/activeNumbers", auth=("good", "pw")).status_code == 200
    assert numbers.get("/v1/projects/p/activeNumbers", auth=("k", "s")).status_code == 401
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert numbers.get("/v1/projects/p/activeNumbers", headers=bearer).status_code == 200
    # A key bound to one project: 403 permission-denied elsewhere (Numbers/Conversation), 401 on Provisioning.
    assert numbers.get("/v1/projects/only-this/activeNumbers", auth=("bound", "pw2")).status_code == 200
    r = numbers.get("/v1/projects/p/activeNumbers", auth=("bound", "pw2"))
    assert r.status_code == 403 and r.json()["type"] == f"{REGISTRY}/permission-denied"
    prov = new_client(srv.endpoints["sinch.provisioning"], auth=None)
    papi_error(prov.get("/v1/projects/p/webhooks", auth=("bound", "pw2")), 401, "unauthorized_error")
    assert prov.get("/v1/projects/only-this/webhooks", auth=("bound", "pw2")).status_code == 200


def test_token_lifetime_is_configurable(server_factory, new_client):
    srv = server_factory(sinch=SinchChoices(token_lifetime_seconds=60))
    auth = new_client(srv.endpoints["sinch.auth"], auth=None)
    token = auth.post("/oauth2/token", auth=("k", "s"), data={"grant_type": "client_credentials"}).json()
    assert token["expires_in"] == 60
    admin = new_client(srv.admin_url, auth=None)
    admin.post("/_sandbox/clock", json={"advance_seconds": 61})
    r = httpx.get(
        srv.endpoints["sinch.numbers"] + "/v1/projects/p/activeNumbers",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert r.status_code == 401 and "expired" in r.headers["www-authenticate"]


def test_tokens_are_shared_through_the_data_dir(tmp_path, server_factory, new_client):
    first = server_factory(data_dir=tmp_path)
    token = (
        new_client(first.endpoints["sinch.auth"], auth=None)
        .post("/oauth2/token", auth=("k", "s"), data={"grant_type": "client_credentials"})
        .json()["access_token"]
    )
    first.stop()
    second = server_factory(data_dir=tmp_path)
    r = httpx.get(
        second.endpoints["sinch.numbers"] + "/v1/projects/p/activeNumbers",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200


def test_reset_forgets_tokens(sinch):
    token = sinch.token()
    sinch.admin.post("/_sandbox/reset")
    r = sinch.bare("sinch.numbers").get(sinch.path("/activeNumbers"), headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and "expired" not in r.headers["www-authenticate"]
