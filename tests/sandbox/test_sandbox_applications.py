"""Vonage Application API v2 emulator (vonage.md §2)."""

from __future__ import annotations

import base64
import re

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from provisioner.sandbox import VonageChoices

HEX32 = re.compile(r"^[0-9a-f]{32}$")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ERR = "https://developer.vonage.com/api-errors"


def public_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def assert_problem(r: httpx.Response, status: int, type_: str, title: str, detail: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["type"] == type_
    assert body["title"] == title
    if detail is not None:
        assert body["detail"] == detail
    assert HEX32.match(body["instance"])
    return body


VOICE = {
    "webhooks": {
        "answer_url": {"address": "http://example.com/answer", "http_method": "GET"},
        "event_url": {"address": "https://example.com/event", "http_method": "POST"},
    }
}


# -- create ----------------------------------------------------------------------------------------


def test_create_fills_voice_defaults_as_observed(sb):
    app = sb.create_app({"name": "My App", "capabilities": {"voice": VOICE}})
    assert UUID4.match(app["id"])
    assert app["name"] == "My App"
    voice = app["capabilities"]["voice"]
    assert voice["webhooks"]["answer_url"] == {
        "address": "http://example.com/answer",
        "http_method": "GET",
        "socket_timeout": 5000,
        "connect_timeout": 1000,
    }
    assert voice["webhooks"]["event_url"] == {
        "address": "https://example.com/event",
        "http_method": "POST",
        "socket_timeout": 10000,
        "connect_timeout": 1000,
    }
    assert voice["signed_callbacks"] is True
    assert voice["conversations_ttl"] == 48
    assert voice["leg_persistence_time"] == 7
    assert "region" not in voice
    assert app["privacy"] == {"improve_ai": True}
    assert app["_links"] == {"self": {"href": f"/v2/applications/{app['id']}"}}
    assert list(app) == ["id", "name", "keys", "privacy", "capabilities", "_links"]


def test_create_fills_fallback_messages_verify_rtc_defaults(sb):
    app = sb.create_app(
        {
            "name": "x",
            "capabilities": {
                "voice": {"webhooks": {"fallback_answer_url": {"address": "https://f.example.com/a"}}},
                "messages": {
                    "webhooks": {"inbound_url": {"address": "https://e.com/in", "http_method": "POST"}}
                },
                "verify": {"webhooks": {"status_url": {"address": "https://e.com/v", "http_method": "POST"}}},
                "rtc": {"webhooks": {"event_url": {"address": "https://e.com/rtc", "http_method": "GET"}}},
            },
        }
    )
    caps = app["capabilities"]
    assert caps["voice"]["webhooks"] == {
        "fallback_answer_url": {
            "address": "https://f.example.com/a",
            "http_method": "GET",
            "socket_timeout": 5000,
            "connect_timeout": 1000,
        }
    }
    assert caps["messages"]["version"] == "v1"
    assert caps["messages"]["webhooks"]["inbound_url"] == {
        "address": "https://e.com/in",
        "http_method": "POST",
    }
    assert caps["verify"] == {
        "webhooks": {"status_url": {"address": "https://e.com/v", "http_method": "POST"}},
        "version": "v2",
    }
    assert caps["rtc"] == {
        "webhooks": {"event_url": {"address": "https://e.com/rtc", "http_method": "GET"}},
        "signed_callbacks": True,
    }


def test_capability_without_webhooks_comes_back_with_empty_webhooks(sb):
    app = sb.create_app({"name": "x", "capabilities": {"messages": {}, "voice": {}}})
    assert app["capabilities"]["messages"] == {"version": "v1", "webhooks": {}}
    assert app["capabilities"]["voice"]["webhooks"] == {}


def test_every_capability_round_trips(sb):
    body = {
        "name": "all",
        "privacy": {"improve_ai": False},
        "capabilities": {
            "voice": {
                "webhooks": {
                    "answer_url": {
                        "address": "https://e.com/a",
                        "http_method": "POST",
                        "connect_timeout": 300,
                        "socket_timeout": 1000,
                    }
                },
                "signed_callbacks": False,
                "conversations_ttl": 9000,
                "leg_persistence_time": 31,
                "region": "eu-west",
            },
            "rtc": {
                "webhooks": {"event_url": {"address": "https://e.com/r", "http_method": "POST"}},
                "signed_callbacks": False,
            },
            "messages": {
                "version": "v0.1",
                "authenticate_inbound_media": True,
                "webhooks": {"status_url": {"address": "https://e.com/s", "http_method": "POST"}},
            },
            "vbc": {},
            "verify": {"webhooks": {"status_url": {"address": "https://e.com/v", "http_method": "POST"}}},
            "meetings": {
                "webhooks": {"room_changed": {"address": "https://e.com/room", "http_method": "POST"}}
            },
            "network_apis": {
                "network_application_id": "2bzfIFqRG128IcjSj1YhZNtw6LADG",
                "redirect_uri": "https://e.com/redirect",
            },
            "video": {
                "webhooks": {"archive_status": {"address": "https://e.com/arch", "active": True}},
                "storage": {
                    "server_side_encryption": False,
                    "end_to_end_encryption": True,
                    "cloud_storage": False,
                },
            },
        },
    }
    created = sb.create_app(body)
    got = sb.api.get(f"/v2/applications/{created['id']}").json()
    caps = got["capabilities"]
    assert got["privacy"] == {"improve_ai": False}
    assert caps["voice"] == {
        "webhooks": {
            "answer_url": {
                "address": "https://e.com/a",
                "http_method": "POST",
                "socket_timeout": 1000,
                "connect_timeout": 300,
            }
        },
        "signed_callbacks": False,
        "conversations_ttl": 9000,
        "leg_persistence_time": 31,
        "region": "eu-west",
    }
    assert caps["messages"] == {
        "version": "v0.1",
        "authenticate_inbound_media": True,
        "webhooks": {"status_url": {"address": "https://e.com/s", "http_method": "POST"}},
    }
    assert caps["vbc"] == {}
    assert caps["meetings"] == {
        "webhooks": {"room_changed": {"address": "https://e.com/room", "http_method": "POST"}}
    }
    assert caps["network_apis"] == body["capabilities"]["network_apis"]
    assert caps["video"] == body["capabilities"]["video"]
    assert caps["rtc"]["signed_callbacks"] is False
    assert set(caps) == set(body["capabilities"])


def test_private_key_only_in_create_response(sb):
    created = sb.create_app({"name": "keys"})
    keys = created["keys"]
    assert keys["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    assert keys["public_key"].startswith("-----BEGIN PUBLIC KEY-----")
    # The pair matches.
    private = serialization.load_pem_private_key(keys["private_key"].encode(), password=None)
    derived = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    assert derived == keys["public_key"]
    app_id = created["id"]
    got = sb.api.get(f"/v2/applications/{app_id}").json()
    assert got["keys"] == {"public_key": keys["public_key"]}
    listed = sb.api.get("/v2/applications").json()["_embedded"]["applications"][0]
    assert listed["keys"] == {"public_key": keys["public_key"]}
    put = sb.api.put(f"/v2/applications/{app_id}", json={"name": "renamed"}).json()
    assert put["keys"] == {"public_key": keys["public_key"]}  # PUT without keys keeps the key
    assert "private_key" not in sb.api.get(f"/v2/applications/{app_id}").text


def test_create_with_public_key_returns_no_private_key(sb):
    pem = public_pem()
    app = sb.create_app({"name": "mine", "keys": {"public_key": pem}})
    assert app["keys"] == {"public_key": pem}


def test_put_replaces_whole_application(sb):
    app = sb.create_app(
        {"name": "v1", "privacy": {"improve_ai": False}, "capabilities": {"voice": VOICE, "messages": {}}}
    )
    r = sb.api.put(
        f"/v2/applications/{app['id']}",
        json={
            "name": "v2",
            "capabilities": {"messages": {"webhooks": {"inbound_url": {"address": "https://e.com/i"}}}},
        },
    )
    assert r.status_code == 200, r.text
    put = r.json()
    assert put["name"] == "v2"
    assert "voice" not in put["capabilities"]  # not sent -> removed
    assert put["capabilities"]["messages"]["webhooks"]["inbound_url"]["http_method"] == "POST"
    assert put["privacy"] == {"improve_ai": True}  # privacy not sent -> default again
    assert put["_links"]["self"]["href"] == f"/v2/applications/{app['id']}"
    assert sb.api.get(f"/v2/applications/{app['id']}").json() == put


def test_put_with_new_public_key_replaces_key(sb):
    app = sb.create_app({"name": "k"})
    pem = public_pem()
    put = sb.api.put(f"/v2/applications/{app['id']}", json={"name": "k", "keys": {"public_key": pem}}).json()
    assert put["keys"] == {"public_key": pem}


def test_put_accepts_meetings_put_names_and_stores_changed_names(sb):
    app = sb.create_app({"name": "m"})
    r = sb.api.put(
        f"/v2/applications/{app['id']}",
        json={
            "name": "m",
            "capabilities": {
                "meetings": {
                    "webhooks": {
                        "recording_url": {"address": "https://e.com/rec", "http_method": "POST"},
                        "rooms_url": {"address": "https://e.com/rooms", "http_method": "POST"},
                        "sessions_url": {"address": "https://e.com/sess", "http_method": "POST"},
                    }
                }
            },
        },
    )
    assert r.status_code == 200, r.text
    hooks = r.json()["capabilities"]["meetings"]["webhooks"]
    assert hooks == {
        "recording_changed": {"address": "https://e.com/rec", "http_method": "POST"},
        "room_changed": {"address": "https://e.com/rooms", "http_method": "POST"},
        "session_changed": {"address": "https://e.com/sess", "http_method": "POST"},
    }


def test_delete_then_404(sb):
    app = sb.create_app()
    r = sb.api.delete(f"/v2/applications/{app['id']}")
    assert r.status_code == 204
    assert r.content == b""
    for method in ("GET", "DELETE"):
        assert_problem(
            sb.api.request(method, f"/v2/applications/{app['id']}"),
            404,
            f"{ERR}#not-found",
            "Not Found",
            f"ID '{app['id']}' does not exist, or you do not have access",
        )
    assert_problem(
        sb.api.put(f"/v2/applications/{app['id']}", json={"name": "x"}), 404, f"{ERR}#not-found", "Not Found"
    )


# -- validation ------------------------------------------------------------------------------------

PAYLOAD = "https://developer.vonage.com/api-errors/application#payload-validation"


@pytest.mark.parametrize(
    ("body", "name", "reason"),
    [
        ({}, "name", "is required"),
        ({"name": 5}, "name", "must be a string"),
        (
            {
                "name": "x",
                "capabilities": {
                    "voice": {"webhooks": {"answer_url": {"address": "https://e.com", "http_method": "PUT"}}}
                },
            },
            "capabilities.voice.webhooks.answer_url.http_method",
            "must be one of: GET, POST",
        ),
        (
            {
                "name": "x",
                "capabilities": {
                    "voice": {
                        "webhooks": {"answer_url": {"address": "https://e.com", "connect_timeout": 200}}
                    }
                },
            },
            "capabilities.voice.webhooks.answer_url.connect_timeout",
            "must be between 300 and 1000",
        ),
        (
            {
                "name": "x",
                "capabilities": {
                    "voice": {
                        "webhooks": {"answer_url": {"address": "https://e.com", "socket_timeout": 6000}}
                    }
                },
            },
            "capabilities.voice.webhooks.answer_url.socket_timeout",
            "must be between 1000 and 5000",
        ),
        (
            {
                "name": "x",
                "capabilities": {
                    "voice": {
                        "webhooks": {
                            "fallback_answer_url": {"address": "https://e.com", "socket_timeout": 999}
                        }
                    }
                },
            },
            "capabilities.voice.webhooks.fallback_answer_url.socket_timeout",
            "must be between 1000 and 5000",
        ),
        (
            {
                "name": "x",
                "capabilities": {
                    "voice": {
                        "webhooks": {"event_url": {"address": "https://e.com", "socket_timeout": 10001}}
                    }
                },
            },
            "capabilities.voice.webhooks.event_url.socket_timeout",
            "must be between 1000 and 10000",
        ),
        (
            {"name": "x", "capabilities": {"voice": {"conversations_ttl": 9001}}},
            "capabilities.voice.conversations_ttl",
            "must be between 1 and 9000",
        ),
        (
            {"name": "x", "capabilities": {"voice": {"leg_persistence_time": 0}}},
            "capabilities.voice.leg_persistence_time",
            "must be between 1 and 31",
        ),
        (
            {"name": "x", "capabilities": {"voice": {"region": "mars"}}},
            "capabilities.voice.region",
            "must be one of: na-east, na-west, eu-east, eu-west, apac-sng, apac-australia",
        ),
        (
            {"name": "x", "capabilities": {"voice": {"signed_callbacks": "yes"}}},
            "capabilities.voice.signed_callbacks",
            "must be a boolean",
        ),
        (
            {
                "name": "x",
                "capabilities": {
                    "messages": {
                        "webhooks": {"inbound_url": {"address": "https://e.com", "http_method": "GET"}}
                    }
                },
            },
            "capabilities.messages.webhooks.inbound_url.http_method",
            "must be one of: POST",
        ),
        (
            {"name": "x", "capabilities": {"messages": {"version": "v2"}}},
            "capabilities.messages.version",
            "must be one of: v1, v0.1",
        ),
        (
            {
                "name": "x",
                "capabilities": {
                    "verify": {"webhooks": {"status_url": {"address": "https://e.com", "http_method": "GET"}}}
                },
            },
            "capabilities.verify.webhooks.status_url.http_method",
            "must be one of: POST",
        ),
        (
            {
                "name": "x",
                "capabilities": {"rtc": {"webhooks": {"answer_url": {"address": "https://e.com"}}}},
            },
            "capabilities.rtc.webhooks.answer_url",
            "is not allowed",
        ),
        (
            {"name": "x", "capabilities": {"vbc": {"enabled": True}}},
            "capabilities.vbc",
            "must be an empty object",
        ),
        (
            {
                "name": "x",
                "capabilities": {
                    "meetings": {
                        "webhooks": {"rooms_url": {"address": "https://e.com", "http_method": "GET"}}
                    }
                },
            },
            "capabilities.meetings.webhooks.rooms_url.http_method",
            "must be one of: POST",
        ),
        (
            {"name": "x", "capabilities": {"voice": {"webhooks": {"event_url": {"address": "ftp://e.com"}}}}},
            "capabilities.voice.webhooks.event_url.address",
            "must be a valid http or https URL",
        ),
        (
            {"name": "x", "keys": {"public_key": "not a key"}},
            "keys.public_key",
            "must be a PEM encoded public key",
        ),
        ({"name": "x", "privacy": {"improve_ai": "no"}}, "privacy.improve_ai", "must be a boolean"),
    ],
)
def test_create_validation_errors(sb, body, name, reason):
    r = sb.api.post("/v2/applications", json=body)
    problem = assert_problem(r, 400, PAYLOAD, "Bad Request", "The request failed due to validation errors")
    assert {"name": name, "reason": reason} in problem["invalid_parameters"]


def test_validation_reports_every_invalid_parameter(sb):
    r = sb.api.post(
        "/v2/applications", json={"capabilities": {"voice": {"conversations_ttl": 0, "region": "x"}}}
    )
    names = [p["name"] for p in r.json()["invalid_parameters"]]
    assert names == ["name", "capabilities.voice.conversations_ttl", "capabilities.voice.region"]


def test_put_validates_too(sb):
    app = sb.create_app()
    r = sb.api.put(f"/v2/applications/{app['id']}", json={"capabilities": {}})
    problem = assert_problem(r, 400, PAYLOAD, "Bad Request")
    assert problem["invalid_parameters"] == [{"name": "name", "reason": "is required"}]


def test_malformed_json_is_400(sb):
    r = sb.api.post("/v2/applications", content=b"{not json", headers={"Content-Type": "application/json"})
    assert_problem(r, 400, PAYLOAD, "Bad Request")


def test_unknown_fields_ignored_by_default(sb):
    app = sb.create_app(
        {
            "name": "x",
            "colour": "red",
            "capabilities": {"voice": {"webhooks": {}, "extra": 1}, "telepathy": {}},
        }
    )
    assert "colour" not in app
    assert set(app["capabilities"]) == {"voice"}
    assert "extra" not in app["capabilities"]["voice"]


def test_unknown_fields_rejected_when_configured(server_factory, new_client):
    srv = server_factory(vonage=VonageChoices(unknown_app_fields="reject"))
    r = new_client(srv.endpoints["vonage.api"]).post(
        "/v2/applications", json={"name": "x", "colour": "red", "capabilities": {"voice": {"extra": 1}}}
    )
    assert r.status_code == 400
    assert {p["name"] for p in r.json()["invalid_parameters"]} == {"colour", "capabilities.voice.extra"}


def test_configurable_defaults(server_factory, new_client):
    srv = server_factory(vonage=VonageChoices(leg_persistence_time_default=2, improve_ai_default=False))
    r = new_client(srv.endpoints["vonage.api"]).post(
        "/v2/applications", json={"name": "x", "capabilities": {"voice": {}}}
    )
    assert r.json()["capabilities"]["voice"]["leg_persistence_time"] == 2
    assert r.json()["privacy"] == {"improve_ai": False}


# -- protocol errors -------------------------------------------------------------------------------


def test_401_missing_malformed_and_empty_credentials(sb):
    client = sb.client("vonage.api", auth=None)
    unauthorized = (
        f"{ERR}#unauthorized",
        "Invalid credentials supplied",
        "You did not provide correct credentials.",
    )
    assert_problem(client.get("/v2/applications"), 401, *unauthorized)
    for header in (
        "Bearer abc",
        "Basic !!!",
        "Basic " + base64.b64encode(b"nocolon").decode(),
        "Basic " + base64.b64encode(b":secret").decode(),
        "Basic " + base64.b64encode(b"key:").decode(),
    ):
        assert_problem(client.get("/v2/applications", headers={"Authorization": header}), 401, *unauthorized)
    assert_problem(client.post("/v2/applications", json={"name": "x"}), 401, *unauthorized)


def test_pinned_credentials(server_factory, new_client):
    srv = server_factory(
        credentials={
            "vonage": [{"api_key": "key1", "api_secret": "right"}, {"api_key": "key2", "api_secret": "two"}]
        }
    )
    url = srv.endpoints["vonage.api"]
    assert new_client(url, ("key1", "right")).get("/v2/applications").status_code == 200
    assert new_client(url, ("key2", "two")).get("/v2/applications").status_code == 200
    assert new_client(url, ("key1", "wrong")).get("/v2/applications").status_code == 401
    assert new_client(url, ("other", "right")).get("/v2/applications").status_code == 401
    rest = new_client(srv.endpoints["vonage.rest"], auth=None)
    assert rest.get("/account/numbers", params={"api_key": "key1", "api_secret": "right"}).status_code == 200
    assert rest.get("/account/numbers", params={"api_key": "key1", "api_secret": "nope"}).status_code == 401


def test_405_wrong_verb(sb):
    r = sb.api.request("TRACE", "/v2/applications")
    assert_problem(
        r, 405, f"{ERR}#wrong-verb", "Request method not allowed", "Request method 'TRACE' not supported"
    )
    r = sb.api.patch("/v2/applications/abc", json={"name": "x"})
    assert_problem(
        r, 405, f"{ERR}#wrong-verb", "Request method not allowed", "Request method 'PATCH' not supported"
    )
    assert set(r.headers["allow"].split(", ")) == {"GET", "PUT", "DELETE"}


def test_406_accept_excluding_json(sb):
    r = sb.api.get("/v2/applications", headers={"Accept": "text/xml"})
    assert_problem(
        r,
        406,
        f"{ERR}#accept-header",
        "Invalid Accept header",
        "Invalid Accept header provided. Must be one of the following: 'application/json'",
    )
    for ok in (
        "*/*",
        "application/json",
        "text/html, application/*;q=0.5",
        "application/json; charset=utf-8",
    ):
        assert sb.api.get("/v2/applications", headers={"Accept": ok}).status_code == 200, ok
    assert sb.api.get("/v2/applications", headers={"Accept": "application/json;q=0"}).status_code == 406


def test_415_post_put_without_json_content_type(sb):
    detail = "Unsupported Content-Type header provided. Must be one of the following: 'application/json'"
    r = sb.api.post(
        "/v2/applications", content=b"name=x", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert_problem(r, 415, f"{ERR}#content-type-header", "Unsupported Content-Type header", detail)
    r = sb.api.post("/v2/applications", content=b'{"name": "x"}')
    assert_problem(r, 415, f"{ERR}#content-type-header", "Unsupported Content-Type header", detail)
    app = sb.create_app()
    r = sb.api.put(
        f"/v2/applications/{app['id']}", content=b'{"name": "x"}', headers={"Content-Type": "text/plain"}
    )
    assert_problem(r, 415, f"{ERR}#content-type-header", "Unsupported Content-Type header", detail)
    r = sb.api.post(
        "/v2/applications",
        content=b'{"name": "x"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert r.status_code == 201


def test_unknown_path_is_404_problem(sb):
    assert_problem(sb.api.get("/v2/nothing"), 404, f"{ERR}#not-found", "Not Found")


# -- list ------------------------------------------------------------------------------------------


def test_list_pagination_and_links(sb):
    ids = [sb.create_app({"name": f"app{i}"})["id"] for i in range(10)]
    page1 = sb.api.get("/v2/applications", params={"page_size": 3}).json()
    assert (page1["page_size"], page1["page"], page1["total_items"], page1["total_pages"]) == (3, 1, 10, 4)
    assert page1["_links"] == {
        "self": {"href": "/v2/applications?page_size=3&page=1"},
        "first": {"href": "/v2/applications?page_size=3"},
        "last": {"href": "/v2/applications?page_size=3&page=4"},
        "next": {"href": "/v2/applications?page_size=3&page=2"},
    }
    items = page1["_embedded"]["applications"]
    assert [a["id"] for a in items] == ids[:3]  # creation order
    assert all("_links" not in a for a in items)
    page2 = sb.api.get("/v2/applications", params={"page_size": 3, "page": 2}).json()
    assert page2["_links"]["prev"] == {"href": "/v2/applications?page_size=3&page=1"}
    assert page2["_links"]["next"] == {"href": "/v2/applications?page_size=3&page=3"}
    page4 = sb.api.get("/v2/applications", params={"page_size": 3, "page": 4}).json()
    assert [a["id"] for a in page4["_embedded"]["applications"]] == ids[9:]
    assert "next" not in page4["_links"]
    # Walking every page yields every id exactly once.
    seen, page = [], 1
    while True:
        body = sb.api.get("/v2/applications", params={"page_size": 4, "page": page}).json()
        seen += [a["id"] for a in body["_embedded"]["applications"]]
        if "next" not in body["_links"]:
            break
        page += 1
    assert seen == ids


def test_list_default_page_size_is_10(sb):
    for i in range(11):
        sb.create_app({"name": f"a{i}"})
    body = sb.api.get("/v2/applications").json()
    assert body["page_size"] == 10
    assert len(body["_embedded"]["applications"]) == 10
    assert body["total_pages"] == 2
    assert body["_links"]["self"] == {"href": "/v2/applications?page_size=10&page=1"}


def test_list_past_the_end_is_empty_page(sb):
    sb.create_app()
    body = sb.api.get("/v2/applications", params={"page_size": 5, "page": 3}).json()
    assert body["_embedded"]["applications"] == []
    assert body["total_items"] == 1
    assert body["_links"]["prev"] == {"href": "/v2/applications?page_size=5&page=2"}


def test_list_empty_account(sb):
    body = sb.api.get("/v2/applications", params={"page_size": 100}).json()
    assert body == {
        "page_size": 100,
        "page": 1,
        "total_items": 0,
        "total_pages": 0,
        "_embedded": {"applications": []},
        "_links": {
            "self": {"href": "/v2/applications?page_size=100&page=1"},
            "first": {"href": "/v2/applications?page_size=100"},
            "last": {"href": "/v2/applications?page_size=100&page=1"},
        },
    }


@pytest.mark.parametrize("page_size", ["0", "101", "-1", "abc"])
def test_list_page_size_bounds(sb, page_size):
    r = sb.api.get("/v2/applications", params={"page_size": page_size})
    problem = assert_problem(
        r,
        400,
        "https://developer.vonage.com/api-errors/application#list-validation",
        "Bad Request",
        "The request failed due to validation errors",
    )
    assert problem["invalid_parameters"] == [{"name": "page_size", "reason": "must be between 1 and 100"}]


def test_list_page_size_limits_accepted(sb):
    assert sb.api.get("/v2/applications", params={"page_size": 1}).status_code == 200
    assert sb.api.get("/v2/applications", params={"page_size": 100}).status_code == 200
    r = sb.api.get("/v2/applications", params={"page": 0})
    assert r.status_code == 400
    assert r.json()["invalid_parameters"][0]["name"] == "page"


def test_accounts_are_isolated(sb):
    other = sb.client("vonage.api", auth=("other-key", "s"))
    mine = sb.create_app({"name": "mine"})
    theirs = sb.create_app({"name": "theirs"}, client=other)
    assert [a["name"] for a in sb.api.get("/v2/applications").json()["_embedded"]["applications"]] == ["mine"]
    assert [a["name"] for a in other.get("/v2/applications").json()["_embedded"]["applications"]] == [
        "theirs"
    ]
    assert other.get(f"/v2/applications/{mine['id']}").status_code == 404
    assert other.delete(f"/v2/applications/{mine['id']}").status_code == 404
    assert other.put(f"/v2/applications/{mine['id']}", json={"name": "hijack"}).status_code == 404
    assert sb.api.get(f"/v2/applications/{mine['id']}").json()["name"] == "mine"
    assert sb.api.get(f"/v2/applications/{theirs['id']}").status_code == 404
    # Same key, different secret: still the same account when credentials are not pinned.
    same = sb.client("vonage.api", auth=("k", "another-secret"))
    assert same.get(f"/v2/applications/{mine['id']}").status_code == 200
