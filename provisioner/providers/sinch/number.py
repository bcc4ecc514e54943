"""sinch.number: an active number of the project (Numbers API, sinch.md §3).

Identity: ``phone_number`` (E.164). A number the project already has is adopted (import); one it
does not have is rented with ``POST /availableNumbers/{n}:rent`` — which Sinch allows only for US
LOCAL numbers (others are bought with the Number Order API, then adopted). Renting is billable and
not idempotent: an intent is recorded first, and a crash is recovered by listing.
Non-fungible: never replaced or released implicitly; released (``:release``) only when removed
with ``options.on_delete: delete`` and ``protect: false``.

Configuration is asynchronous: after a rent or PATCH the requested service plan / campaign / voice
app sit under ``scheduledProvisioning`` / ``scheduledVoiceProvisioning`` (WAITING → IN_PROGRESS →
cleared on success, FAILED with error codes) while the top-level fields keep the old values. The
live view compares the *requested* values while provisioning is in flight, so a pending number is
reported as pending, not as drift; after a FAILED provisioning it compares the values really in
place, so the next plan offers to send the configuration again.
Calls: create = 1 ``:rent`` carrying the SMS/voice configuration and callback URL, plus 1 PATCH
when ``display_name`` is declared (``:rent`` takes no display name); update = 1 PATCH with the
changed fields; delete = 1 ``:release``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from ...kind import CreateContext, FieldChange, Kind
from ...model import LiveObject, OnDelete, Readiness
from .client import NUMBER_PAGE_SIZE, SinchClient
from .wire import compact, to_camel, to_snake

_VOICE_IDS = ("app_id", "trunk_id", "service_id")
_IN_FLIGHT = ("WAITING", "IN_PROGRESS", "PROVISIONING_STATUS_UNSPECIFIED")


class Number(Kind[SinchClient]):
    kind: ClassVar[str] = "sinch.number"
    provider: ClassVar[str] = "sinch"
    schema: ClassVar[str] = "sinch/number.schema.json"
    title: ClassVar[str] = "phone number"
    natural_key = ("phone_number",)
    replace_on = frozenset({"phone_number"})
    attributes = frozenset({"id", "phone_number", "region_code", "type", "capability"})
    non_fungible = True
    default_on_missing = "fail"  # it may have been released for good: ask before buying again
    default_on_delete = OnDelete.RETAIN
    ready_timeout = 600.0
    call_notes = (
        "create: POST :rent (with SMS/voice configuration and callback URL), plus PATCH when display_name is "
        "declared; update: PATCH; delete: POST :release"
    )

    # ------------------------------------------------------------ translation at the edge
    @staticmethod
    def to_spec(wire: Mapping[str, Any]) -> dict[str, Any]:
        spec: dict[str, Any] = {"phone_number": wire.get("phoneNumber")}
        if wire.get("displayName"):
            spec["display_name"] = wire["displayName"]
        if wire.get("callbackUrl"):
            spec["callback_url"] = wire["callbackUrl"]
        sms = wire.get("smsConfiguration") or {}
        sms_now = _effective(sms, sms.get("scheduledProvisioning"), ("servicePlanId", "campaignId"))
        if sms_now:
            spec["sms_configuration"] = sms_now
        voice = wire.get("voiceConfiguration") or {}
        voice_now = _effective(
            voice, voice.get("scheduledVoiceProvisioning"), ("type", "appId", "trunkId", "serviceId")
        )
        if any(voice_now.get(k) for k in _VOICE_IDS):
            spec["voice_configuration"] = voice_now
        return spec

    @staticmethod
    def to_payload(props: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
        """The named top-level fields in wire shape; a field being removed is sent empty (unlink)."""
        body: dict[str, Any] = {}
        for name in fields:
            value = props.get(name)
            if name == "sms_configuration":
                body["smsConfiguration"] = to_camel(value) if value else {"servicePlanId": "", "campaignId": ""}
            elif name == "voice_configuration":
                value = value or {"type": "RTC", "app_id": ""}
                body["voiceConfiguration"] = to_camel({"type": "RTC", **value})
            elif name in ("display_name", "callback_url"):
                body["displayName" if name == "display_name" else "callbackUrl"] = value or ""
        return body

    def normalize(self, props: Mapping[str, Any]) -> dict[str, Any]:
        out = compact(dict(props))
        voice = out.get("voice_configuration")
        if isinstance(voice, dict):
            out["voice_configuration"] = {"type": "RTC", **voice}
        return out

    def ready(self, live: LiveObject) -> Readiness:
        pending, failed = [], []
        for label, sched in (
            ("SMS", live.attributes.get("sms_provisioning")),
            ("voice", live.attributes.get("voice_provisioning")),
        ):
            if not sched:
                continue
            if sched.get("status") == "FAILED":
                codes = ", ".join(sched.get("error_codes") or []) or "no error code given"
                failed.append(f"{label} provisioning FAILED ({codes})")
            else:
                pending.append(f"{label} provisioning {sched.get('status') or 'WAITING'}")
        if failed:
            return Readiness.failed("; ".join(failed))
        if pending:
            return Readiness.pending(", ".join(pending))
        return Readiness.ready()

    def write_calls(self, action: str, props: Mapping[str, Any], changes: Sequence[FieldChange]) -> int:
        if action in ("create", "replace"):
            return 1 + (1 if props.get("display_name") else 0) + (1 if action == "replace" else 0)
        if action == "import":
            return 1 if changes else 0
        return 0 if action == "noop" else 1

    def plan_notes(self, props: Mapping[str, Any], action: str) -> list[str]:
        if action not in ("create", "replace"):
            return []
        number = str(props.get("phone_number") or "")
        note = f"{number} is not in the project: it will be rented with :rent (billable)"
        if not number.startswith("+1"):
            note += (
                "; Sinch rents only US LOCAL numbers this way — order other numbers with the Number Order API "
                "first, and they will be adopted instead"
            )
        return [note]

    # ------------------------------------------------------------ verbs
    def observe(self, client: SinchClient) -> Iterable[LiveObject]:
        for wire in client.walk(
            client.numbers, "/activeNumbers", "activeNumbers", NUMBER_PAGE_SIZE, "list active numbers"
        ):
            yield self._live(wire)

    def get(self, client: SinchClient, live: LiveObject) -> LiveObject | None:
        wire = client.get(client.numbers, f"/activeNumbers/{live.id}", f"read number {live.id}")
        return self._live(wire) if wire else None

    def create(self, client: SinchClient, props: Mapping[str, Any], ctx: CreateContext) -> LiveObject:
        number = props["phone_number"]
        body = self.to_payload(
            props, [f for f in ("sms_configuration", "voice_configuration", "callback_url") if props.get(f)]
        )
        wire = (
            client.call(client.numbers, "POST", f"/availableNumbers/{number}:rent", f"rent number {number}", json=body)
            or {}
        )
        if props.get("display_name"):
            wire = (
                client.call(
                    client.numbers,
                    "PATCH",
                    f"/activeNumbers/{number}",
                    f"name number {number}",
                    json=self.to_payload(props, ["display_name"]),
                )
                or wire
            )
        return self._live(wire)

    def update(
        self, client: SinchClient, live: LiveObject, props: Mapping[str, Any], changes: Sequence[FieldChange]
    ) -> LiveObject:
        fields = sorted({c.path.split(".")[0] for c in changes})
        wire = client.call(
            client.numbers,
            "PATCH",
            f"/activeNumbers/{live.id}",
            f"update number {live.id}",
            json=self.to_payload(props, fields),
        )
        return self._live(wire or {})

    def delete(self, client: SinchClient, live: LiveObject) -> None:
        client.call(
            client.numbers, "POST", f"/activeNumbers/{live.id}:release", f"release number {live.id}", missing_ok=True
        )

    def _live(self, wire: Mapping[str, Any]) -> LiveObject:
        spec = self.to_spec(wire)
        number = spec["phone_number"]
        attrs = {
            "id": number,
            "phone_number": number,
            "region_code": wire.get("regionCode"),
            "type": wire.get("type"),
            "capability": list(wire.get("capability") or []),
            "sms_provisioning": _schedule((wire.get("smsConfiguration") or {}).get("scheduledProvisioning")),
            "voice_provisioning": _schedule((wire.get("voiceConfiguration") or {}).get("scheduledVoiceProvisioning")),
        }
        return LiveObject(id=number, properties=spec, attributes=attrs)


def _effective(current: Mapping[str, Any], scheduled: Any, keys: Sequence[str]) -> dict[str, Any]:
    """What the number is configured *to be*: the requested values while provisioning is in flight,
    otherwise what is in place (after a failure, the old values)."""
    source = scheduled if isinstance(scheduled, Mapping) and scheduled.get("status") in _IN_FLIGHT else current
    return compact(to_snake({k: source.get(k) for k in keys}))


def _schedule(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, Mapping):
        return None
    return {"status": value.get("status"), "error_codes": list(value.get("errorCodes") or [])}
