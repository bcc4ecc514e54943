"""infobip.webhook: where Infobip delivers a channel's events — Subscriptions Management's three
objects managed as one (infobip.md §5.1): a security setting (how Infobip authenticates to you),
a notification profile (the URL and delivery settings) and a subscription (channel + events,
optionally narrowed by criteria, resources and users).

Identity: the manifest's ``id``, used as the subscription id, the profile id and the security
setting's authId alike (all client-chosen and immutable at Infobip; each lives in its own
namespace). Subscriptions are listed per channel only, so the engine hands this kind every channel
the manifest and state name (``observe_by``); profiles and security settings are walked once each.
Created in order (security → profile → subscription) and deleted in reverse. Security
credentials are write-only and sensitive: fingerprinted in state and plans, compared with what was
last applied, and re-sent only when they change. Events a channel does not offer are dropped (as
Infobip does) and events compare as a set. Another channel is another subscription: it is deleted
from the old channel and created in the new one (the profile and security stay).
A create meeting a profile or security setting of the same id (an interrupted earlier create)
updates it instead; a subscription of the same id is adopted only when it uses this profile.
Calls: create = 2 POSTs (+1 with security); update = 1 PUT per changed object (+1 POST and +1 PUT
when security is added, +1 PUT and +1 DELETE when it is removed; a channel change is 1 DELETE +
1 POST); delete = 2 DELETEs (+1 with security), subscription first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from ...kind import CreateContext, FieldChange, Kind
from ...model import LiveObject, copy_tree
from .client import SUBSCRIPTIONS_PAGE_SIZE, InfobipClient, check, q
from .events import EVENTS
from .wire import compact, to_camel, to_snake

SECURITY = "/subscriptions/1/security"
PROFILES = "/subscriptions/1/profiles"
SUBSCRIPTIONS = "/subscriptions/1/subscription"
SUBSCRIPTION_FIELDS = ("events", "name", "criteria", "resources", "users")
# manifest field → ProfileRequest field (the URL and content type live under ``webhook``)
PROFILE_FIELDS = {
    "url": "notifyUrl",
    "content_type": "contentType",
    "headers": "headers",
    "rate_limit": "rateLimit",
    "connect_timeout": "connectTimeout",
    "read_timeout": "readTimeout",
    "max_bucket_size": "maxBucketSize",
    "window_size": "windowSize",
}
_KEEP = frozenset({"headers"})  # free-form maps: keys are header names, not fields


class Webhook(Kind[InfobipClient]):
    kind: ClassVar[str] = "infobip.webhook"
    provider: ClassVar[str] = "infobip"
    schema: ClassVar[str] = "infobip/webhook.schema.json"
    title: ClassVar[str] = "webhook subscription"
    natural_key = ("id",)
    replace_on = frozenset({"id"})
    observe_by = ("channel",)
    create_needs_intent = False  # client-chosen ids: a repeated create meets the first one
    sensitive = frozenset(
        {
            "security.credentials.password",
            "security.credentials.secret_key",
            "security.credentials.client_secret",
            "security.credentials.refresh_token",
        }
    )
    write_only = frozenset({"security.credentials"})
    attributes = frozenset({"id", "channel", "profile_id", "auth_id"})
    call_notes = "create: POST security, POST profile, POST subscription (in that order); delete: the reverse"

    # ------------------------------------------------------------ translation at the edge
    @staticmethod
    def to_spec(
        sub: Mapping[str, Any], channel: str, profile: Mapping[str, Any] | None, security: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        spec: dict[str, Any] = {"id": sub.get("subscriptionId"), "channel": channel}
        spec["events"] = to_snake(sub.get("events") or [])
        for name in ("name", "criteria", "resources", "users"):
            value = compact(to_snake(sub.get(name)))
            if value not in (None, [], ""):
                spec[name] = value
        if profile:
            hook = profile.get("webhook") or {}
            flat = {**{k: v for k, v in profile.items() if k != "webhook"}, **hook}
            for field, wire in PROFILE_FIELDS.items():
                if flat.get(wire) not in (None, "", {}):
                    spec[field] = flat[wire]
        if security:
            sec: dict[str, Any] = {"type": security.get("type")}
            creds = compact(to_snake(security.get("credentials") or {}, keep=_KEEP))
            if creds:
                sec["credentials"] = creds
            spec["security"] = compact(sec)
        return spec

    @staticmethod
    def security_payload(props: Mapping[str, Any]) -> dict[str, Any]:
        security = props["security"]
        body: dict[str, Any] = {"type": security["type"]}
        if security.get("credentials"):
            body["credentials"] = to_camel(security["credentials"], keep=_KEEP)
        return body

    @staticmethod
    def profile_payload(props: Mapping[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"webhook": {"notifyUrl": str(props["url"])}}
        if props.get("content_type"):
            body["webhook"]["contentType"] = props["content_type"]
        for field, wire in PROFILE_FIELDS.items():
            if field not in ("url", "content_type") and props.get(field) is not None:
                body[wire] = to_camel(copy_tree(props[field]))
        if props.get("security"):
            body["security"] = {"authId": props["id"]}
        return body

    @staticmethod
    def subscription_payload(props: Mapping[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"profile": {"profileId": props["id"]}, "events": to_camel(props.get("events") or [])}
        for name in ("name", "criteria", "resources", "users"):
            if props.get(name) is not None:
                body[name] = to_camel(copy_tree(props[name]))
        return body

    def normalize(self, props: Mapping[str, Any]) -> dict[str, Any]:
        out = copy_tree(dict(props))
        if isinstance(out.get("events"), list):
            out["events"] = _events(out["events"], out.get("channel"))
        for name in ("criteria", "resources", "users"):
            if out.get(name) == []:
                del out[name]
        return out

    def write_calls(self, action: str, props: Mapping[str, Any], changes: Sequence[FieldChange]) -> int:
        with_security = 1 if props.get("security") else 0
        if action == "create":
            return 2 + with_security
        if action == "delete":
            return 2 + with_security
        if action == "replace":
            return 2 * (2 + with_security)
        if action in ("update", "import"):
            return sum(_WEIGHT.get(step, 1) for step in _steps(props, changes))
        return 0

    def export(self, live: LiveObject) -> dict[str, Any] | None:
        # Managed as one id shared by subscription, profile and security setting: a subscription whose
        # profile (or security setting) has another id cannot be declared; later edits would miss it.
        ident = live.id
        if live.attributes.get("profile_id") != ident or live.attributes.get("auth_id", ident) != ident:
            return None
        props = super().export(live) or {}
        if props.get("content_type") == "application/json":  # Infobip's default, compared only when declared
            del props["content_type"]
        return props

    # ------------------------------------------------------------ verbs
    def observe(self, client: InfobipClient) -> Iterable[LiveObject]:
        return []  # subscriptions are listed per channel only: observe_scoped

    def observe_scoped(self, client: InfobipClient, scopes: Sequence[tuple[str, ...]]) -> Iterable[LiveObject]:
        channels = sorted({s[0] for s in scopes})
        if not channels:
            return
        size = SUBSCRIPTIONS_PAGE_SIZE
        securities = {
            w.get("authId"): w
            for w in client.pages(SECURITY, "get-security-settings", "list webhook security settings", size)
        }
        profiles = {
            w.get("profileId"): w for w in client.pages(PROFILES, "get-profiles", "list notification profiles", size)
        }
        for channel in channels:
            for sub in client.pages(
                f"{SUBSCRIPTIONS}/{q(channel)}", "get-subscriptions", f"list {channel} subscriptions", size
            ):
                profile = profiles.get((sub.get("profile") or {}).get("profileId"))
                auth_id = ((profile or {}).get("security") or {}).get("authId")
                yield self._live(sub, channel, profile, securities.get(auth_id) if auth_id else None)

    def get(self, client: InfobipClient, live: LiveObject) -> LiveObject | None:
        return next(
            iter(o for o in self.observe_scoped(client, [(live.attributes["channel"],)]) if o.id == live.id), None
        )

    def create(self, client: InfobipClient, props: Mapping[str, Any], ctx: CreateContext) -> LiveObject:
        ident, channel = props["id"], props["channel"]
        if props.get("security"):
            self._post_or_put(
                client, SECURITY, "authId", ident, self.security_payload(props), "webhook security setting"
            )
        self._post_or_put(client, PROFILES, "profileId", ident, self.profile_payload(props), "notification profile")
        body = {"subscriptionId": ident, **self.subscription_payload(props)}

        def existing() -> Any:
            return client.get(
                f"{SUBSCRIPTIONS}/{q(channel)}/{q(ident)}", "get-subscription", f"read subscription {ident}"
            )

        client.create_or_adopt(
            f"{SUBSCRIPTIONS}/{q(channel)}",
            "create-subscription",
            f"create {channel} subscription {ident}",
            body,
            existing=existing,
            same=lambda w: (w.get("profile") or {}).get("profileId") == ident,
            shown=lambda w: f"{channel} subscription {ident} using profile {(w.get('profile') or {}).get('profileId')}",
        )
        return self._expected(props)

    def update(
        self, client: InfobipClient, live: LiveObject, props: Mapping[str, Any], changes: Sequence[FieldChange]
    ) -> LiveObject:
        ident = live.id
        old_channel = live.attributes.get("channel") or live.properties.get("channel")
        for step in _steps(props, changes):
            if step == "post-security":
                self._post_or_put(
                    client, SECURITY, "authId", ident, self.security_payload(props), "webhook security setting"
                )
            elif step == "put-security":
                client.call(
                    "PUT",
                    f"{SECURITY}/{q(ident)}",
                    "update-security-settings",
                    f"update webhook security {ident}",
                    json=self.security_payload(props),
                )
            elif step == "put-profile":
                client.call(
                    "PUT",
                    f"{PROFILES}/{q(ident)}",
                    "update-profile",
                    f"update notification profile {ident}",
                    json=self.profile_payload(props),
                )
            elif step == "move-subscription":
                self._delete_subscription(client, old_channel, ident)
                client.call(
                    "POST",
                    f"{SUBSCRIPTIONS}/{q(props['channel'])}",
                    "create-subscription",
                    f"create {props['channel']} subscription {ident}",
                    json={"subscriptionId": ident, **self.subscription_payload(props)},
                )
            elif step == "put-subscription":
                client.call(
                    "PUT",
                    f"{SUBSCRIPTIONS}/{q(props['channel'])}/{q(ident)}",
                    "update-subscription",
                    f"update {props['channel']} subscription {ident}",
                    json=self.subscription_payload(props),
                )
            elif step == "delete-security":
                client.call(
                    "DELETE",
                    f"{SECURITY}/{q(ident)}",
                    "delete-security-settings",
                    f"delete webhook security {ident}",
                    missing_ok=True,
                )
        return self._expected(props)

    def delete(self, client: InfobipClient, live: LiveObject) -> None:
        ident = live.id
        self._delete_subscription(client, live.attributes.get("channel") or live.properties["channel"], ident)
        profile_id = live.attributes.get("profile_id") or ident
        client.call(
            "DELETE",
            f"{PROFILES}/{q(profile_id)}",
            "delete-profile",
            f"delete notification profile {profile_id}",
            missing_ok=True,
        )
        auth_id = live.attributes.get("auth_id")
        if auth_id:
            client.call(
                "DELETE",
                f"{SECURITY}/{q(auth_id)}",
                "delete-security-settings",
                f"delete webhook security {auth_id}",
                missing_ok=True,
            )

    # ------------------------------------------------------------ helpers
    def _delete_subscription(self, client: InfobipClient, channel: str, ident: str) -> None:
        client.call(
            "DELETE",
            f"{SUBSCRIPTIONS}/{q(channel)}/{q(ident)}",
            "delete-subscription",
            f"delete {channel} subscription {ident}",
            missing_ok=True,
        )

    def _post_or_put(
        self, client: InfobipClient, collection: str, id_field: str, ident: str, body: Mapping[str, Any], what: str
    ) -> None:
        """Create one of our own objects; if one of that id exists already (left by an interrupted
        create of this webhook: the id is ours), bring it up to date instead."""
        op = {SECURITY: "security-settings", PROFILES: "profile"}[collection]
        r = client.send("POST", collection, f"create-{op}", json={id_field: ident, **body})
        if r.status_code in (400, 409):
            found = client.get(f"{collection}/{q(ident)}", f"get-{op}", f"read {what} {ident}")
            if found is not None:
                client.call("PUT", f"{collection}/{q(ident)}", f"update-{op}", f"update {what} {ident}", json=body)
                return
        check(r, f"create {what} {ident}")

    def _expected(self, props: Mapping[str, Any]) -> LiveObject:
        """Subscription writes answer only ids: what is live is what was sent."""
        spec = {k: copy_tree(v) for k, v in props.items()}
        attrs = {"id": props["id"], "channel": props["channel"], "profile_id": props["id"]}
        if props.get("security"):
            attrs["auth_id"] = props["id"]
        return LiveObject(props["id"], spec, attrs)

    def _live(
        self,
        sub: Mapping[str, Any],
        channel: str,
        profile: Mapping[str, Any] | None,
        security: Mapping[str, Any] | None,
    ) -> LiveObject:
        spec = self.to_spec(sub, channel, profile, security)
        attrs = {
            "id": spec["id"],
            "channel": channel,
            "profile_id": (sub.get("profile") or {}).get("profileId"),
            "auth_id": (security or {}).get("authId"),
        }
        return LiveObject(spec["id"], spec, {k: v for k, v in attrs.items() if v is not None})


def _events(events: Sequence[Any], channel: Any) -> list[Any]:
    """Events as Infobip keeps them: those the channel offers, each once, in a stable order."""
    offered = EVENTS.get(str(channel))
    kept: dict[str, Any] = {}
    for event in events:
        name = event.get("event") if isinstance(event, Mapping) else event
        if offered is None or name in offered:
            kept[str(name) + (f"/{event.get('format')}" if isinstance(event, Mapping) else "")] = event
    return [kept[k] for k in sorted(kept)]


_WEIGHT = {"move-subscription": 2}  # DELETE in the old channel + POST in the new one


def _steps(props: Mapping[str, Any], changes: Sequence[FieldChange]) -> list[str]:
    """The calls an update makes, in order (the same list counts them for the plan)."""
    touched = {c.path.split(".")[0] for c in changes}
    security = [c for c in changes if c.path.split(".")[0] == "security"]
    wants = bool(props.get("security"))
    added = wants and bool(security) and all(c.old is None for c in security)  # nothing was there
    removed = not wants and bool(security)
    steps: list[str] = []
    if added:
        steps.append("post-security")
    elif wants and security:
        steps.append("put-security")
    if added or removed or touched & set(PROFILE_FIELDS):
        steps.append("put-profile")  # a new or dropped security setting is referenced by the profile
    if "channel" in touched:
        steps.append("move-subscription")
    elif touched & set(SUBSCRIPTION_FIELDS):
        steps.append("put-subscription")
    if removed:
        steps.append("delete-security")
    return steps
