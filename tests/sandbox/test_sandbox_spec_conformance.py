"""Sandbox responses validated against the official Vonage OpenAPI files (read at runtime, never copied).

Two levels: the spec's schemas as written (they allow extra members), and a strict variant where every object
with declared properties rejects members the spec does not declare, except the few the research documents
as present on real responses (keys/_links on applications, messages.version, authenticate_inbound_media).
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")
jsonschema = pytest.importorskip("jsonschema")

SPECS = Path(
    os.environ.get("PROVISIONER_SPECS_DIR", Path(__file__).resolve().parents[3] / "shared" / "specs")
)
APPLICATION_SPEC = SPECS / "vonage" / "developer-portal-archived" / "application.v2.4.1.yml"
NUMBERS_SPEC = SPECS / "vonage" / "developer-portal-archived" / "numbers.v1.1.0.yml"

_OPENAPI_ONLY = {
    "example",
    "examples",
    "xml",
    "deprecated",
    "discriminator",
    "externalDocs",
    "readOnly",
    "writeOnly",
}


def _load(path: Path) -> dict:
    if not path.exists():
        pytest.skip(f"{path} not available")
    return yaml.safe_load(path.read_text())


def to_json_schema(node, root: dict):
    """Inline local $refs, merge allOf, turn `nullable` into a null type, drop OpenAPI-only keywords."""
    if isinstance(node, list):
        return [to_json_schema(n, root) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = root
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return to_json_schema(target, root)
    out = {
        k: to_json_schema(v, root)
        for k, v in node.items()
        if k not in _OPENAPI_ONLY and not k.startswith("x-")
    }
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    if "allOf" in out:
        merged: dict = {}
        for part in out.pop("allOf"):
            for key, value in part.items():
                if key == "properties":
                    props = merged.setdefault("properties", {})
                    for name, schema in value.items():
                        props[name] = _merge(props.get(name), schema)
                elif key == "required":
                    merged["required"] = sorted({*merged.get("required", []), *value})
                else:
                    merged[key] = value
        out = {**merged, **out}
    if "properties" in out and "type" not in out:
        out["type"] = "object"
    return out


def _merge(a, b):
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return b
    out = {**a, **b}
    if "properties" in a and "properties" in b:
        out["properties"] = {**a["properties"]}
        for name, schema in b["properties"].items():
            out["properties"][name] = _merge(a["properties"].get(name), schema)
    return out


def strict(schema, extras: dict[str, dict]):
    """additionalProperties: false on every object with properties; `extras` adds schemas at dotted paths."""
    schema = copy.deepcopy(schema)
    for path, extra in extras.items():
        node = schema
        for part in path.split("."):
            if part:
                node = node["properties"][part]
        node.setdefault("properties", {}).update(extra)

    def close(node):
        if isinstance(node, dict):
            if "properties" in node:
                node.setdefault("additionalProperties", False)
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(schema)
    return schema


def response_schema(spec: dict, path: str, method: str, status: str) -> dict:
    resp = spec["paths"][path][method]["responses"][status]
    resp = to_json_schema(resp, spec)
    return resp["content"]["application/json"]["schema"]


def spec_examples(spec: dict, path: str, method: str, status: str) -> dict:
    """The `example` of each top-level property of a JSON response, straight from the spec."""
    resp = spec["paths"][path][method]["responses"][status]
    if "$ref" in resp:
        resp = spec["components"]["responses"][resp["$ref"].rsplit("/", 1)[1]]
    props = resp["content"]["application/json"]["schema"]["properties"]
    return {k: v.get("example") for k, v in props.items()}


def check(instance, schema) -> None:
    cls = jsonschema.validators.validator_for(schema)
    errors = sorted(cls(schema).iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


LINKS = {
    "_links": {
        "type": "object",
        "properties": {
            "self": {"type": "object", "properties": {"href": {"type": "string"}}, "required": ["href"]}
        },
        "required": ["self"],
    }
}
KEYS = {
    "keys": {
        "type": "object",
        "properties": {"public_key": {"type": "string"}, "private_key": {"type": "string"}},
        "required": ["public_key"],
    }
}
MESSAGES_EXTRAS = {
    "version": {"type": "string", "enum": ["v1", "v0.1"]},
    "authenticate_inbound_media": {"type": "boolean"},
}
APP_EXTRAS = {"": {**KEYS, **LINKS}, "capabilities.messages": MESSAGES_EXTRAS}

FULL_APP = {
    "name": "conformance",
    "privacy": {"improve_ai": False},
    "capabilities": {
        "voice": {
            "webhooks": {
                "answer_url": {"address": "https://e.com/a", "http_method": "GET"},
                "fallback_answer_url": {"address": "https://e.com/f", "http_method": "POST"},
                "event_url": {"address": "https://e.com/e", "http_method": "POST"},
            },
            "region": "apac-sng",
        },
        "rtc": {"webhooks": {"event_url": {"address": "https://e.com/r", "http_method": "POST"}}},
        "messages": {
            "authenticate_inbound_media": True,
            "webhooks": {
                "inbound_url": {"address": "https://e.com/i", "http_method": "POST"},
                "status_url": {"address": "https://e.com/s", "http_method": "POST"},
            },
        },
        "vbc": {},
        "verify": {"webhooks": {"status_url": {"address": "https://e.com/v", "http_method": "POST"}}},
        "meetings": {
            "webhooks": {
                "recording_changed": {"address": "https://e.com/m1", "http_method": "POST"},
                "room_changed": {"address": "https://e.com/m2", "http_method": "POST"},
                "session_changed": {"address": "https://e.com/m3", "http_method": "POST"},
            }
        },
        "network_apis": {"network_application_id": "abc", "redirect_uri": "https://e.com/cb"},
        "video": {
            "webhooks": {"stream_created": {"address": "https://e.com/vid", "active": True}},
            "storage": {
                "server_side_encryption": True,
                "end_to_end_encryption": False,
                "cloud_storage": False,
            },
        },
    },
}


@pytest.fixture(scope="module")
def app_spec():
    return _load(APPLICATION_SPEC)


@pytest.fixture(scope="module")
def numbers_spec():
    return _load(NUMBERS_SPEC)


def test_create_get_put_list_match_application_spec(sb, app_spec):
    created = sb.api.post("/v2/applications", json=FULL_APP)
    assert created.status_code == 201
    generated = sb.create_app({"name": "minimal"})
    create_schema = response_schema(app_spec, "/v2/applications", "post", "201")
    for body in (created.json(), generated):
        check(body, create_schema)
        check(body, strict(create_schema, APP_EXTRAS))
    app_id = created.json()["id"]

    get_schema = response_schema(app_spec, "/v2/applications/{id}", "get", "200")
    got = sb.api.get(f"/v2/applications/{app_id}").json()
    check(got, get_schema)
    check(got, strict(get_schema, APP_EXTRAS))

    meetings_put = copy.deepcopy(FULL_APP)
    meetings_put["capabilities"]["meetings"] = {
        "webhooks": {"recording_url": {"address": "https://e.com/m1", "http_method": "POST"}}
    }
    put = sb.api.put(f"/v2/applications/{app_id}", json=meetings_put)
    assert put.status_code == 200
    put_schema = response_schema(app_spec, "/v2/applications/{id}", "put", "200")
    check(put.json(), put_schema)
    check(put.json(), strict(put_schema, APP_EXTRAS))

    list_schema = response_schema(app_spec, "/v2/applications", "get", "200")
    listing = sb.api.get("/v2/applications", params={"page_size": 1}).json()
    check(listing, list_schema)
    strict_list = strict(list_schema, {"": {"_links": {"type": "object"}}})
    items = strict_list["properties"]["_embedded"]["properties"]["applications"]["items"]
    items["properties"].update({**KEYS})
    items["properties"]["capabilities"]["properties"]["messages"]["properties"].update(MESSAGES_EXTRAS)
    check(listing, strict_list)
    assert "_links" not in listing["_embedded"]["applications"][0]


def test_strict_check_would_catch_an_undeclared_member(app_spec):
    # Guards the strict variant itself: a stray member or wrong type must fail.
    schema = strict(response_schema(app_spec, "/v2/applications/{id}", "get", "200"), APP_EXTRAS)
    good = {
        "id": "x",
        "name": "n",
        "keys": {"public_key": "k"},
        "privacy": {"improve_ai": True},
        "capabilities": {"meetings": {"webhooks": {"room_changed": {"address": "a", "http_method": "POST"}}}},
        "_links": {"self": {"href": "/v2/applications/x"}},
    }
    check(good, schema)
    bad = copy.deepcopy(good)
    bad["capabilities"]["meetings"]["webhooks"] = {"rooms_url": {"address": "a", "http_method": "POST"}}
    with pytest.raises(AssertionError):
        check(bad, schema)
    with pytest.raises(AssertionError):
        check({**good, "capabilities": {"voice": {"conversations_ttl": "48"}}}, schema)


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "spec_path", "spec_method"),
    [
        ("post", "/v2/applications", {"json": {"capabilities": {}}}, "400", "/v2/applications", "post"),
        ("get", "/v2/applications", {"params": {"page_size": 0}}, "400", "/v2/applications", "get"),
        ("get", "/v2/applications/missing", {}, "404", "/v2/applications/{id}", "get"),
        ("trace", "/v2/applications", {}, "405", "/v2/applications", "get"),
        ("get", "/v2/applications", {"headers": {"Accept": "text/xml"}}, "406", "/v2/applications", "get"),
        ("post", "/v2/applications", {"content": b"name=x"}, "415", "/v2/applications", "post"),
    ],
)
def test_error_bodies_match_application_spec(
    sb, app_spec, method, path, kwargs, status, spec_path, spec_method
):
    r = sb.api.request(method.upper(), path, **kwargs)
    assert str(r.status_code) == status
    schema = response_schema(app_spec, spec_path, spec_method, status)
    check(r.json(), strict(schema, {}))
    # The spec's examples are the real texts (the 404 detail example names another id).
    examples = spec_examples(app_spec, spec_path, spec_method, status)
    for key in ("type", "title") if status == "404" else ("type", "title", "detail"):
        assert r.json()[key] == examples[key]
    assert set(r.json()) >= {"type", "title", "detail", "instance"}


def test_unauthorized_body_matches_application_spec(sb, app_spec):
    r = sb.client("vonage.api", auth=None).get("/v2/applications")
    check(r.json(), strict(response_schema(app_spec, "/v2/applications", "get", "401"), {}))


def test_numbers_responses_match_numbers_spec(sb, numbers_spec):
    search = sb.rest.get("/number/search", params={"country": "US", "size": 20}).json()
    schema = response_schema(numbers_spec, "/number/search", "get", "200")
    check(search, schema)
    check(search, strict(schema, {}))

    app = sb.create_app()
    sb.buy("447700900001")
    sb.rest.post(
        "/number/update",
        data={
            "country": "GB",
            "msisdn": "447700900001",
            "app_id": app["id"],
            "moHttpUrl": "https://e.com/sms",
            "voiceStatusCallback": "https://e.com/st",
        },
    )
    owned = sb.rest.get("/account/numbers").json()
    schema = response_schema(numbers_spec, "/account/numbers", "get", "200")
    check(owned, schema)
    # voiceStatusCallback is an update field the owned-number schema does not list; the sandbox echoes it.
    strict_owned = strict(schema, {})
    strict_owned["properties"]["numbers"]["items"]["properties"]["voiceStatusCallback"] = {"type": "string"}
    check(owned, strict_owned)
    assert set(owned["numbers"][0]) == {
        "country",
        "msisdn",
        "type",
        "features",
        "moHttpUrl",
        "voiceCallbackType",
        "voiceCallbackValue",
        "voiceStatusCallback",
        "app_id",
    }

    for path, data, status in (
        ("/number/buy", {"country": "GB", "msisdn": "447700900002"}, "200"),
        ("/number/buy", {"country": "GB", "msisdn": "447700900002"}, "420"),
        ("/number/cancel", {"country": "GB", "msisdn": "447700900002"}, "200"),
        ("/number/update", {"country": "GB", "msisdn": "447700900001"}, "200"),
    ):
        r = sb.rest.post(path, data=data)
        assert str(r.status_code) == status
        check(r.json(), strict(response_schema(numbers_spec, path, "post", status), {}))
    r = sb.client("vonage.rest", auth=None).get("/account/numbers")
    check(r.json(), strict(response_schema(numbers_spec, "/account/numbers", "get", "401"), {}))
