"""sinch.provisioning_webhook: a Provisioning API webhook (sinch.md §2.3).

Identity: ``target`` (unique per project at Sinch), so an existing webhook is adopted, and changing
the target replaces the webhook (create the new one, then delete the old).
Triggers are a set (sorted before comparing); ``ALL`` cannot be combined with others (schema).
``secret`` is required on create and never returned: write-only, fingerprinted in state and plans,
and re-sent only when its fingerprint changes.
At most 15 per project, unmanaged ones included: the plan refuses a 16th before any write.
Calls: create = 1 POST (201); update = 1 PATCH with only the changed fields; delete = 1 DELETE.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from ...kind import CreateContext, FieldChange, Kind
from ...model import UNKNOWN, LiveObject
from .client import WEBHOOK_PAGE_SIZE, SinchClient


class ProvisioningWebhook(Kind[SinchClient]):
    kind: ClassVar[str] = "sinch.provisioning_webhook"
    provider: ClassVar[str] = "sinch"
    schema: ClassVar[str] = "sinch/provisioning_webhook.schema.json"
    title: ClassVar[str] = "provisioning webhook"
    natural_key = ("target",)
    replace_on = frozenset({"target"})
    sensitive = frozenset({"secret"})
    write_only = frozenset({"secret"})
    limit = 15
    attributes = frozenset({"id", "target"})
    call_notes = "create: 1 POST; update: 1 PATCH (changed fields only); delete: 1 DELETE"

    # ------------------------------------------------------------ translation at the edge
    @staticmethod
    def to_spec(wire: Mapping[str, Any]) -> dict[str, Any]:
        return {"target": wire.get("target"), "triggers": sorted(set(wire.get("triggers") or []))}

    @staticmethod
    def to_payload(props: Mapping[str, Any], fields: Iterable[str] | None = None) -> dict[str, Any]:
        """The create body, or (with ``fields``) a PATCH body holding just those fields."""
        wanted = ("target", "secret", "triggers") if fields is None else tuple(fields)
        body: dict[str, Any] = {}
        for name in wanted:
            if name == "triggers":
                body["triggers"] = sorted(set(props.get("triggers") or []))
            elif props.get(name) is not None:
                body[name] = str.__str__(props[name])
        return body

    def normalize(self, props: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(props)
        if isinstance(out.get("triggers"), list):
            out["triggers"] = sorted(set(out["triggers"]))
        return out

    def export(self, live: LiveObject) -> dict[str, Any] | None:
        # The schema requires the secret and the API never returns it: the exporter writes a placeholder.
        return {**(super().export(live) or {}), "secret": UNKNOWN}

    # ------------------------------------------------------------ verbs
    def observe(self, client: SinchClient) -> Iterable[LiveObject]:
        for wire in client.walk(
            client.provisioning, "/webhooks", "webhooks", WEBHOOK_PAGE_SIZE, "list provisioning webhooks"
        ):
            yield self._live(wire)

    def get(self, client: SinchClient, live: LiveObject) -> LiveObject | None:
        wire = client.get(client.provisioning, f"/webhooks/{live.attributes['id']}", "read a provisioning webhook")
        return self._live(wire) if wire else None

    def create(self, client: SinchClient, props: Mapping[str, Any], ctx: CreateContext) -> LiveObject:
        wire = client.call(
            client.provisioning,
            "POST",
            "/webhooks",
            f"create provisioning webhook {props['target']}",
            json=self.to_payload(props),
        )
        return self._live(wire or {})

    def update(
        self, client: SinchClient, live: LiveObject, props: Mapping[str, Any], changes: Sequence[FieldChange]
    ) -> LiveObject:
        fields = sorted({c.path.split(".")[0] for c in changes} & {"triggers", "secret"})
        wire = client.call(
            client.provisioning,
            "PATCH",
            f"/webhooks/{live.attributes['id']}",
            f"update provisioning webhook {live.id}",
            json=self.to_payload(props, fields),
        )
        return self._live(wire or {})

    def delete(self, client: SinchClient, live: LiveObject) -> None:
        client.call(
            client.provisioning,
            "DELETE",
            f"/webhooks/{live.attributes['id']}",
            f"delete provisioning webhook {live.id}",
            missing_ok=True,
        )

    def _live(self, wire: Mapping[str, Any]) -> LiveObject:
        spec = self.to_spec(wire)
        return LiveObject(
            id=spec["target"], properties=spec, attributes={"id": wire.get("id"), "target": spec["target"]}
        )
