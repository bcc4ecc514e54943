"""The exporter's pure parts: defaults dropped, names, placeholders, quoting (no sandbox)."""

from __future__ import annotations

import pytest
import yaml

from provisioner import export, registry
from provisioner.errors import UsageError
from provisioner.model import UNKNOWN, LiveObject
from provisioner.plan import view
from provisioner.schema import resource_name_checker
from provisioner.yamlload import load_yaml


def _item(kind: str, props: dict, oid: str = "id-1") -> export._Item:
    return export._Item(registry.get(kind), LiveObject(oid, props, {"id": oid}), props)


def test_minimal_drops_exactly_what_normalize_fills_in_and_keeps_choices():
    kind = registry.get("vonage.application")
    live = {
        "name": "Support",
        "capabilities": {
            "voice": {
                "webhooks": {
                    "answer_url": {"address": "https://a.example", "http_method": "GET", "connect_timeout": 1000},
                    "event_url": {"address": "https://e.example", "http_method": "GET"},  # not POST: a choice
                },
                "signed_callbacks": True,
                "conversations_ttl": 48,
                "leg_persistence_time": 7,
            },
            "messages": {"version": "v1"},  # only defaults: the capability stays, empty
        },
        "privacy": {"improve_ai": True},
    }
    out = export.minimal(kind, live)
    assert out == {
        "name": "Support",
        "capabilities": {
            "voice": {
                "webhooks": {
                    "answer_url": {"address": "https://a.example"},
                    "event_url": {"address": "https://e.example", "http_method": "GET"},
                }
            },
            "messages": {},
        },
    }
    assert view(kind, out) == view(kind, live)


@pytest.mark.parametrize(
    "kind, live, expected",
    [
        (
            "infobip.tfa_application",
            {"name": "Login", "enabled": True, "configuration": {"pin_attempts": 10, "pin_time_to_live": "5m"}},
            {"name": "Login", "configuration": {"pin_time_to_live": "5m"}},
        ),
        (
            "sinch.whatsapp_template",  # status SUBMIT is the default; category is required, so it stays
            {"name": "t", "language": "EN", "category": "UTILITY", "status": "SUBMIT"},
            {"name": "t", "language": "EN", "category": "UTILITY"},
        ),
        (
            "infobip.number",
            {"number": "447700900002", "application_id": "default"},
            {"number": "447700900002"},
        ),
    ],
)
def test_minimal_per_kind(kind, live, expected):
    assert export.minimal(registry.get(kind), live) == expected


def test_names_are_readable_unique_and_independent_of_order():
    def named(order):
        items = [
            _item("vonage.application", {"name": "Support line"}, "aaaa-1111"),
            _item("vonage.application", {"name": "Support line"}, "bbbb-2222"),
            _item("vonage.application", {"name": "Café Bar!"}, "cccc-3333"),
            _item("vonage.application", {"name": "!!!"}, "dddd-4444"),
            _item("vonage.number", {"country": "GB", "msisdn": "447700900001"}, "GB:447700900001"),
        ]
        items = [items[i] for i in order]
        export._name(items)
        return {it.live.id: it.name for it in items}

    names = named([0, 1, 2, 3, 4])
    assert names == named([4, 3, 2, 1, 0])
    assert names == {
        "aaaa-1111": "app-support-line-a-1111",
        "bbbb-2222": "app-support-line-b-2222",
        "cccc-3333": "app-cafe-bar",
        "dddd-4444": "app-dddd-4444",  # nothing readable in the name: the id
        "GB:447700900001": "number-447700900001",
    }
    assert all(resource_name_checker().is_valid(name) for name in names.values())


def test_long_labels_are_cut_at_a_word():
    it = _item("vonage.application", {"name": "word " * 30})
    export._name([it])
    assert len(it.name) <= 60 and it.name.endswith("word")


def test_secrets_become_placeholders_named_after_resource_and_field():
    props = {
        "display_name": "x",
        "channel_credentials": [
            {"channel": "SMS", "static_bearer": {"claimed_identity": "p", "token": "t1"}},
            {"channel": "SMS", "static_bearer": {"claimed_identity": "q", "token": "t2"}},
            {"channel": "MESSENGER", "static_token": {"token": "t3"}},
        ],
    }
    it = _item("sinch.conversation_app", props)
    it.name = "app-acme"
    made = export._hide_secrets(it, set())
    assert made == [
        "APP_ACME_SMS_STATIC_BEARER_TOKEN",
        "APP_ACME_SMS_STATIC_BEARER_TOKEN_2",
        "APP_ACME_MESSENGER_STATIC_TOKEN_TOKEN",
    ]
    tokens = [c.get("static_bearer", c.get("static_token"))["token"] for c in it.props["channel_credentials"]]
    assert tokens == [f"${{env:{n}}}" for n in made]
    assert "t1" not in str(it.props) and it.props["channel_credentials"][0]["static_bearer"]["claimed_identity"] == "p"


def test_an_unreadable_secret_gets_a_placeholder_too():
    it = _item("sinch.provisioning_webhook", {"target": "https://h.example", "triggers": ["ALL"], "secret": UNKNOWN})
    it.name = "2fa-odd"
    assert export._hide_secrets(it, set()) == ["_2FA_ODD_SECRET"]  # env names cannot start with a digit


def test_literal_interpolation_is_escaped():
    assert export._escape({"a": ["${x}", "$${y}"], "b": 1}) == {"a": ["$${x}", "$$${y}"], "b": 1}


@pytest.mark.parametrize(
    "value", ["447700900001", "+12015550002", "0o17", "0x1F", "on", "yes", "No", "true", "null", "~", "", "1e3", ".5"]
)
def test_strings_other_yaml_readers_would_retype_are_quoted(value):
    text = yaml.dump({"v": value}, Dumper=export._Dumper, default_flow_style=False)
    assert load_yaml(text, "x.yaml").data == {"v": value}  # the manifest loader (YAML 1.2 core)
    assert yaml.safe_load(text) == {"v": value}  # and YAML 1.1 readers


def test_multiline_strings_are_literal_blocks():
    text = yaml.dump({"v": "line one\nline two\n"}, Dumper=export._Dumper, default_flow_style=False)
    assert text == "v: |\n  line one\n  line two\n"


def test_kind_selection_checks_provider_and_types_and_orders_parents_first():
    with pytest.raises(UsageError, match="unknown provider"):
        export.select_kinds("twilio", None)
    with pytest.raises(UsageError, match="not a sinch kind"):
        export.select_kinds("sinch", ["vonage.number"])
    chosen = export.select_kinds("infobip", None)
    assert chosen.index("infobip.tfa_application") < chosen.index("infobip.tfa_message_template")
    assert export.select_kinds("sinch", ["sinch.number", "sinch.number"]) == ["sinch.number"]


def test_kind_export_leaves_out_computed_fields():
    live = LiveObject("a", {"name": "x", "public_key": "-----BEGIN PUBLIC KEY-----"}, {"id": "a"})
    assert registry.get("vonage.application").export(live) == {"name": "x"}


def test_every_kind_has_a_readable_name():
    assert set(export._LABELS) == set(registry.all_kinds())
