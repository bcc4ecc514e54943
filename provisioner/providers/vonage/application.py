"""vonage.application: an Application API v2 application.

Identity: server-assigned UUID, kept in state (names are not unique at Vonage).
Update: full replacement (PUT always carries the whole desired object), so every live field is
compared, not only declared ones — a capability added in the dashboard shows as drift, because
the next PUT would remove it.
Keys: ``public_key`` is sent as given. With ``private_key_path`` a key pair is generated locally
once, the private key written there (0600) and only the public key sent. With neither, Vonage
generates the pair and its private key (returned once) is discarded — the plan says so.
The private key never reaches state, plans or output; the public key is kept as a fingerprint.
Calls: create = 1 POST, update = 1 PUT, delete = 1 DELETE.
Crash recovery: an intent records the name and the public key fingerprint we are about to send;
an unclaimed live application matching both (or, with a server-generated key, the only unclaimed
one with that name) is adopted instead of creating a second one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from ...errors import ManifestError, ProviderError
from ...kind import CreateContext, FieldChange, Intent, Kind
from ...model import LiveObject, copy_tree, fingerprint
from .client import VonageClient

# Defaults Vonage fills in on create (vonage.md §2.3, from recorded real responses).
_WEBHOOK_TIMEOUTS = {
    "answer_url": {"connect_timeout": 1000, "socket_timeout": 5000},
    "fallback_answer_url": {"connect_timeout": 1000, "socket_timeout": 5000},
    "event_url": {"connect_timeout": 1000, "socket_timeout": 10000},
}
_VOICE_DEFAULTS = {"signed_callbacks": True, "conversations_ttl": 48, "leg_persistence_time": 7}
# An omitted http_method: GET for answer URLs, POST for every other webhook (video hooks have none).
_GET_HOOKS = frozenset({"answer_url", "fallback_answer_url"})
_METHOD_CAPABILITIES = ("voice", "rtc", "messages", "verify", "meetings")


class Application(Kind[VonageClient]):
    kind: ClassVar[str] = "vonage.application"
    provider: ClassVar[str] = "vonage"
    schema: ClassVar[str] = "vonage/application.schema.json"
    title: ClassVar[str] = "application"
    local_only = frozenset({"private_key_path"})
    sensitive = frozenset({"public_key"})  # not secret, but long: shown and stored as a fingerprint
    computed_props = frozenset({"public_key"})
    attributes = frozenset({"id"})
    full_replacement = True
    call_notes = "create: 1 POST; update: 1 PUT (full replacement); delete: 1 DELETE"

    # ------------------------------------------------------------ translation at the edge
    @staticmethod
    def to_spec(wire: Mapping[str, Any]) -> dict[str, Any]:
        """Vonage JSON → manifest shape (the API is already snake_case; keys are flattened)."""
        spec: dict[str, Any] = {"name": wire.get("name", "")}
        if wire.get("capabilities"):
            spec["capabilities"] = copy_tree(wire["capabilities"])
        if "privacy" in wire:
            spec["privacy"] = dict(wire["privacy"])
        public_key = (wire.get("keys") or {}).get("public_key")
        if public_key:
            spec["public_key"] = public_key
        return spec

    @staticmethod
    def to_payload(props: Mapping[str, Any]) -> dict[str, Any]:
        """Manifest shape → the whole PUT/POST body (full replacement: always everything)."""
        body: dict[str, Any] = {"name": props["name"]}
        if props.get("public_key"):
            body["keys"] = {"public_key": props["public_key"]}
        body["capabilities"] = copy_tree(dict(props.get("capabilities") or {}))
        if "privacy" in props:
            body["privacy"] = dict(props["privacy"])
        return body

    # ------------------------------------------------------------ pure helpers
    def normalize(self, props: Mapping[str, Any]) -> dict[str, Any]:
        out = copy_tree(dict(props))
        caps = out.get("capabilities") or {}
        for cap_name in _METHOD_CAPABILITIES:
            hooks = (caps.get(cap_name) or {}).get("webhooks") if isinstance(caps.get(cap_name), dict) else None
            for hook_name, hook in (hooks or {}).items():
                if isinstance(hook, dict):
                    hook.setdefault("http_method", "GET" if hook_name in _GET_HOOKS else "POST")
        rtc = caps.get("rtc")
        if isinstance(rtc, dict):
            rtc.setdefault("signed_callbacks", True)
        voice = caps.get("voice")
        if isinstance(voice, dict):
            for k, v in _VOICE_DEFAULTS.items():
                voice.setdefault(k, v)
            for hook, defaults in _WEBHOOK_TIMEOUTS.items():
                wh = (voice.get("webhooks") or {}).get(hook)
                if isinstance(wh, dict):
                    for k, v in defaults.items():
                        wh.setdefault(k, v)
        messages = caps.get("messages")
        if isinstance(messages, dict):
            messages.setdefault("version", "v1")
        verify = caps.get("verify")
        if isinstance(verify, dict):
            verify.setdefault("version", "v2")
        for cap in caps.values():  # an empty webhooks block means the same as none
            if isinstance(cap, dict) and cap.get("webhooks") == {}:
                del cap["webhooks"]
        if not caps:
            out.pop("capabilities", None)
        out.setdefault("privacy", {"improve_ai": True})
        if isinstance(out.get("public_key"), str):
            out["public_key"] = _normalise_pem(out["public_key"])
        return out

    def prepare(self, props: Mapping[str, Any], base_dir: Path) -> dict[str, Any]:
        """With private_key_path, the public key to compare is the one derived from that file."""
        out = dict(props)
        path = _key_path(props, base_dir)
        if path is not None and path.exists():
            out["public_key"] = _public_from_private(path)
        return out

    def plan_notes(self, props: Mapping[str, Any], action: str) -> list[str]:
        if action not in ("create", "replace"):
            return []
        if props.get("private_key_path"):
            return [f"a key pair is generated locally; the private key is written to {props['private_key_path']}"]
        if not props.get("public_key"):
            return [
                "Vonage will generate the key pair and its private key will be discarded "
                "(set private_key_path to keep one, or public_key to bring your own)"
            ]
        return []

    def recover(self, intent: Intent, candidates: Sequence[LiveObject]) -> LiveObject | None:
        name = intent.match.get("name")
        fp = intent.match.get("public_key_fp")
        same_name = [c for c in candidates if c.properties.get("name") == name]
        if fp:
            matches = [c for c in same_name if _fp(c.properties.get("public_key")) == fp]
        else:
            matches = same_name
        if len(matches) > 1:
            raise ProviderError(
                f"cannot recover the interrupted create of {intent.name}: {len(matches)} unmanaged Vonage "
                f"applications named {name!r} could be it; import the right one with "
                f"`provision import PATH {intent.name} ID` or delete the extras, then re-run",
                "vonage",
            )
        return matches[0] if matches else None

    def intent_match(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return {"name": props.get("name"), "public_key_fp": _fp(props.get("public_key"))}

    # ------------------------------------------------------------ verbs
    def observe(self, client: VonageClient) -> Iterable[LiveObject]:
        for wire in client.list_applications():
            yield self._live(wire)

    def prepare_create(self, props: Mapping[str, Any], ctx: CreateContext) -> dict[str, Any]:
        """Generate (or reuse) the local key pair before the intent is written, so the intent
        carries the public key fingerprint that identifies the application after a crash."""
        out = dict(props)
        path = _key_path(props, ctx.base_dir)
        if path is not None:
            out["public_key"] = _ensure_key_pair(path)
        return out

    def create(self, client: VonageClient, props: Mapping[str, Any], ctx: CreateContext) -> LiveObject:
        wire = client.create_application(self.to_payload(props))
        # A server-generated private key (wire["keys"]["private_key"]) is dropped here on purpose.
        return self._live(wire)

    def update(
        self, client: VonageClient, live: LiveObject, props: Mapping[str, Any], changes: Sequence[FieldChange]
    ) -> LiveObject:
        return self._live(client.update_application(live.id, self.to_payload(props)))

    def delete(self, client: VonageClient, live: LiveObject) -> None:
        client.delete_application(live.id)

    def _live(self, wire: Mapping[str, Any]) -> LiveObject:
        spec = self.to_spec(wire)
        return LiveObject(id=wire["id"], properties=spec, attributes={"id": wire["id"]})


def _normalise_pem(pem: str) -> str:
    return "\n".join(line.strip() for line in pem.strip().splitlines()) + "\n"


def _fp(pem: Any) -> str | None:
    return fingerprint(_normalise_pem(pem)) if isinstance(pem, str) and pem else None


def _key_path(props: Mapping[str, Any], base_dir: Path) -> Path | None:
    raw = props.get("private_key_path")
    if not raw:
        return None
    path = Path(raw)
    return path if path.is_absolute() else base_dir / path


def _public_from_private(path: Path) -> str:
    from cryptography.hazmat.primitives import serialization  # ~15 ms: only runs that touch a key pay it

    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ManifestError(
            f"{path}: cannot read the private key ({type(exc).__name__}); "
            "point private_key_path at an unencrypted PEM key, or remove the file to have one generated"
        ) from exc
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _ensure_key_pair(path: Path) -> str:
    """Use the key at ``path`` if it exists; otherwise generate one and write it there once (0600)."""
    if path.exists():
        return _public_from_private(path)
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
