"""infobip.rcs_sender: an RCS sender (``/rcs/1/senders``, infobip.md §5.2).

Identity: ``sender_name`` (client-chosen, 3-40 characters). Create and update are asynchronous
(202): the sender is PENDING while Infobip processes it, and ready when its status leaves PENDING
(SENDER_UPDATE_REQUIRED is a failure: Infobip asks for changes). Launching is a separate,
reviewed resource request and is not managed here.
The list answers only part of each sender (no contacts, privacy/terms, platform), so the senders
the manifest and state name (``observe_by``) are read one by one after the list walk.
``brand`` and ``hosting_region`` cannot be edited and a sender cannot be deleted: the plan refuses
such a change and asks for a new ``sender_name``. Edits go through ``PUT`` (the whole editable set)
— or ``PATCH …/platform-parameters`` when only ``platform`` changed, which Infobip takes at any
time — and only while the sender is not locked for launch; an edit made while it is PENDING waits
for the processing to end.
The API has no delete: removing the resource forgets the sender (no call); it stays in the account.
Calls: create = 1 POST; update = 1 PUT (or 1 PATCH for platform only); removal = none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from ...errors import ProviderError
from ...kind import CreateContext, FieldChange, Kind
from ...model import LiveObject, Readiness, copy_tree
from .client import RCS_PAGE_SIZE, InfobipClient, q
from .wire import compact, to_camel, to_snake

COLLECTION = "/rcs/1/senders"
IMMUTABLE = ("hosting_region", "brand")
EDITABLE = (
    "billing_category",
    "use_case",
    "display_name",
    "description",
    "color",
    "phones",
    "emails",
    "websites",
    "banner_url",
    "logo_url",
    "privacy",
    "terms_of_service",
    "platform",
)
FIELDS = ("sender_name", *IMMUTABLE, *EDITABLE)
LOCKED = frozenset({"PENDING_LAUNCH", "LAUNCHED_IN_PROGRESS", "LAUNCHED_PARTIAL_SUCCESS", "LAUNCHED"})


class RcsSender(Kind[InfobipClient]):
    kind: ClassVar[str] = "infobip.rcs_sender"
    provider: ClassVar[str] = "infobip"
    schema: ClassVar[str] = "infobip/rcs_sender.schema.json"
    title: ClassVar[str] = "RCS sender"
    natural_key = ("sender_name",)
    replace_on = frozenset({"sender_name"})
    observe_by = ("sender_name",)
    deferred = frozenset(EDITABLE) - {"platform"}  # Infobip takes edits once processing ends
    removal = "forget"
    attributes = frozenset({"id", "sender_name", "google_agent_id", "status"})
    ready_timeout = 1800.0
    call_notes = "create: 1 POST (202); update: 1 PUT (202) or 1 PATCH platform-parameters; removal: none (no delete)"

    # ------------------------------------------------------------ translation at the edge
    @staticmethod
    def to_spec(wire: Mapping[str, Any]) -> dict[str, Any]:
        spec = compact(
            to_snake({k: v for k, v in wire.items() if k not in ("senderStatus", "googleAgentId", "updatedAt")})
        )
        return {k: v for k, v in spec.items() if k in FIELDS}

    @staticmethod
    def to_payload(props: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
        return to_camel({k: copy_tree(props[k]) for k in fields if props.get(k) is not None})

    def normalize(self, props: Mapping[str, Any]) -> dict[str, Any]:
        out = compact(copy_tree(dict(props)))
        color = out.get("color")
        if isinstance(color, str):
            out["color"] = "#" + color.removeprefix("#").upper()
        return out

    def ready(self, live: LiveObject) -> Readiness:
        status = live.attributes.get("status") or "PENDING"
        if status == "PENDING":
            return Readiness.pending("being processed by Infobip (PENDING)")
        if status == "SENDER_UPDATE_REQUIRED":
            return Readiness.failed(
                "Infobip asks for changes to the sender (SENDER_UPDATE_REQUIRED); edit it and apply"
            )
        return Readiness.ready()

    def update_refusal(self, props: Mapping[str, Any], live: LiveObject, changes: Sequence[FieldChange]) -> str | None:
        touched = {c.path.split(".")[0] for c in changes}
        fixed = sorted(touched & set(IMMUTABLE))
        if fixed:
            return (
                f"cannot change {', '.join(fixed)} of RCS sender {live.id}: Infobip cannot edit them and has no way to "
                "delete a sender; declare a new sender_name for a new sender (this one stays in the account)"
            )
        status = live.attributes.get("status")
        if status in LOCKED and touched - {"platform"}:
            return (
                f"cannot edit RCS sender {live.id}: it is {status}, locked for launch — Infobip accepts edits only "
                "before the launch is requested (platform can still change)"
            )
        return None

    def live_notes(
        self, action: str, props: Mapping[str, Any], live: LiveObject, changes: Sequence[FieldChange]
    ) -> list[str]:
        if live.attributes.get("status") == "PENDING" and any(c.path.split(".")[0] in self.deferred for c in changes):
            return ["edit impossible now: Infobip is still processing the sender (PENDING); apply waits, then sends it"]
        return []

    # ------------------------------------------------------------ verbs
    def observe(self, client: InfobipClient) -> Iterable[LiveObject]:
        return self.observe_scoped(client, [])

    def observe_scoped(self, client: InfobipClient, scopes: Sequence[tuple[str, ...]]) -> Iterable[LiveObject]:
        named = {s[0] for s in scopes}
        for wire in client.pages(COLLECTION, "get-rcs-senders", "list RCS senders", RCS_PAGE_SIZE):
            name = wire.get("senderName")
            if name in named:  # the list leaves out contacts, links and platform: read it whole
                wire = client.get(f"{COLLECTION}/{q(name)}", "get-rcs-sender", f"read RCS sender {name}") or wire
            yield self._live(wire)

    def get(self, client: InfobipClient, live: LiveObject) -> LiveObject | None:
        wire = client.get(f"{COLLECTION}/{q(live.id)}", "get-rcs-sender", f"read RCS sender {live.id}")
        return self._live(wire) if wire else None

    def create(self, client: InfobipClient, props: Mapping[str, Any], ctx: CreateContext) -> LiveObject:
        name = props["sender_name"]
        body = self.to_payload(props, FIELDS)
        wire, _adopted = client.create_or_adopt(
            COLLECTION,
            "create-rcs-sender",
            f"create RCS sender {name}",
            body,
            existing=lambda: client.get(f"{COLLECTION}/{q(name)}", "get-rcs-sender", f"read RCS sender {name}"),
            same=lambda w: self.normalize(self.to_spec(w)) == self.normalize(self.to_spec(body)),
            shown=lambda w: f"RCS sender {name} with other settings (status {w.get('senderStatus')})",
        )
        # 202 answers only {senderName, senderStatus}: the rest is what we sent
        return self._live({**body, **(wire or {})})

    def update(
        self, client: InfobipClient, live: LiveObject, props: Mapping[str, Any], changes: Sequence[FieldChange]
    ) -> LiveObject:
        touched = {c.path.split(".")[0] for c in changes}
        if touched == {"platform"}:
            body = {"platform": to_camel(props.get("platform") or {})}
            wire = client.call(
                "PATCH",
                f"{COLLECTION}/{q(live.id)}/platform-parameters",
                "update-rcs-sender-platform-parameters",
                f"update the platform of RCS sender {live.id}",
                json=body,
            )
        else:
            body = self.to_payload(props, EDITABLE)
            wire = client.call(
                "PUT", f"{COLLECTION}/{q(live.id)}", "update-rcs-sender", f"update RCS sender {live.id}", json=body
            )
        current = to_camel({k: v for k, v in live.properties.items() if k not in EDITABLE})
        merged = {**current, **self.to_payload(props, EDITABLE), "senderName": live.id}
        if touched != {"platform"}:
            merged["senderStatus"] = "PENDING"  # 202: processed asynchronously
        else:
            merged["senderStatus"] = live.attributes.get("status")
        return self._live({**merged, **{k: v for k, v in (wire or {}).items() if k in ("senderStatus",)}})

    def delete(self, client: InfobipClient, live: LiveObject) -> None:
        raise ProviderError(
            f"cannot delete RCS sender {live.id}: the API has no delete; it is forgotten instead", "infobip"
        )

    def _live(self, wire: Mapping[str, Any]) -> LiveObject:
        name = str(wire["senderName"])
        attrs = {
            "id": name,
            "sender_name": name,
            "status": wire.get("senderStatus"),
            "google_agent_id": wire.get("googleAgentId"),
        }
        return LiveObject(name, self.to_spec(wire), {k: v for k, v in attrs.items() if v is not None})
