"""vonage.application behaviour that the lifecycle tests do not reach directly: crash recovery
evidence, key handling, and translation at the edge."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from provisioner.errors import ProviderError
from provisioner.kind import CreateContext, Intent
from provisioner.model import LiveObject
from provisioner.providers.vonage.application import Application

APP = Application()


def _live(app_id: str, name: str, public_key: str | None = None) -> LiveObject:
    props = {"name": name, **({"public_key": public_key} if public_key else {})}
    return LiveObject(app_id, props, {"id": app_id})


def test_recover_matches_name_and_public_key_fingerprint(tmp_path):
    props = APP.prepare_create({"name": "Support", "private_key_path": "k.pem"}, CreateContext(tmp_path, "support"))
    intent = Intent("support", APP.kind, None, APP.intent_match(props))
    ours = _live("a-1", "Support", props["public_key"])
    other_key = APP.prepare_create({"name": "Support", "private_key_path": "other.pem"}, CreateContext(tmp_path, "x"))
    lookalike = _live("a-2", "Support", other_key["public_key"])
    assert APP.recover(intent, [lookalike, ours]) == ours
    assert APP.recover(intent, [lookalike]) is None  # same name, different key: not ours, create again


def test_recover_by_name_alone_refuses_when_ambiguous():
    intent = Intent("support", APP.kind, None, APP.intent_match({"name": "Support"}))
    assert APP.recover(intent, [_live("a-1", "Support"), _live("a-3", "Sales")]).id == "a-1"
    with pytest.raises(ProviderError, match="2 unmanaged Vonage applications"):
        APP.recover(intent, [_live("a-1", "Support"), _live("a-2", "Support")])


def test_private_key_is_generated_once_with_0600_and_reused(tmp_path):
    ctx = CreateContext(tmp_path, "app")
    first = APP.prepare_create({"name": "x", "private_key_path": "keys/app.pem"}, ctx)
    key_file = tmp_path / "keys" / "app.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    before = key_file.read_bytes()
    second = APP.prepare_create({"name": "x", "private_key_path": "keys/app.pem"}, ctx)
    assert key_file.read_bytes() == before and first["public_key"] == second["public_key"]
    private = serialization.load_pem_private_key(before, password=None)
    derived = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert first["public_key"] == derived.decode()
    # plan-time view: the public key to compare is derived from the file, never the private key
    assert APP.prepare({"name": "x", "private_key_path": "keys/app.pem"}, tmp_path)["public_key"] == first["public_key"]


def test_payload_is_the_whole_object_and_drops_local_fields():
    body = APP.to_payload(
        {
            "name": "x",
            "private_key_path": "k.pem",
            "public_key": "PEM",
            "capabilities": {"vbc": {}},
            "privacy": {"improve_ai": False},
        }
    )
    assert body == {
        "name": "x",
        "keys": {"public_key": "PEM"},
        "capabilities": {"vbc": {}},
        "privacy": {"improve_ai": False},
    }
    # full replacement: no capabilities declared still sends an empty object, removing old ones
    assert APP.to_payload({"name": "x"})["capabilities"] == {}


def test_to_spec_never_keeps_a_private_key():
    spec = APP.to_spec(
        {"id": "a", "name": "x", "keys": {"public_key": "PUB", "private_key": "PRIV"}, "capabilities": {}}
    )
    assert "PRIV" not in repr(spec) and spec["public_key"] == "PUB"
