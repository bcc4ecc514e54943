"""Three-way diff, table-driven: each case says why it expects what it expects."""

from __future__ import annotations

import copy

import pytest

from provisioner.diff import compare, flatten, redact
from provisioner.model import UNKNOWN
from provisioner.providers.vonage.application import Application
from provisioner.providers.vonage.number import Number

APP, NUM = Application(), Number()


def _app(answer: str = "https://a.example/answer", **extra):
    props = {
        "name": "x",
        "capabilities": {"voice": {"webhooks": {"answer_url": {"address": answer, "http_method": "GET"}}}},
    }
    props.update(extra)
    return props


CASES = [
    # (reason, kind, desired, last, live, ignore, expected [(path, old, new, reasons)])
    (
        "in sync after provider defaults are filled in: no change",
        APP,
        _app(),
        _app(),
        {**_app(), "privacy": {"improve_ai": True}},
        (),
        [],
    ),
    (
        "manifest edited, live unchanged: config",
        APP,
        _app("https://b.example/answer"),
        _app(),
        _app(),
        (),
        [
            (
                "capabilities.voice.webhooks.answer_url.address",
                "https://a.example/answer",
                "https://b.example/answer",
                ("config",),
            )
        ],
    ),
    (
        "live edited outside, manifest unchanged: drift",
        APP,
        _app(),
        _app(),
        _app("https://evil.example/answer"),
        (),
        [
            (
                "capabilities.voice.webhooks.answer_url.address",
                "https://evil.example/answer",
                "https://a.example/answer",
                ("drift",),
            )
        ],
    ),
    (
        "both edited differently: config and drift",
        APP,
        _app("https://b.example/answer"),
        _app(),
        _app("https://evil.example/answer"),
        (),
        [
            (
                "capabilities.voice.webhooks.answer_url.address",
                "https://evil.example/answer",
                "https://b.example/answer",
                ("config", "drift"),
            )
        ],
    ),
    (
        "full replacement: a capability added outside is drift (the PUT would remove it)",
        APP,
        _app(),
        _app(),
        {**_app(), "capabilities": {**_app()["capabilities"], "vbc": {}}},
        (),
        [("capabilities.vbc", {}, None, ("drift",))],
    ),
    (
        "ignore_changes silences a path",
        APP,
        _app(),
        _app(),
        _app("https://evil.example/answer"),
        ("capabilities.voice.webhooks",),
        [],
    ),
    (
        "public key not declared: the provider's key is not compared",
        APP,
        _app(),
        _app(),
        {**_app(), "public_key": "-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----\n"},
        (),
        [],
    ),
    (
        "partial kind: undeclared live fields are not compared",
        NUM,
        {"country": "GB", "msisdn": "447700900001"},
        {"country": "GB", "msisdn": "447700900001"},
        {"country": "GB", "msisdn": "447700900001", "mo_http_url": "https://x.example"},
        (),
        [],
    ),
    (
        "partial kind: a field removed from the manifest is cleared (seen through last-applied)",
        NUM,
        {"country": "GB", "msisdn": "447700900001"},
        {"country": "GB", "msisdn": "447700900001", "app_id": "a1"},
        {"country": "GB", "msisdn": "447700900001", "app_id": "a1"},
        (),
        [("app_id", "a1", None, ("config",))],
    ),
    (
        "no last-applied (import): differences are config",
        NUM,
        {"country": "GB", "msisdn": "447700900001", "app_id": "a2"},
        None,
        {"country": "GB", "msisdn": "447700900001", "app_id": "a1"},
        (),
        [("app_id", "a1", "a2", ("config",))],
    ),
    (
        "a value known only after apply is always a change",
        NUM,
        {"country": "GB", "msisdn": "447700900001", "app_id": UNKNOWN},
        None,
        {"country": "GB", "msisdn": "447700900001"},
        (),
        [("app_id", None, UNKNOWN, ("config",))],
    ),
]


class _Hook(Number):
    """A kind with a write-only secret, like a Sinch provisioning webhook."""

    sensitive = frozenset({"secret"})
    write_only = frozenset({"secret"})


HOOK = _Hook()
CASES += [
    (
        "write-only secret unchanged since last apply: no change although live never shows it",
        HOOK,
        {"country": "GB", "msisdn": "1", "secret": "s1"},
        {"country": "GB", "msisdn": "1", "secret": "s1"},
        {"country": "GB", "msisdn": "1"},
        (),
        [],
    ),
    (
        "write-only secret changed in the manifest: config change, shown as fingerprints",
        HOOK,
        {"country": "GB", "msisdn": "1", "secret": "s2"},
        {"country": "GB", "msisdn": "1", "secret": "s1"},
        {"country": "GB", "msisdn": "1"},
        (),
        "secret-changed",
    ),
]


@pytest.mark.parametrize("reason,kind,desired,last,live,ignore,expected", CASES, ids=[c[0] for c in CASES])
def test_compare(reason, kind, desired, last, live, ignore, expected):
    norm_last = redact(kind.normalize(last), kind.sensitive) if last is not None else None
    got = compare(
        kind,
        redact(kind.normalize(desired), kind.sensitive),
        norm_last,
        redact(kind.normalize(live), kind.sensitive),
        ignore,
    )
    if expected == "secret-changed":
        [change] = got
        assert change.path == "secret" and change.reasons == ("config",) and change.sensitive
        assert change.old.startswith("fp:") and change.new.startswith("fp:") and change.old != change.new
        assert "s1" not in (change.old + change.new) and "s2" not in (change.old + change.new)
        return
    assert [(c.path, c.old, c.new, c.reasons) for c in got] == expected, reason


def test_redact_replaces_secrets_with_stable_fingerprints():
    a = redact({"public_key": "-----BEGIN PUBLIC KEY-----\nAAA\n-----END PUBLIC KEY-----\n"}, {"public_key"})
    b = redact({"public_key": "  -----BEGIN PUBLIC KEY-----\nAAA\n-----END PUBLIC KEY-----"}, {"public_key"})
    c = redact({"public_key": "-----BEGIN PUBLIC KEY-----\nBBB\n-----END PUBLIC KEY-----\n"}, {"public_key"})
    assert a == b and a != c
    assert a["public_key"].startswith("fp:") and "AAA" not in a["public_key"]
    assert redact(a, {"public_key"}) == a  # fingerprinting is idempotent


def test_redact_walks_many_paths_through_lists_once_and_copies_only_what_it_changes():
    sensitive = {"creds.bearer.token", "creds.basic.password", "creds.basic.user", "top", "absent.x"}
    other = {"deep": {"list": [1, 2]}}
    props = {
        "creds": [
            {"channel": "A", "bearer": {"token": "t1", "claimed": "yes"}},
            {"channel": "B", "basic": {"user": "u", "password": "p"}, "meta": other},
            "not-a-mapping",
        ],
        "top": "s",
        "untouched": other,
        "list_leaf": ["kept"],
    }
    before = copy.deepcopy(props)
    out = redact(props, sensitive)
    assert props == before  # the input is never changed
    a, b, c = out["creds"]
    assert a["bearer"]["token"].startswith("fp:") and a["bearer"]["claimed"] == "yes"
    assert b["basic"]["user"].startswith("fp:") and b["basic"]["password"].startswith("fp:")
    assert out["top"].startswith("fp:") and c == "not-a-mapping"
    assert out["untouched"] is other and b["meta"] is other  # shared, not copied
    assert out["list_leaf"] is props["list_leaf"]
    assert "t1" not in repr(out) and "'p'" not in repr(out)
    assert redact(out, sensitive) == out  # already fingerprinted: unchanged
    clean = {"creds": [{"channel": "C"}], "untouched": other}
    again = redact(clean, sensitive)
    assert again == clean and again is not clean and again["creds"] is clean["creds"]


def test_flatten_keeps_lists_and_empty_objects_as_leaves():
    assert flatten({"a": {"b": [1, 2], "c": {}}, "d": 1}) == {"a.b": [1, 2], "a.c": {}, "d": 1}
