"""Shared shape of Infobip objects that are just a client-chosen id and a name (CPaaS X
applications and entities, calls configurations): one base, three kinds that only say where."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from ...kind import CreateContext, FieldChange, Kind
from ...model import LiveObject
from .client import InfobipClient, q


class IdNameKind(Kind[InfobipClient]):
    """Identity: the manifest's ``id`` (client-chosen, so an existing one is adopted, and creating
    is naturally idempotent: no intent record). ``name`` is compared only when declared (Infobip
    fills in its own). A create answered 409 (or 400 while the id is taken) adopts the object when
    its name matches and fails otherwise."""

    provider: ClassVar[str] = "infobip"
    natural_key = ("id",)
    replace_on = frozenset({"id"})
    create_needs_intent = False
    collection: ClassVar[str]  # "/provisioning/1/applications"
    page_size: ClassVar[int]
    id_field: ClassVar[str]  # wire names: "applicationId" / "applicationName"
    name_field: ClassVar[str]
    ops: ClassVar[dict[str, str]]  # verb → operationId (rate limits)

    # ------------------------------------------------------------ translation at the edge
    def to_spec(self, wire: Mapping[str, Any]) -> dict[str, Any]:
        spec = {"id": wire.get(self.id_field)}
        if wire.get(self.name_field) not in (None, ""):
            spec["name"] = wire[self.name_field]
        return spec

    def to_payload(self, props: Mapping[str, Any], *, create: bool) -> dict[str, Any]:
        body = {self.id_field: props["id"]} if create else {}
        if props.get("name") is not None:
            body[self.name_field] = str(props["name"])
        return body

    def _live(self, wire: Mapping[str, Any]) -> LiveObject:
        spec = self.to_spec(wire)
        return LiveObject(spec["id"], spec, {"id": spec["id"]})

    def _expected(self, props: Mapping[str, Any]) -> LiveObject:
        return self._live(self.to_payload(props, create=True))

    # ------------------------------------------------------------ verbs
    def observe(self, client: InfobipClient) -> Iterable[LiveObject]:
        for wire in client.pages(self.collection, self.ops["list"], f"list {self.title}s", self.page_size):
            yield self._live(wire)

    def get(self, client: InfobipClient, live: LiveObject) -> LiveObject | None:
        wire = client.get(f"{self.collection}/{q(live.id)}", self.ops["get"], f"read {self.title} {live.id}")
        return self._live(wire) if wire else None

    def create(self, client: InfobipClient, props: Mapping[str, Any], ctx: CreateContext) -> LiveObject:
        ident = props["id"]

        def existing() -> Any:
            return client.get(f"{self.collection}/{q(ident)}", self.ops["get"], f"read {self.title} {ident}")

        def same(wire: Any) -> bool:
            return props.get("name") is None or wire.get(self.name_field) == props.get("name")

        wire, _adopted = client.create_or_adopt(
            self.collection,
            self.ops["create"],
            f"create {self.title} {ident}",
            self.to_payload(props, create=True),
            existing=existing,
            same=same,
            shown=lambda w: (
                f"{self.title} {ident} named {w.get(self.name_field)!r}, the manifest says {props.get('name')!r}"
            ),
        )
        # Some creates answer 201 with an empty body: what is live is what we sent.
        return self._live(wire) if isinstance(wire, Mapping) and wire.get(self.id_field) else self._expected(props)

    def update(
        self, client: InfobipClient, live: LiveObject, props: Mapping[str, Any], changes: Sequence[FieldChange]
    ) -> LiveObject:
        wire = client.call(
            "PUT",
            f"{self.collection}/{q(live.id)}",
            self.ops["update"],
            f"update {self.title} {live.id}",
            json=self.to_payload(props, create=False),
        )
        return self._live(wire) if isinstance(wire, Mapping) and wire.get(self.id_field) else self._expected(props)

    def delete(self, client: InfobipClient, live: LiveObject) -> None:
        client.call(
            "DELETE",
            f"{self.collection}/{q(live.id)}",
            self.ops["delete"],
            f"delete {self.title} {live.id}",
            missing_ok=True,
        )
