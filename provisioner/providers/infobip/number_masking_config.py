"""infobip.number_masking_config: a Number Masking configuration (``/voice/masking/2/config``,
infobip.md §3.4).

Identity: ``name`` (unique in the account per the API; letters, digits and spaces), so an existing
configuration is adopted and a create meeting the name (400/409) adopts it when it matches.
Infobip assigns the ``key`` (``${name.id}``) that numbers reference in their voice action
VOICE_NUMBER_MASKING. The list answers 404 when the account has none: that is an empty list.
``PUT`` replaces the whole configuration, so every live field is compared.
Calls: create = 1 POST (200); update = 1 PUT; delete = 1 DELETE (200, no body).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from ...kind import CreateContext, FieldChange, Kind
from ...model import LiveObject
from .client import InfobipClient, q
from .wire import compact

COLLECTION = "/voice/masking/2/config"
FIELDS = {
    "name": "name",
    "callback_url": "callbackUrl",
    "status_url": "statusUrl",
    "backup_callback_url": "backupCallbackUrl",
    "backup_status_url": "backupStatusUrl",
    "description": "description",
}


class NumberMaskingConfig(Kind[InfobipClient]):
    kind: ClassVar[str] = "infobip.number_masking_config"
    provider: ClassVar[str] = "infobip"
    schema: ClassVar[str] = "infobip/number_masking_config.schema.json"
    title: ClassVar[str] = "number masking configuration"
    natural_key = ("name",)
    replace_on = frozenset({"name"})
    full_replacement = True
    create_needs_intent = False  # the name is unique: a repeated create meets the first one
    attributes = frozenset({"id", "key"})
    call_notes = "create: 1 POST (an existing name is adopted when it matches); update: 1 PUT (whole); delete: 1 DELETE"

    # ------------------------------------------------------------ translation at the edge
    @staticmethod
    def to_spec(wire: Mapping[str, Any]) -> dict[str, Any]:
        return compact({field: wire.get(wire_name) for field, wire_name in FIELDS.items()})

    @staticmethod
    def to_payload(props: Mapping[str, Any]) -> dict[str, Any]:
        return {wire: str(props[field]) for field, wire in FIELDS.items() if props.get(field) not in (None, "")}

    # ------------------------------------------------------------ verbs
    def observe(self, client: InfobipClient) -> Iterable[LiveObject]:
        # 404 "Masking configurations not found." when there are none
        for wire in (
            client.get(COLLECTION, "get-number-masking-configurations", "list number masking configurations") or []
        ):
            yield self._live(wire)

    def get(self, client: InfobipClient, live: LiveObject) -> LiveObject | None:
        key = live.attributes["key"]
        wire = client.get(
            f"{COLLECTION}/{q(key)}", "get-number-masking-configuration", f"read {self.title} {live.id!r}"
        )
        return self._live(wire) if wire else None

    def create(self, client: InfobipClient, props: Mapping[str, Any], ctx: CreateContext) -> LiveObject:
        name = props["name"]
        body = self.to_payload(props)

        def existing() -> Any:
            return next(
                (
                    w
                    for w in client.get(COLLECTION, "get-number-masking-configurations", f"read {self.title} {name!r}")
                    or []
                    if w.get("name") == name
                ),
                None,
            )

        wire, _adopted = client.create_or_adopt(
            COLLECTION,
            "create-number-masking-configuration",
            f"create {self.title} {name!r}",
            body,
            existing=existing,
            same=lambda w: self.to_spec(w) == self.to_spec(body),
            shown=lambda w: f"{self.title} {name!r} with other settings (key {w.get('key')})",
        )
        return self._live({**body, **wire})

    def update(
        self, client: InfobipClient, live: LiveObject, props: Mapping[str, Any], changes: Sequence[FieldChange]
    ) -> LiveObject:
        key = live.attributes["key"]
        body = self.to_payload(props)
        wire = client.call(
            "PUT",
            f"{COLLECTION}/{q(key)}",
            "update-number-masking-configuration",
            f"update {self.title} {live.id!r}",
            json=body,
        )
        return self._live({**body, **(wire if isinstance(wire, Mapping) else {}), "key": key})

    def delete(self, client: InfobipClient, live: LiveObject) -> None:
        client.call(
            "DELETE",
            f"{COLLECTION}/{q(live.attributes['key'])}",
            "delete-number-masking-configuration",
            f"delete {self.title} {live.id!r}",
            missing_ok=True,
        )

    def _live(self, wire: Mapping[str, Any]) -> LiveObject:
        spec = self.to_spec(wire)
        return LiveObject(spec["name"], spec, {"id": wire.get("key"), "key": wire.get("key")})
