"""The JSON Schemas: well-formed, documented, closed, and agreeing with the fast checker."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from provisioner import registry
from provisioner.schema import (
    SchemaChecker,
    kind_checker,
    kind_schemas,
    load_schema,
    property_paths,
    resolve_ref,
    schemas_dir,
)

GOOD = Path(__file__).resolve().parent / "good"


def objects(schema: Any, root: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every object schema (after local $refs) with its path."""
    out = []
    schema = resolve_ref(root, schema)
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            out.append((path or "<root>", schema))
        for name, sub in schema.get("properties", {}).items():
            out.extend(objects(sub, root, f"{path}.{name}" if path else name))
    return out


def test_schemas_dir_is_the_repository_folder() -> None:
    assert schemas_dir() == Path(__file__).resolve().parents[2] / "schemas"
    assert (schemas_dir() / "manifest.schema.json").is_file()


def test_kind_schemas_are_discovered_from_provider_folders() -> None:
    kinds = kind_schemas()
    assert {"vonage.application", "vonage.number"} <= set(kinds)
    for kind, schema in kinds.items():
        assert schema["$id"] == f"urn:provisioner:{kind}"
        assert schema == load_schema(kind.replace(".", "/") + ".schema.json")


def test_every_registered_kind_has_a_schema() -> None:
    for kind, impl in registry.all_kinds().items():
        assert kind in kind_schemas(), kind
        assert impl.schema == kind.replace(".", "/") + ".schema.json"


@pytest.mark.parametrize("kind", sorted(kind_schemas()))
def test_kind_schema_is_closed_and_documented(kind: str) -> None:
    schema = kind_schemas()[kind]
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    for path, obj in objects(schema, schema):
        assert obj.get("additionalProperties") is False, path
        for name, field in obj.get("properties", {}).items():
            assert "description" in field or "description" in resolve_ref(schema, field), f"{path}.{name}"


def test_manifest_schema_is_closed_and_lists_every_kind_for_editors() -> None:
    schema = load_schema("manifest.schema.json")
    Draft202012Validator.check_schema(schema)
    kinds = sorted(kind_schemas())
    assert sorted(schema["$defs"]["resource"]["properties"]["type"]["enum"]) == kinds, (
        "add the new kind to manifest.schema.json: the type enum and $defs.kind_properties"
    )
    conditions = schema["$defs"]["kind_properties"]["allOf"]
    assert sorted(c["if"]["properties"]["type"]["const"] for c in conditions) == kinds
    for path, obj in objects(schema, schema):
        # objects with fixed fields are closed; the resources map is closed by its entry schema
        assert obj.get("additionalProperties") is False or "properties" not in obj, path
    assert schema["properties"]["resources"]["additionalProperties"] == {"$ref": "#/$defs/resource"}
    assert schema["$defs"]["resource"]["additionalProperties"] is False
    assert schema["$defs"]["options"]["additionalProperties"] is False


def editor_validator() -> Draft202012Validator:
    """The manifest schema as an editor sees it: kind schemas fetched by relative file name."""
    base = schemas_dir().as_uri() + "/"
    resources = [(base + "manifest.schema.json", Resource.from_contents(load_schema("manifest.schema.json")))]
    for path in schemas_dir().glob("*/*.schema.json"):
        contents = json.loads(path.read_text())
        resources.append((path.as_uri(), Resource.from_contents(contents)))
    reg = Registry().with_resources(resources)
    return Draft202012Validator({"$ref": base + "manifest.schema.json"}, registry=reg)


def test_editor_view_accepts_the_good_manifests_and_rejects_a_typo() -> None:
    validator = editor_validator()
    for path in [GOOD / "design.yaml", *sorted((GOOD / "multi").glob("*.y*ml"))]:
        doc = yaml.safe_load(path.read_text())
        doc["resources"] = doc.get("resources") or {}
        for res in doc["resources"].values():  # YAML 1.1 turns NO into False; editors use 1.2
            if res["properties"].get("country") is False:
                res["properties"]["country"] = "NO"
        errors = list(validator.iter_errors(doc))
        assert not errors, (path, [e.message for e in errors])
    typo = yaml.safe_load((GOOD / "design.yaml").read_text())
    typo["resources"]["support-app"]["properties"]["capabilities"]["voice"]["webhooks"]["answr_url"] = {}
    assert not validator.is_valid(typo)


def test_property_paths_include_nested_fields() -> None:
    paths = property_paths("vonage.application")
    assert "capabilities.voice.webhooks.answer_url.address" in paths
    assert paths["capabilities.voice.conversations_ttl"]["type"] == "integer"
    assert "capabilities.video.webhooks.sip_call_mute_forced.active" in paths
    assert set(property_paths("vonage.number")) == {
        "country",
        "msisdn",
        "app_id",
        "mo_http_url",
        "voice_callback_type",
        "voice_callback_value",
        "voice_status_callback",
    }


# ---------------------------------------------------------------- fast path == jsonschema


def mutations(value: Any) -> list[Any]:
    """Variants of ``value`` with one leaf or key changed in a way a schema may care about."""
    out: list[Any] = []
    replacements = [
        "",
        "x",
        "https://example.com/h",
        "GET",
        "PUT",
        0,
        300,
        1001,
        10000,
        -1,
        1.5,
        True,
        None,
        [],
        {},
    ]
    if isinstance(value, dict):
        for key, sub in value.items():
            for variant in mutations(sub):
                copy_ = dict(value)
                copy_[key] = variant
                out.append(copy_)
            without = {k: v for k, v in value.items() if k != key}
            out.append(without)
        out.append({**value, "unexpected": 1})
    elif isinstance(value, list):
        out.append(value + value)
    else:
        out.extend(r for r in replacements if r != value or type(r) is not type(value))
    return out


def samples() -> list[tuple[str, Any]]:
    app = {
        "name": "Support",
        "capabilities": {
            "voice": {
                "webhooks": {
                    "answer_url": {
                        "address": "https://example.com/a",
                        "http_method": "GET",
                        "connect_timeout": 500,
                    },
                    "event_url": {"address": "https://example.com/e", "socket_timeout": 10000},
                },
                "conversations_ttl": 48,
                "region": "eu-west",
            },
            "messages": {
                "webhooks": {"status_url": {"address": "https://example.com/s", "http_method": "POST"}}
            },
            "vbc": {},
            "video": {"webhooks": {"archive_status": {"address": "https://example.com/v", "active": True}}},
        },
        "private_key_path": "k.pem",
        "privacy": {"improve_ai": False},
    }
    number = {
        "country": "GB",
        "msisdn": "447700900001",
        "app_id": "abc",
        "mo_http_url": "",
        "voice_callback_type": "sip",
        "voice_callback_value": "sip:x@example.com",
    }
    out = [("vonage.application", app), ("vonage.number", number)]
    out += [("vonage.application", v) for v in mutations(app)]
    out += [("vonage.number", v) for v in mutations(number)]
    out += [("vonage.application", {**app, "public_key": "-----BEGIN PUBLIC KEY-----\nabc"})]
    return out


def test_fast_checker_agrees_with_jsonschema_on_valid_and_invalid_instances() -> None:
    cases = samples()
    assert len(cases) > 300
    verdicts = set()
    for kind, instance in cases:
        expected = Draft202012Validator(kind_schemas()[kind]).is_valid(instance)
        assert kind_checker(kind).is_valid(instance) == expected, (kind, instance)
        verdicts.add(expected)
    assert verdicts == {True, False}


def test_fast_checker_defers_unknown_keywords_to_jsonschema() -> None:
    schema = {"type": "array", "contains": {"const": 3}, "prefixItems": [{"type": "integer"}]}
    checker = SchemaChecker(schema)
    for instance in ([1, 3], [1, 2], ["a", 3], []):
        assert checker.is_valid(instance) == Draft202012Validator(schema).is_valid(instance)


def test_problems_are_human_sentences() -> None:
    checker = kind_checker("vonage.number")
    instance = copy.deepcopy({"country": "GB", "msisdn": 447700900001, "voice_callback_type": "app"})
    messages = sorted(p.message for p in checker.problems(instance))
    assert messages == [
        'expected a string, got 447700900001; quote it: "447700900001"',
        'missing required field "voice_callback_value" '
        "(voice_callback_type and voice_callback_value must be given together)",
        'must be one of sip, tel, got "app"',
    ]
