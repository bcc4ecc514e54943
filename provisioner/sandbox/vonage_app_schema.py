"""Validation and server defaults of a Vonage application body (POST and PUT /v2/applications).

`normalize()` turns a request body into the stored fields (name, public_key, privacy, capabilities) with the
server defaults filled in as real responses show them (vonage.md §2.2–2.3), or a list of invalid_parameters
({name: dotted.path, reason}). Choices where the contract is silent:
- JSON null is treated as an absent field (SDKs drop None fields anyway).
- An omitted http_method gets the conventional default: GET for answer/fallback_answer URLs, POST otherwise.
- Unknown fields are dropped silently, or rejected with VonageChoices.unknown_app_fields = "reject".
- Meetings webhooks: both the POST/response names (*_changed) and the PUT-body names (recording_url,
  rooms_url, sessions_url) are accepted on either verb and stored under the *_changed names; if both are
  sent the *_changed one wins.
- rtc.signed_callbacks gets the spec default (true) like voice; verify always answers version "v2".
- video webhooks and storage, network_apis and messages.authenticate_inbound_media are echoed as sent (no
  observed defaults).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.serialization import load_pem_public_key

from .config import VonageChoices

REGIONS = ("na-east", "na-west", "eu-east", "eu-west", "apac-sng", "apac-australia")
MESSAGES_VERSIONS = ("v1", "v0.1")
VIDEO_EVENTS = (
    "archive_status",
    "connection_created",
    "connection_destroyed",
    "session_created",
    "session_destroyed",
    "session_notification",
    "stream_created",
    "stream_destroyed",
    "render_status",
    "captions_status",
    "broadcast_status",
    "sip_call_created",
    "sip_call_updated",
    "sip_call_destroyed",
    "sip_call_mute_forced",
)
VIDEO_STORAGE = ("server_side_encryption", "end_to_end_encryption", "cloud_storage")
MEETINGS_ALIASES = {
    "recording_url": "recording_changed",
    "rooms_url": "room_changed",
    "sessions_url": "session_changed",
}


@dataclass(frozen=True)
class Hook:
    methods: tuple[str, ...]
    default_method: str
    connect: tuple[int, int, int] | None = None  # (min, max, default) milliseconds
    socket: tuple[int, int, int] | None = None


_ANSWER = Hook(("GET", "POST"), "GET", (300, 1000, 1000), (1000, 5000, 5000))
_VOICE_EVENT = Hook(("GET", "POST"), "POST", (300, 1000, 1000), (1000, 10000, 10000))
_ANY_METHOD = Hook(("GET", "POST"), "POST")
_POST_ONLY = Hook(("POST",), "POST")

VOICE_HOOKS = {"answer_url": _ANSWER, "fallback_answer_url": _ANSWER, "event_url": _VOICE_EVENT}
RTC_HOOKS = {"event_url": _ANY_METHOD}
MESSAGES_HOOKS = {"inbound_url": _POST_ONLY, "status_url": _POST_ONLY}
VERIFY_HOOKS = {"status_url": _POST_ONLY}
MEETINGS_HOOKS = {"recording_changed": _POST_ONLY, "room_changed": _POST_ONLY, "session_changed": _POST_ONLY}


class _Checker:
    def __init__(self, choices: VonageChoices) -> None:
        self.choices = choices
        self.errors: list[dict] = []

    def fail(self, name: str, reason: str) -> None:
        self.errors.append({"name": name, "reason": reason})

    def obj(self, value, name: str, allowed: tuple[str, ...] | None = None) -> dict | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            self.fail(name, "must be an object")
            return None
        if allowed is not None and self.choices.unknown_app_fields == "reject":
            for key in value:
                if key not in allowed:
                    self.fail(f"{name}.{key}" if name else key, "is not a recognised field")
        return value

    def string(self, value, name: str, required: bool = False) -> str | None:
        if value is None:
            if required:
                self.fail(name, "is required")
            return None
        if not isinstance(value, str):
            self.fail(name, "must be a string")
            return None
        if required and not value.strip():
            self.fail(name, "must not be blank")
        return value

    def integer(self, value, name: str, bounds: tuple[int, int, int | None]) -> int | None:
        lo, hi, default = bounds
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, "must be an integer")
            return None
        if not lo <= value <= hi:
            self.fail(name, f"must be between {lo} and {hi}")
        return value

    def boolean(self, value, name: str, default: bool | None = None) -> bool | None:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(name, "must be a boolean")
            return None
        return value

    def enum(self, value, name: str, options: tuple[str, ...], default: str | None = None) -> str | None:
        if value is None:
            return default
        if value not in options:
            self.fail(name, "must be one of: " + ", ".join(options))
        return value

    def url(self, value, name: str, required: bool = True) -> str | None:
        text = self.string(value, name, required=required)
        if text:
            parts = urlsplit(text)
            if parts.scheme not in ("http", "https") or not parts.netloc:  # http is fine (SDK fixtures)
                self.fail(name, "must be a valid http or https URL")
        return text


def _webhook(c: _Checker, value, name: str, hook: Hook) -> dict | None:
    allowed = (
        ("address", "http_method", "connect_timeout", "socket_timeout")
        if hook.connect
        else ("address", "http_method")
    )
    d = c.obj(value, name, allowed)
    if d is None:
        return None
    out = {
        "address": c.url(d.get("address"), f"{name}.address"),
        "http_method": c.enum(d.get("http_method"), f"{name}.http_method", hook.methods, hook.default_method),
    }
    if hook.connect and hook.socket:  # key order as in recorded responses
        out["socket_timeout"] = c.integer(d.get("socket_timeout"), f"{name}.socket_timeout", hook.socket)
        out["connect_timeout"] = c.integer(d.get("connect_timeout"), f"{name}.connect_timeout", hook.connect)
    return out


def _webhooks(
    c: _Checker,
    value,
    name: str,
    table: dict[str, Hook],
    aliases: dict[str, str] | None = None,
    forbidden: tuple[str, ...] = (),
) -> dict:
    aliases = aliases or {}
    d = c.obj(value, name, (*table, *aliases, *forbidden)) or {}
    for key in forbidden:
        if d.get(key) is not None:
            c.fail(f"{name}.{key}", "is not allowed")
    out: dict = {}
    for key, hook in table.items():
        sent_as = (
            key
            if d.get(key) is not None
            else next((a for a, real in aliases.items() if real == key and d.get(a) is not None), None)
        )
        if sent_as is not None:
            out[key] = _webhook(c, d[sent_as], f"{name}.{sent_as}", hook)
    return out


def _voice(c: _Checker, value, base: str) -> dict | None:
    d = c.obj(
        value, base, ("webhooks", "signed_callbacks", "conversations_ttl", "leg_persistence_time", "region")
    )
    if d is None:
        return None
    out = {
        "webhooks": _webhooks(c, d.get("webhooks"), f"{base}.webhooks", VOICE_HOOKS),
        "signed_callbacks": c.boolean(d.get("signed_callbacks"), f"{base}.signed_callbacks", True),
        "conversations_ttl": c.integer(
            d.get("conversations_ttl"), f"{base}.conversations_ttl", (1, 9000, 48)
        ),
        "leg_persistence_time": c.integer(
            d.get("leg_persistence_time"),
            f"{base}.leg_persistence_time",
            (1, 31, c.choices.leg_persistence_time_default),
        ),
    }
    region = c.enum(d.get("region"), f"{base}.region", REGIONS)
    if region is not None:
        out["region"] = region
    return out


def _rtc(c: _Checker, value, base: str) -> dict | None:
    d = c.obj(value, base, ("webhooks", "signed_callbacks"))
    if d is None:
        return None
    return {
        "webhooks": _webhooks(c, d.get("webhooks"), f"{base}.webhooks", RTC_HOOKS, forbidden=("answer_url",)),
        "signed_callbacks": c.boolean(d.get("signed_callbacks"), f"{base}.signed_callbacks", True),
    }


def _messages(c: _Checker, value, base: str) -> dict | None:
    d = c.obj(value, base, ("version", "webhooks", "authenticate_inbound_media"))
    if d is None:
        return None
    out = {
        "version": c.enum(d.get("version"), f"{base}.version", MESSAGES_VERSIONS, "v1"),
        "webhooks": _webhooks(c, d.get("webhooks"), f"{base}.webhooks", MESSAGES_HOOKS),
    }
    media = c.boolean(d.get("authenticate_inbound_media"), f"{base}.authenticate_inbound_media")
    if media is not None:
        out["authenticate_inbound_media"] = media
    return out


def _vbc(c: _Checker, value, base: str) -> dict | None:
    d = c.obj(value, base)
    if d:
        c.fail(base, "must be an empty object")
    return None if d is None else {}


def _verify(c: _Checker, value, base: str) -> dict | None:
    d = c.obj(value, base, ("webhooks", "version"))
    if d is None:
        return None
    c.enum(d.get("version"), f"{base}.version", ("v2",))
    return {"webhooks": _webhooks(c, d.get("webhooks"), f"{base}.webhooks", VERIFY_HOOKS), "version": "v2"}


def _meetings(c: _Checker, value, base: str) -> dict | None:
    d = c.obj(value, base, ("webhooks",))
    if d is None:
        return None
    return {"webhooks": _webhooks(c, d.get("webhooks"), f"{base}.webhooks", MEETINGS_HOOKS, MEETINGS_ALIASES)}


def _network_apis(c: _Checker, value, base: str) -> dict | None:
    d = c.obj(value, base, ("network_application_id", "redirect_uri"))
    if d is None:
        return None
    out = {}
    app_id = c.string(d.get("network_application_id"), f"{base}.network_application_id")
    if app_id is not None:
        out["network_application_id"] = app_id
    uri = c.url(d.get("redirect_uri"), f"{base}.redirect_uri", required=False)
    if uri is not None:
        out["redirect_uri"] = uri
    return out


def _video(c: _Checker, value, base: str) -> dict | None:
    d = c.obj(value, base, ("webhooks", "storage"))
    if d is None:
        return None
    out: dict = {}
    hooks = c.obj(d.get("webhooks"), f"{base}.webhooks", VIDEO_EVENTS)
    if hooks is not None:
        out["webhooks"] = {}
        for event in VIDEO_EVENTS:
            name = f"{base}.webhooks.{event}"
            hook = c.obj(hooks.get(event), name, ("address", "active"))
            if hook is not None:
                item = {"address": c.url(hook.get("address"), f"{name}.address")}
                active = c.boolean(hook.get("active"), f"{name}.active")
                if active is not None:
                    item["active"] = active
                out["webhooks"][event] = item
    storage = c.obj(d.get("storage"), f"{base}.storage", VIDEO_STORAGE)
    if storage is not None:
        out["storage"] = {}
        for flag in VIDEO_STORAGE:
            v = c.boolean(storage.get(flag), f"{base}.storage.{flag}")
            if v is not None:
                out["storage"][flag] = v
    return out


CAPABILITIES = {
    "voice": _voice,
    "rtc": _rtc,
    "messages": _messages,
    "vbc": _vbc,
    "verify": _verify,
    "meetings": _meetings,
    "network_apis": _network_apis,
    "video": _video,
}


def normalize(body, choices: VonageChoices) -> tuple[dict, list[dict]]:
    """(fields, invalid_parameters). fields: name, public_key (None if not sent), privacy, capabilities."""
    c = _Checker(choices)
    if not isinstance(body, dict):
        c.fail("body", "must be a JSON object")
        return {}, c.errors
    c.obj(
        body, "", ("name", "keys", "capabilities", "privacy", "id", "_links")
    )  # id/_links: a GET body sent back
    name = c.string(body.get("name"), "name", required=True)

    public_key = None
    keys = c.obj(body.get("keys"), "keys", ("public_key", "private_key"))
    if keys is not None:
        public_key = c.string(keys.get("public_key"), "keys.public_key")
        if public_key and choices.validate_public_key:
            try:
                load_pem_public_key(public_key.encode())
            except (ValueError, TypeError):
                c.fail("keys.public_key", "must be a PEM encoded public key")

    privacy = c.obj(body.get("privacy"), "privacy", ("improve_ai",)) or {}
    improve_ai = c.boolean(privacy.get("improve_ai"), "privacy.improve_ai", choices.improve_ai_default)

    capabilities: dict = {}
    caps = c.obj(body.get("capabilities"), "capabilities", tuple(CAPABILITIES)) or {}
    for key, build in CAPABILITIES.items():
        value = build(c, caps.get(key), f"capabilities.{key}")
        if value is not None:
            capabilities[key] = value
    fields = {
        "name": name,
        "public_key": public_key,
        "privacy": {"improve_ai": improve_ai},
        "capabilities": capabilities,
    }
    return fields, c.errors
