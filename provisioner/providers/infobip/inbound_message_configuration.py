"""infobip.inbound_message_configuration: where a number's inbound messages go, through the
resource-management API (``/resource-management/1/inbound-message-configurations``, infobip.md §2.4;
the successor of the per-number SMS configs deprecated on 2024-03-13).

Identity: (channel, number, keyword) — no keyword is the configuration that matches every message
(shown as "*"). Channels addressed by a number: SMS, MMS, WHATSAPP.
The API cannot list an account's configurations: it answers only for one channel + number, so the
engine hands this kind every (channel, number) the manifest and state name (``observe_by``) and it
asks once per pair (404 means none). The answer does not repeat the number; it is filled in here.
``POST`` is an upsert keyed by number + keyword: create and update are the same call, and a section
removed from the manifest is cleared with ``unset`` (FORWARDING, PLATFORM, USERNAME). Being an
upsert, a create is naturally idempotent (no intent record).
HTTP forwarding defaults to ``format: MO_JSON_2`` (the spec's default): leaving it out shows no change.
Calls: create = 1 POST; update = 1 POST; delete = 1 DELETE by configurationKey (204).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from ...kind import CreateContext, FieldChange, Kind
from ...model import LiveObject, copy_tree
from .client import InfobipClient, q
from .wire import compact, to_camel, to_snake

COLLECTION = "/resource-management/1/inbound-message-configurations"
ANY_KEYWORD = "*"
SECTIONS = {"forwarding": "FORWARDING", "platform": "PLATFORM", "username": "USERNAME"}


def _digits(number: Any) -> str:
    return str(number).strip().removeprefix("+")


class InboundMessageConfiguration(Kind[InfobipClient]):
    kind: ClassVar[str] = "infobip.inbound_message_configuration"
    provider: ClassVar[str] = "infobip"
    schema: ClassVar[str] = "infobip/inbound_message_configuration.schema.json"
    title: ClassVar[str] = "inbound message configuration"
    natural_key = ("channel", "number", "keyword")
    replace_on = frozenset({"channel", "number", "keyword"})
    observe_by = ("channel", "number")
    create_needs_intent = False
    attributes = frozenset({"id", "configuration_key"})
    call_notes = "create: 1 POST (upsert); update: 1 POST (upsert, unset for removed sections); delete: 1 DELETE"

    def natural_id(self, props: Mapping[str, Any]) -> str | None:
        channel, number = props.get("channel"), props.get("number")
        keyword = props.get("keyword")
        if not isinstance(channel, str) or not isinstance(number, str) or not number:
            return None
        if keyword is not None and not isinstance(keyword, str):
            return None
        return f"{channel}:{_digits(number)}:{keyword or ANY_KEYWORD}"

    # ------------------------------------------------------------ translation at the edge
    @staticmethod
    def to_spec(wire: Mapping[str, Any], channel: str, number: str) -> dict[str, Any]:
        spec: dict[str, Any] = {"channel": wire.get("channel") or channel, "number": number}
        if wire.get("keyword"):
            spec["keyword"] = wire["keyword"]
        for name in ("forwarding", "platform", "username"):
            value = compact(to_snake(wire.get(name)))
            if value not in (None, {}, ""):
                spec[name] = value
        return spec

    @staticmethod
    def to_payload(props: Mapping[str, Any], unset: Sequence[str] = ()) -> dict[str, Any]:
        body: dict[str, Any] = {"channel": props["channel"], "number": _digits(props["number"])}
        if props.get("keyword"):
            body["keyword"] = props["keyword"]
        for name in SECTIONS:
            if props.get(name) is not None:
                body[name] = to_camel(copy_tree(props[name]))
        if unset:
            body["unset"] = list(unset)
        return body

    def normalize(self, props: Mapping[str, Any]) -> dict[str, Any]:
        out = copy_tree(dict(props))
        if isinstance(out.get("number"), str):
            out["number"] = _digits(out["number"])
        if out.get("keyword") in (None, ""):
            out.pop("keyword", None)
        forwarding = out.get("forwarding")
        if isinstance(forwarding, dict) and forwarding.get("type") == "HTTP_FORWARD":
            forwarding.setdefault("format", "MO_JSON_2")
        return out

    def export(self, live: LiveObject) -> dict[str, Any] | None:
        props = super().export(live)
        return props if props and props.get("forwarding") else None  # a manifest must say where messages go

    # ------------------------------------------------------------ verbs
    def observe(self, client: InfobipClient) -> Iterable[LiveObject]:
        return []  # not listable account-wide: observe_scoped asks per (channel, number)

    def observe_scoped(self, client: InfobipClient, scopes: Sequence[tuple[str, ...]]) -> Iterable[LiveObject]:
        for channel, number in sorted({(c, _digits(n)) for c, n in scopes}):
            listed = client.get(
                COLLECTION,
                "get-inbound-configurations",
                f"list {channel} inbound configurations of number {number}",
                {"channel": channel, "number": number},
            )
            for wire in listed if isinstance(listed, list) else []:
                yield self._live(wire, channel, number)

    def get(self, client: InfobipClient, live: LiveObject) -> LiveObject | None:
        found = self.observe_scoped(client, [(live.properties["channel"], live.properties["number"])])
        return next((o for o in found if o.id == live.id), None)

    def create(self, client: InfobipClient, props: Mapping[str, Any], ctx: CreateContext) -> LiveObject:
        return self._upsert(client, props, (), f"configure inbound {props['channel']} of number {props['number']}")

    def update(
        self, client: InfobipClient, live: LiveObject, props: Mapping[str, Any], changes: Sequence[FieldChange]
    ) -> LiveObject:
        removed = sorted({c.path.split(".")[0] for c in changes} - {k for k in SECTIONS if props.get(k) is not None})
        unset = [SECTIONS[name] for name in removed if name in SECTIONS]
        return self._upsert(client, props, unset, f"update inbound configuration {live.id}")

    def delete(self, client: InfobipClient, live: LiveObject) -> None:
        key = live.attributes["configuration_key"]
        client.call(
            "DELETE",
            f"{COLLECTION}/{q(key)}",
            "delete-inbound-configuration",
            f"delete inbound configuration {live.id}",
            missing_ok=True,
        )

    def _upsert(self, client: InfobipClient, props: Mapping[str, Any], unset: Sequence[str], what: str) -> LiveObject:
        body = self.to_payload(props, unset)
        wire = client.call("POST", COLLECTION, "manage-inbound-configuration", what, json=body)
        wire = wire if isinstance(wire, Mapping) else {}
        return self._live(
            {**{k: v for k, v in body.items() if k != "unset"}, **wire}, props["channel"], _digits(props["number"])
        )

    def _live(self, wire: Mapping[str, Any], channel: str, number: str) -> LiveObject:
        spec = self.to_spec(wire, channel, number)
        natural = f"{spec['channel']}:{number}:{spec.get('keyword') or ANY_KEYWORD}"
        attrs = {"id": natural, "configuration_key": wire.get("configurationKey")}
        return LiveObject(natural, spec, attrs)
