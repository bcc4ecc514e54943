"""infobip.tfa_application: a 2FA application (``/2fa/2/applications``, infobip.md §3.3).

Identity: Infobip assigns ``applicationId`` (kept in state; ``${name.id}``); names are not unique,
so a create is intent-recorded and an interrupted one is recovered by its name.
``PUT`` replaces the whole application, so every live field is compared. The configuration's
defaults come from the spec (pinAttempts 10, allowMultiplePinVerifications true, pinTimeToLive
"15m", verifyPinLimit "1/3s", sendPinPerApplicationLimit "10000/1d", sendPinPerPhoneNumberLimit
"3/1d"; enabled true) and are filled in on both sides, so a manifest that leaves them out — and
an official client that sends them explicitly — never shows a change.
The 2FA API has no delete: removing the resource disables the application (``enabled: false``,
one PUT carrying its current name and configuration); it stays in the account, and drift lists
it as dormant rather than as drift.
Calls: create = 1 POST (201); update = 1 PUT; removal = 1 PUT (none if already disabled).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from ...errors import ProviderError
from ...kind import CreateContext, FieldChange, Intent, Kind
from ...model import LiveObject, copy_tree
from .client import InfobipClient, q
from .wire import compact, to_camel, to_snake

COLLECTION = "/2fa/2/applications"
CONFIG_DEFAULTS = {
    "pin_attempts": 10,
    "allow_multiple_pin_verifications": True,
    "pin_time_to_live": "15m",
    "verify_pin_limit": "1/3s",
    "send_pin_per_application_limit": "10000/1d",
    "send_pin_per_phone_number_limit": "3/1d",
}


class TfaApplication(Kind[InfobipClient]):
    kind: ClassVar[str] = "infobip.tfa_application"
    provider: ClassVar[str] = "infobip"
    schema: ClassVar[str] = "infobip/tfa_application.schema.json"
    title: ClassVar[str] = "2FA application"
    full_replacement = True
    removal = "disable"
    attributes = frozenset({"id"})
    call_notes = (
        "create: 1 POST; update: 1 PUT (whole application); removal: 1 PUT enabled=false (no delete in the API)"
    )

    # ------------------------------------------------------------ translation at the edge
    @staticmethod
    def to_spec(wire: Mapping[str, Any]) -> dict[str, Any]:
        spec: dict[str, Any] = {"name": wire.get("name")}
        if wire.get("enabled") is not None:
            spec["enabled"] = bool(wire["enabled"])
        config = compact(to_snake(wire.get("configuration") or {}))
        if config:
            spec["configuration"] = config
        return spec

    @staticmethod
    def to_payload(props: Mapping[str, Any], *, enabled: bool | None = None) -> dict[str, Any]:
        """The whole application (PUT replaces it): defaults are sent explicitly, like the official
        clients do, so what is stored never depends on server-side defaults."""
        config = {**CONFIG_DEFAULTS, **(props.get("configuration") or {})}
        return {
            "name": str(props["name"]),
            "enabled": bool(props.get("enabled", True)) if enabled is None else enabled,
            "configuration": to_camel(config),
        }

    def normalize(self, props: Mapping[str, Any]) -> dict[str, Any]:
        out = copy_tree(dict(props))
        out.setdefault("enabled", True)
        out["configuration"] = {**CONFIG_DEFAULTS, **(out.get("configuration") or {})}
        return out

    def dormant(self, live: LiveObject) -> bool:
        return live.properties.get("enabled") is False

    # ------------------------------------------------------------ crash recovery
    def intent_match(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return {"name": props.get("name")}

    def recover(self, intent: Intent, candidates: Sequence[LiveObject]) -> LiveObject | None:
        name = intent.match.get("name")
        matches = [c for c in candidates if c.properties.get("name") == name]
        if len(matches) > 1:
            raise ProviderError(
                f"cannot recover the interrupted create of {intent.name}: {len(matches)} unmanaged 2FA applications "
                f"are named {name!r}; import the right one with `provision import PATH {intent.name} ID` or "
                "disable the extras, then re-run",
                "infobip",
            )
        return matches[0] if matches else None

    def write_calls(self, action: str, props: Mapping[str, Any], changes: Sequence[FieldChange]) -> int:
        if action == "delete":  # the removal is a disable: nothing to send if it is off already
            return 0 if props.get("enabled") is False else 1
        return super().write_calls(action, props, changes)

    # ------------------------------------------------------------ verbs
    def observe(self, client: InfobipClient) -> Iterable[LiveObject]:
        for wire in client.get(COLLECTION, "get-2fa-applications", "list 2FA applications") or []:
            yield self._live(wire)

    def get(self, client: InfobipClient, live: LiveObject) -> LiveObject | None:
        wire = client.get(f"{COLLECTION}/{q(live.id)}", "get-2fa-application", f"read 2FA application {live.id}")
        return self._live(wire) if wire else None

    def create(self, client: InfobipClient, props: Mapping[str, Any], ctx: CreateContext) -> LiveObject:
        body = self.to_payload(props)
        wire = client.call(
            "POST", COLLECTION, "create-2fa-application", f"create 2FA application {props['name']!r}", json=body
        )
        if not isinstance(wire, Mapping) or not wire.get("applicationId"):
            raise ProviderError(
                f"cannot create 2FA application {props['name']!r}: Infobip answered without an applicationId; the "
                "next plan finds it by name (the create was intent-recorded)",
                "infobip",
            )
        return self._live({**body, **wire})

    def update(
        self, client: InfobipClient, live: LiveObject, props: Mapping[str, Any], changes: Sequence[FieldChange]
    ) -> LiveObject:
        return self._put(client, live.id, self.to_payload(props), f"update 2FA application {live.id}")

    def disable(self, client: InfobipClient, live: LiveObject) -> None:
        if live.properties.get("enabled") is False:
            return
        self._put(
            client, live.id, self.to_payload(live.properties, enabled=False), f"disable 2FA application {live.id}"
        )

    def delete(self, client: InfobipClient, live: LiveObject) -> None:
        raise ProviderError(
            f"cannot delete 2FA application {live.id}: the 2FA API has no delete; it is disabled instead", "infobip"
        )

    def _put(self, client: InfobipClient, app_id: str, body: Mapping[str, Any], what: str) -> LiveObject:
        wire = client.call("PUT", f"{COLLECTION}/{q(app_id)}", "update-2fa-application", what, json=body)
        return self._live({**body, **(wire if isinstance(wire, Mapping) else {}), "applicationId": app_id})

    def _live(self, wire: Mapping[str, Any]) -> LiveObject:
        app_id = str(wire["applicationId"])
        return LiveObject(app_id, self.to_spec(wire), {"id": app_id})
