"""sinch.conversation_webhook: a Conversation API webhook of one app (sinch.md §4.2).

Identity: (app_id, target) — ``target`` is unique per app at Sinch; the manifest names the app as
``app_id: ${my-app.id}``. Changing either replaces the webhook.
Observed per app (``GET /apps/{app_id}/webhooks``, one unpaginated call per app), after the apps.
Triggers are a set. Unlike Provisioning webhooks, ``secret`` is returned by the API, so it is
compared (as a fingerprint) like any field and an out-of-band change shows as drift.
At most 5 per app, unmanaged ones included: the plan refuses a 6th before any write (for an app
created by the same plan the count is only known to Sinch; it answers 400 then).
Calls: create = 1 POST; update = 1 PATCH (update_mask); delete = 1 DELETE.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from ...kind import CreateContext, FieldChange, Kind
from ...model import LiveObject, copy_tree
from .client import SinchClient

FIELDS = ("app_id", "target", "target_type", "triggers", "secret", "client_credentials")


class ConversationWebhook(Kind[SinchClient]):
    kind: ClassVar[str] = "sinch.conversation_webhook"
    provider: ClassVar[str] = "sinch"
    schema: ClassVar[str] = "sinch/conversation_webhook.schema.json"
    title: ClassVar[str] = "conversation webhook"
    natural_key = ("app_id", "target")
    replace_on = frozenset({"app_id", "target"})
    sensitive = frozenset({"secret", "client_credentials.client_secret"})
    parent = "sinch.conversation_app"
    limit = 5
    attributes = frozenset({"id", "app_id", "target"})
    call_notes = "create: 1 POST; update: 1 PATCH (update_mask); delete: 1 DELETE"

    # ------------------------------------------------------------ translation at the edge
    @staticmethod
    def to_spec(wire: Mapping[str, Any]) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "app_id": wire.get("app_id"),
            "target": wire.get("target"),
            "target_type": wire.get("target_type") or "HTTP",
            "triggers": sorted(set(wire.get("triggers") or [])),
        }
        if wire.get("secret"):
            spec["secret"] = wire["secret"]
        creds = wire.get("client_credentials")
        if isinstance(creds, Mapping) and creds:
            spec["client_credentials"] = {k: v for k, v in creds.items() if v not in (None, "")}
        return spec

    @staticmethod
    def to_payload(props: Mapping[str, Any], fields: Iterable[str] = FIELDS) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for name in fields:
            value = props.get(name)
            if name == "triggers":
                body[name] = sorted(set(value or []))
            elif isinstance(value, Mapping):
                body[name] = {k: str.__str__(v) if isinstance(v, str) else v for k, v in value.items()}
            elif value is not None:
                body[name] = str.__str__(value) if isinstance(value, str) else value
        return body

    def normalize(self, props: Mapping[str, Any]) -> dict[str, Any]:
        out = copy_tree(dict(props))
        out.setdefault("target_type", "HTTP")
        if isinstance(out.get("triggers"), list):
            out["triggers"] = sorted(set(out["triggers"]))
        if out.get("secret") == "":
            del out["secret"]
        return out

    def scope(self, props: Mapping[str, Any]) -> str:
        app = props.get("app_id")
        # An app this plan creates has no id yet: its webhooks cannot be counted against it here.
        return app if isinstance(app, str) else f"(new app {id(props)})"

    # ------------------------------------------------------------ verbs
    def observe(self, client: SinchClient) -> Iterable[LiveObject]:
        apps = client.items(client.conversation, "/apps", "apps", f"list conversation apps (region {client.region})")
        for app in apps:
            yield from self._under(client, app["id"])

    def observe_under(self, client: SinchClient, parents: Sequence[LiveObject]) -> Iterable[LiveObject]:
        for app in parents:
            yield from self._under(client, app.id)

    def _under(self, client: SinchClient, app_id: str) -> Iterable[LiveObject]:
        for wire in client.items(
            client.conversation, f"/apps/{app_id}/webhooks", "webhooks", f"list webhooks of conversation app {app_id}"
        ):
            yield self._live({"app_id": app_id, **wire})

    def get(self, client: SinchClient, live: LiveObject) -> LiveObject | None:
        wire = client.get(client.conversation, f"/webhooks/{live.attributes['id']}", "read a conversation webhook")
        return self._live(wire) if wire else None

    def create(self, client: SinchClient, props: Mapping[str, Any], ctx: CreateContext) -> LiveObject:
        wire = client.call(
            client.conversation,
            "POST",
            "/webhooks",
            f"create conversation webhook {props['target']}",
            json=self.to_payload(props),
        )
        return self._live({"app_id": props["app_id"], **(wire or {})})

    def update(
        self, client: SinchClient, live: LiveObject, props: Mapping[str, Any], changes: Sequence[FieldChange]
    ) -> LiveObject:
        fields = [f for f in FIELDS if any(c.path == f or c.path.startswith(f + ".") for c in changes)]
        wire = client.patch_masked(
            f"/webhooks/{live.attributes['id']}",
            f"update conversation webhook {live.attributes['target']}",
            fields,
            self.to_payload(props, fields),
        )
        return self._live({"app_id": props["app_id"], **wire})

    def delete(self, client: SinchClient, live: LiveObject) -> None:
        client.call(
            client.conversation,
            "DELETE",
            f"/webhooks/{live.attributes['id']}",
            f"delete conversation webhook {live.attributes['target']}",
            missing_ok=True,
        )

    def _live(self, wire: Mapping[str, Any]) -> LiveObject:
        spec = self.to_spec(wire)
        natural = f"{spec['app_id']}:{spec['target']}"
        return LiveObject(
            id=natural,
            properties=spec,
            attributes={"id": wire.get("id"), "app_id": spec["app_id"], "target": spec["target"]},
        )
