"""vonage.number: a phone number rented from Vonage.

Identity: country + msisdn (natural key), so a number already in the account is adopted (import)
rather than bought, and a crash between a purchase and its state record is recovered by listing.
Non-fungible: never replaced or released implicitly. Removing it from the manifest keeps it in
the account unless ``options.on_delete: delete`` (and ``protect: false``) were applied first.
Calls: create = ``/number/buy`` (not idempotent: intent-recorded) + one ``/number/update`` when any
setting is declared (Vonage's buy takes no settings — a forced extra); update = 1 ``/number/update``
(a partial update: only fields sent change; an empty value clears one); delete = ``/number/cancel``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from ...kind import CreateContext, FieldChange, Kind
from ...model import LiveObject, OnDelete
from .client import VonageClient

# manifest field → Numbers API form/JSON field
_WIRE = {
    "app_id": "app_id",
    "mo_http_url": "moHttpUrl",
    "voice_callback_type": "voiceCallbackType",
    "voice_callback_value": "voiceCallbackValue",
    "voice_status_callback": "voiceStatusCallback",
}
SETTINGS = tuple(_WIRE)


class Number(Kind[VonageClient]):
    kind: ClassVar[str] = "vonage.number"
    provider: ClassVar[str] = "vonage"
    schema: ClassVar[str] = "vonage/number.schema.json"
    title: ClassVar[str] = "phone number"
    natural_key = ("country", "msisdn")
    replace_on = frozenset({"country", "msisdn"})
    attributes = frozenset({"id", "country", "msisdn", "type", "features"})
    non_fungible = True
    default_on_missing = "fail"  # it may have been released for good: ask before buying again
    default_on_delete = OnDelete.RETAIN
    call_notes = (
        "create: POST /number/buy, plus POST /number/update when settings are declared; "
        "update: POST /number/update; delete: POST /number/cancel"
    )

    @staticmethod
    def to_spec(wire: Mapping[str, Any]) -> dict[str, Any]:
        spec: dict[str, Any] = {"country": wire.get("country"), "msisdn": wire.get("msisdn")}
        for field, wire_name in _WIRE.items():
            if wire.get(wire_name) not in (None, ""):
                spec[field] = wire[wire_name]
        return spec

    @staticmethod
    def to_form(props: Mapping[str, Any], cleared: Iterable[str] = ()) -> dict[str, str]:
        """Declared settings, plus an empty value for each setting to clear (Vonage's way)."""
        form = {_WIRE[f]: str(props[f]) for f in SETTINGS if props.get(f) is not None}
        for f in cleared:
            if f in _WIRE and f not in props:
                form[_WIRE[f]] = ""
        return form

    def write_calls(self, action: str, props: Mapping[str, Any], changes: Sequence[FieldChange]) -> int:
        if action in ("create", "replace"):
            return 1 + (1 if any(props.get(f) is not None for f in SETTINGS) else 0)
        if action == "import":
            return 1 if changes else 0
        return 0 if action == "noop" else 1

    def export(self, live: LiveObject) -> dict[str, Any] | None:
        props = super().export(live) or {}
        callback = (props.get("voice_callback_type"), props.get("voice_callback_value"))
        if props.get("app_id") and callback == ("app", props["app_id"]):
            # Vonage mirrors app_id into the voice callback when linking; declaring app_id says it all.
            del props["voice_callback_type"], props["voice_callback_value"]
        return props

    def observe(self, client: VonageClient) -> Iterable[LiveObject]:
        for wire in client.list_numbers():
            spec = self.to_spec(wire)
            attrs = {
                "id": f"{spec['country']}:{spec['msisdn']}",
                "country": spec["country"],
                "msisdn": spec["msisdn"],
                "type": wire.get("type"),
                "features": list(wire.get("features") or []),
            }
            yield LiveObject(id=attrs["id"], properties=spec, attributes=attrs)

    def create(self, client: VonageClient, props: Mapping[str, Any], ctx: CreateContext) -> LiveObject:
        client.buy_number(props["country"], props["msisdn"])
        form = self.to_form(props)
        if form:
            client.update_number(props["country"], props["msisdn"], form)
        return self._expected(props)

    def adopt(self, client: VonageClient, live: LiveObject, props: Mapping[str, Any]) -> LiveObject:
        return live

    def update(
        self, client: VonageClient, live: LiveObject, props: Mapping[str, Any], changes: Sequence[FieldChange]
    ) -> LiveObject:
        cleared = [c.path.split(".")[0] for c in changes if c.new is None]
        client.update_number(props["country"], props["msisdn"], self.to_form(props, cleared))
        result = self._expected(props)
        return LiveObject(id=live.id, properties=result.properties, attributes={**live.attributes, **result.attributes})

    def delete(self, client: VonageClient, live: LiveObject) -> None:
        client.cancel_number(live.properties["country"], live.properties["msisdn"])

    def _expected(self, props: Mapping[str, Any]) -> LiveObject:
        """Buy and update return no object; what is live is what we sent (no extra read)."""
        spec = {k: v for k, v in props.items() if k in ("country", "msisdn", *SETTINGS)}
        nid = f"{props['country']}:{props['msisdn']}"
        return LiveObject(
            id=nid, properties=spec, attributes={"id": nid, "country": props["country"], "msisdn": props["msisdn"]}
        )
