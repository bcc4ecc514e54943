"""infobip.number: a phone number owned by the account (Numbers API, infobip.md §2).

Identity: the number itself (digits, international format; a leading + is accepted and dropped).
A number the account already owns is adopted (import). One it does not own is bought: searched
with ``GET /numbers/1/numbers/available?number=…`` (at most ``limit`` 10 matches), then purchased
by its ``numberKey`` — US numbers are bought by ``number`` directly, as the API asks, without a
search. Buying is billable and not idempotent: an intent is recorded first, and a crash is
recovered by listing owned numbers, never by buying again.
``application_id`` / ``entity_id`` link the number to a CPaaS X application/entity; they are sent
with the purchase and changed with ``PUT``. Unassigned numbers report application "default", which
is also what an undeclared ``application_id`` means.
Non-fungible: never replaced or released implicitly; cancelled (``DELETE``, 204) only when removed
with ``options.on_delete: delete`` and ``protect: false``. A cancelled number returns to the pool
for anyone to buy.
Readiness: ``reservationStatus`` PENDING is pending; BILLING_FAILED / ERROR / RESERVATION_FAILED fail.
Calls: create = 1 POST (+1 search GET, a read, outside the US); update = 1 PUT; delete = 1 DELETE.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from ...errors import ProviderAPIError
from ...kind import CreateContext, FieldChange, Kind
from ...model import LiveObject, OnDelete, Readiness
from .client import NUMBERS_PAGE_SIZE, InfobipClient, q

OWNED = "/numbers/1/numbers"
DEFAULT_APPLICATION = "default"
_FAILED = ("BILLING_FAILED", "ERROR", "RESERVATION_FAILED")


def digits(number: Any) -> str:
    return str(number).strip().removeprefix("+")


class Number(Kind[InfobipClient]):
    kind: ClassVar[str] = "infobip.number"
    provider: ClassVar[str] = "infobip"
    schema: ClassVar[str] = "infobip/number.schema.json"
    title: ClassVar[str] = "phone number"
    natural_key = ("number",)
    replace_on = frozenset({"number", "country"})  # a country is only ever its number's
    attributes = frozenset({"id", "number", "number_key", "country", "type", "capabilities"})
    non_fungible = True
    default_on_missing = "fail"  # it may have been released for good: ask before buying again
    default_on_delete = OnDelete.RETAIN
    ready_timeout = 600.0
    call_notes = (
        "create: GET /numbers/1/numbers/available (a read; not for US numbers) + POST /numbers/1/numbers with the "
        "application/entity; update: PUT; delete: DELETE (cancel)"
    )

    def natural_id(self, props: Mapping[str, Any]) -> str | None:
        number = props.get("number")
        return digits(number) if isinstance(number, str) and number else None

    # ------------------------------------------------------------ translation at the edge
    @staticmethod
    def to_spec(wire: Mapping[str, Any]) -> dict[str, Any]:
        spec: dict[str, Any] = {"number": digits(wire.get("number") or "")}
        if wire.get("country"):
            spec["country"] = wire["country"]
        spec["application_id"] = wire.get("applicationId") or DEFAULT_APPLICATION
        if wire.get("entityId"):
            spec["entity_id"] = wire["entityId"]
        return spec

    @staticmethod
    def link(props: Mapping[str, Any], *, purchase: bool) -> dict[str, Any]:
        """applicationId/entityId as the API takes them (PUT requires an applicationId)."""
        body: dict[str, Any] = {}
        if props.get("application_id") or not purchase:
            body["applicationId"] = str(props.get("application_id") or DEFAULT_APPLICATION)
        if props.get("entity_id"):
            body["entityId"] = str(props["entity_id"])
        return body

    def normalize(self, props: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(props)
        if isinstance(out.get("number"), str):
            out["number"] = digits(out["number"])
        out["application_id"] = out.get("application_id") or DEFAULT_APPLICATION
        if out.get("entity_id") in (None, ""):
            out.pop("entity_id", None)
        return out

    def ready(self, live: LiveObject) -> Readiness:
        status = live.attributes.get("reservation_status")
        if status == "PENDING":
            return Readiness.pending("reservation PENDING")
        if status in _FAILED:
            return Readiness.failed(f"the purchase did not complete (reservationStatus {status})")
        return Readiness.ready()

    def plan_notes(self, props: Mapping[str, Any], action: str) -> list[str]:
        if action not in ("create", "replace"):
            return []
        return [
            f"{digits(props.get('number') or '')} is not in the account: it will be bought (billable; an intent is "
            "recorded first, so an interrupted purchase is found again, never repeated)"
        ]

    def write_calls(self, action: str, props: Mapping[str, Any], changes: Sequence[FieldChange]) -> int:
        if action == "import":
            return 1 if changes else 0
        if action == "replace":
            return 2  # buy the new one, cancel the old one
        return super().write_calls(action, props, changes)

    # ------------------------------------------------------------ verbs
    def observe(self, client: InfobipClient) -> Iterable[LiveObject]:
        for wire in client.numbers(OWNED, "list-owned-numbers", "list owned numbers", NUMBERS_PAGE_SIZE):
            yield self._live(wire)

    def get(self, client: InfobipClient, live: LiveObject) -> LiveObject | None:
        key = live.attributes.get("number_key")
        wire = client.get(f"{OWNED}/{q(key)}", "get-single-owned-number", f"read number {live.id}") if key else None
        return self._live(wire) if wire else None

    def create(self, client: InfobipClient, props: Mapping[str, Any], ctx: CreateContext) -> LiveObject:
        number = digits(props["number"])
        if _is_us(number, props.get("country")):
            body: dict[str, Any] = {"number": number}  # the API's rule: US numbers are bought by number
        else:
            body = {"numberKey": self._available_key(client, number, props.get("country"))}
        body.update(self.link(props, purchase=True))
        wire = client.call("POST", OWNED, "purchase-number", f"buy number {number}", json=body)
        if isinstance(wire, Mapping) and wire.get("numberKey"):
            return self._live(wire)
        # 201 without a body (also declared by the spec): read it back from the owned list
        owned = list(
            client.numbers(OWNED, "list-owned-numbers", f"read number {number}", NUMBERS_PAGE_SIZE, {"number": number})
        )
        found = next((w for w in owned if digits(w.get("number") or "") == number), None)
        if found is None:
            raise ProviderAPIError(
                f"cannot buy number {number}: Infobip accepted the purchase but does not list it yet; the next run "
                "finds it (the purchase was intent-recorded)",
                "infobip",
            )
        return self._live(found)

    def _available_key(self, client: InfobipClient, number: str, country: Any) -> str:
        params: dict[str, Any] = {"number": number, "limit": 10}
        if country:
            params["country"] = country
        listed = client.get("/numbers/1/numbers/available", "get-available-numbers", f"search number {number}", params)
        match = next((w for w in (listed or {}).get("numbers") or [] if digits(w.get("number") or "") == number), None)
        if match is None or not match.get("numberKey"):
            raise ProviderAPIError(
                f"cannot buy number {number}: it is not available to buy (the search found no such number"
                f"{' in ' + str(country) if country else ''}); check the number, or pick another from "
                "GET /numbers/1/numbers/available",
                "infobip",
                status=404,
            )
        return str(match["numberKey"])

    def update(
        self, client: InfobipClient, live: LiveObject, props: Mapping[str, Any], changes: Sequence[FieldChange]
    ) -> LiveObject:
        key = live.attributes["number_key"]
        wire = client.call(
            "PUT",
            f"{OWNED}/{q(key)}",
            "update-owned-number",
            f"update number {live.id}",
            json=self.link(props, purchase=False),
        )
        return self._live(wire) if isinstance(wire, Mapping) and wire.get("numberKey") else live

    def delete(self, client: InfobipClient, live: LiveObject) -> None:
        key = live.attributes["number_key"]
        client.call("DELETE", f"{OWNED}/{q(key)}", "cancel-number", f"cancel number {live.id}", missing_ok=True)

    def _live(self, wire: Mapping[str, Any]) -> LiveObject:
        spec = self.to_spec(wire)
        attrs = {
            "id": spec["number"],
            "number": spec["number"],
            "number_key": wire.get("numberKey"),
            "country": wire.get("country"),
            "type": wire.get("type"),
            "capabilities": list(wire.get("capabilities") or []),
            "reservation_status": wire.get("reservationStatus"),
        }
        return LiveObject(spec["number"], spec, {k: v for k, v in attrs.items() if v is not None})


def _is_us(number: str, country: Any) -> bool:
    if country:
        return str(country).upper() == "US"
    return len(number) == 11 and number.startswith("1")
