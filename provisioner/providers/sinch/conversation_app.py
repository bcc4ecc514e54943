"""sinch.conversation_app: a Conversation API app (sinch.md §4.1), on the project's regional host.

Identity: server-assigned id, kept in state (display names are not unique).
Update: PATCH with ``update_mask`` naming the top-level fields sent. ``channel_credentials`` is
replaced wholesale by Sinch, so when any credential changes the whole declared list is sent (order
is channel priority). Partial-update semantics otherwise: server defaults the manifest does not
declare (rate limits, retention, processing mode...) are never compared, so they never show as
changes; a field removed from the manifest is named in the mask without a value, which resets it
to Sinch's default.
Secrets inside credentials (tokens, passwords, keys, callback secrets) are fingerprinted in state
and plans; they are returned by the API, so a token rotated in the dashboard shows as drift.
Readiness: every credential ``state.status`` ACTIVE; FAILING is a failure with its description.
Calls: create = 1 POST; update = 1 PATCH; delete = 1 DELETE.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from ...errors import ProviderError
from ...kind import CreateContext, FieldChange, Intent, Kind
from ...model import LiveObject, Readiness, copy_tree
from .client import SinchClient

# Top-level AppCreateRequest fields the manifest may declare (everything else the API returns —
# rate_limits, queue_stats, persist_message_status, message_search — is read-only here).
FIELDS = (
    "display_name",
    "channel_credentials",
    "conversation_metadata_report_view",
    "processing_mode",
    "retention_policy",
    "dispatch_retention_policy",
    "smart_conversation",
    "callback_settings",
    "message_retry_settings",
    "delivery_report_based_fallback",
)
# Secret leaves of a credential (sinch.md §4.1 channel credential shapes).
_CREDENTIAL_SECRETS = (
    "callback_secret",
    "static_bearer.token",
    "static_token.token",
    "mms_credentials.api_key",
    "mms_credentials.basic_auth.password",
    "kakaotalk_credentials.kakaotalk_sender_key",
    "kakaotalkchat_credentials.api_key",
    "telegram_credentials.token",
    "line_credentials.token",
    "line_credentials.secret",
    "line_enterprise_credentials.line_japan.token",
    "line_enterprise_credentials.line_japan.secret",
    "line_enterprise_credentials.line_thailand.token",
    "line_enterprise_credentials.line_thailand.secret",
    "wechat_credentials.app_secret",
    "wechat_credentials.token",
    "wechat_credentials.aes_key",
    "instagram_credentials.token",
    "applebc_credentials.apple_pay_certificate_password",
)
# Per-credential fields Sinch fills in that are status, not configuration.
_CREDENTIAL_STATUS = ("state", "channel_known_id")
# What Sinch fills in on create (sinch.md §4.1). Undeclared fields are never compared, so an export
# leaves these out rather than pinning defaults nobody chose.
_CREATE_DEFAULTS: dict[str, Any] = {
    "conversation_metadata_report_view": "NONE",
    "processing_mode": "CONVERSATION",
    "retention_policy": {"retention_type": "MESSAGE_EXPIRE_POLICY", "ttl_days": 180},
    "dispatch_retention_policy": {"retention_type": "MESSAGE_EXPIRE_POLICY", "ttl_days": 0},
    "smart_conversation": {"enabled": False},
    "message_retry_settings": {"retry_duration": 3600},
    "delivery_report_based_fallback": {"enabled": False, "delivery_report_waiting_time": 0},
}


class ConversationApp(Kind[SinchClient]):
    kind: ClassVar[str] = "sinch.conversation_app"
    provider: ClassVar[str] = "sinch"
    schema: ClassVar[str] = "sinch/conversation_app.schema.json"
    title: ClassVar[str] = "conversation app"
    sensitive = frozenset(
        {"callback_settings.secret_for_overridden_callback_urls"}
        | {f"channel_credentials.{leaf}" for leaf in _CREDENTIAL_SECRETS}
    )
    attributes = frozenset({"id"})
    call_notes = "create: 1 POST; update: 1 PATCH (update_mask; credentials always sent whole); delete: 1 DELETE"

    # ------------------------------------------------------------ translation at the edge
    @staticmethod
    def to_spec(wire: Mapping[str, Any]) -> dict[str, Any]:
        """The API is snake_case already: keep the configurable fields, drop status and blanks."""
        spec: dict[str, Any] = {}
        for name in FIELDS:
            value = wire.get(name)
            if name == "channel_credentials":
                spec[name] = [_credential_spec(c) for c in value or []]
            elif isinstance(value, Mapping):
                kept = {k: v for k, v in value.items() if v not in (None, "")}
                if kept:
                    spec[name] = kept
            elif value not in (None, ""):
                spec[name] = value
        return spec

    @staticmethod
    def to_payload(props: Mapping[str, Any], fields: Iterable[str] = FIELDS) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for name in fields:
            if props.get(name) is not None:
                body[name] = _plain(copy_tree(props[name]))
        if "channel_credentials" in fields:
            body.setdefault("channel_credentials", [])  # required on create; [] clears on update
        return body

    def normalize(self, props: Mapping[str, Any]) -> dict[str, Any]:
        out = copy_tree(dict(props))
        creds = out.get("channel_credentials")
        if isinstance(creds, list):
            out["channel_credentials"] = [_credential_spec(c) if isinstance(c, Mapping) else c for c in creds]
        return out

    def ready(self, live: LiveObject) -> Readiness:
        states = live.attributes.get("credential_states") or []
        failing = [s for s in states if s.get("status") == "FAILING"]
        if failing:
            return Readiness.failed(
                "; ".join(
                    f"{s['channel']} credential FAILING: {s.get('description') or 'no reason given'}" for s in failing
                )
            )
        waiting = [s for s in states if s.get("status") != "ACTIVE"]
        if waiting:
            return Readiness.pending(
                "channel credentials not active yet: "
                + ", ".join(f"{s['channel']} {s.get('status') or 'PENDING'}" for s in waiting)
            )
        return Readiness.ready()

    def export(self, live: LiveObject) -> dict[str, Any] | None:
        props = super().export(live) or {}
        return {k: v for k, v in props.items() if k not in _CREATE_DEFAULTS or _CREATE_DEFAULTS[k] != v}

    # ------------------------------------------------------------ crash recovery
    def intent_match(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return {"display_name": props.get("display_name")}

    def recover(self, intent: Intent, candidates: Sequence[LiveObject]) -> LiveObject | None:
        name = intent.match.get("display_name")
        matches = [c for c in candidates if c.properties.get("display_name") == name]
        if len(matches) > 1:
            raise ProviderError(
                f"cannot recover the interrupted create of {intent.name}: {len(matches)} unmanaged Sinch "
                f"conversation apps are named {name!r}; import the right one with "
                f"`provision import PATH {intent.name} ID` or delete the extras, then re-run",
                "sinch",
            )
        return matches[0] if matches else None

    # ------------------------------------------------------------ verbs
    def observe(self, client: SinchClient) -> Iterable[LiveObject]:
        for wire in client.items(
            client.conversation, "/apps", "apps", f"list conversation apps (region {client.region})"
        ):
            yield self._live(wire)

    def get(self, client: SinchClient, live: LiveObject) -> LiveObject | None:
        wire = client.get(client.conversation, f"/apps/{live.id}", f"read conversation app {live.id}")
        return self._live(wire) if wire else None

    def create(self, client: SinchClient, props: Mapping[str, Any], ctx: CreateContext) -> LiveObject:
        wire = client.call(
            client.conversation,
            "POST",
            "/apps",
            f"create conversation app {props.get('display_name')!r}",
            json=self.to_payload(props),
        )
        return self._live(wire or {})

    def update(
        self, client: SinchClient, live: LiveObject, props: Mapping[str, Any], changes: Sequence[FieldChange]
    ) -> LiveObject:
        fields = [f for f in FIELDS if any(c.path == f or c.path.startswith(f + ".") for c in changes)]
        wire = client.patch_masked(
            f"/apps/{live.id}", f"update conversation app {live.id}", fields, self.to_payload(props, fields)
        )
        return self._live(wire)

    def delete(self, client: SinchClient, live: LiveObject) -> None:
        client.call(
            client.conversation, "DELETE", f"/apps/{live.id}", f"delete conversation app {live.id}", missing_ok=True
        )

    def _live(self, wire: Mapping[str, Any]) -> LiveObject:
        states = [
            {
                "channel": c.get("channel"),
                "status": (c.get("state") or {}).get("status"),
                "description": (c.get("state") or {}).get("description") or "",
            }
            for c in wire.get("channel_credentials") or []
        ]
        return LiveObject(
            id=wire["id"], properties=self.to_spec(wire), attributes={"id": wire["id"], "credential_states": states}
        )


def _credential_spec(cred: Mapping[str, Any]) -> dict[str, Any]:
    """A credential as configured: status fields, blanks and the default ordinal dropped."""
    out = {k: copy_tree(v) for k, v in cred.items() if k not in _CREDENTIAL_STATUS and v not in (None, "")}
    if out.get("credential_ordinal_number") == 0:
        del out["credential_ordinal_number"]
    return out


def _plain(value: Any) -> Any:
    """Secret-typed strings become plain strings for JSON (they are still never printed)."""
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
