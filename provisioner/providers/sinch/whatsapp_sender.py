"""sinch.whatsapp_sender: a WhatsApp sender (phone number) of the project (sinch.md §2.5).

Identity: ``country_code`` + ``phone_number`` (as the API holds them), so a sender that already
exists — onboarded in Sinch Build, say — is adopted and its ``details`` managed from then on.
One that does not exist is created (``POST …/whatsapp/senders``); Meta then processes it.
``region``, ``business_manager`` and ``meta_local_storage`` cannot change after creation: changing
them is a replacement, refused unless ``options.on_delete`` says what happens to the old sender.
Non-fungible: a sender is never deleted implicitly (DELETE only marks it; it keeps working 30 days).

``details`` are PATCHed with merge semantics (only changed leaves, ``null`` removes one) and always
``status: SUBMIT`` (Sinch's default, DRAFT, would leave the edit unsent). A pending edit's
``changes.details`` are what is compared, so an edit in review is pending, not drift.

The phone-number verification needs a person (the OTP arrives by SMS or call): it is the
``verify_sender`` command, not part of apply. Readiness: ACTIVE with no pending change; an edit in
review is pending; PENDING_VERIFICATION fails fast with the command to run (waiting cannot help);
a rejected edit, ERROR, SUSPENDED or INACTIVE are failures.
Calls: create = 1 POST; update = 1 PATCH; delete = 1 DELETE.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from ...errors import ProviderError, StateError
from ...kind import CreateContext, FieldChange, Kind
from ...model import LiveObject, OnDelete, Readiness, copy_tree
from .client import SENDER_PAGE_SIZE, SinchClient
from .wire import compact, merge, nest, to_camel, to_snake

IMMUTABLE = ("region", "business_manager", "meta_local_storage")
_WIRE_TOP = {"region": "region", "business_manager": "businessManager", "meta_local_storage": "metaLocalStorage"}
_REJECTED = frozenset({"REJECTED", "ERROR", "MULTIPLE_WABA_ERROR"})


class WhatsappSender(Kind[SinchClient]):
    kind: ClassVar[str] = "sinch.whatsapp_sender"
    provider: ClassVar[str] = "sinch"
    schema: ClassVar[str] = "sinch/whatsapp_sender.schema.json"
    title: ClassVar[str] = "WhatsApp sender"
    natural_key = ("country_code", "phone_number")
    replace_on = frozenset({"country_code", "phone_number", *IMMUTABLE})
    attributes = frozenset({"id", "country_code", "phone_number"})
    non_fungible = True
    default_on_missing = "fail"  # it may have been released for good: ask before buying again
    default_on_delete = OnDelete.RETAIN
    ready_timeout = 1800.0
    call_notes = "create: 1 POST; update: 1 PATCH (details merge patch, status SUBMIT); delete: 1 DELETE"

    # ------------------------------------------------------------ translation at the edge
    @staticmethod
    def to_spec(wire: Mapping[str, Any]) -> dict[str, Any]:
        pending = wire.get("changes") or {}
        details = pending.get("details") if isinstance(pending.get("details"), Mapping) else wire.get("details")
        spec: dict[str, Any] = {
            "country_code": str(wire.get("countryCode") or ""),
            "phone_number": str(wire.get("phoneNumber") or ""),
            "details": to_snake(copy_tree(details or {})),
        }
        for name, wire_name in _WIRE_TOP.items():
            spec[name] = wire.get(wire_name)
        return compact(spec)

    @staticmethod
    def create_payload(props: Mapping[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"countryCode": props["country_code"], "phoneNumber": props["phone_number"]}
        for name, wire_name in _WIRE_TOP.items():
            if props.get(name):
                body[wire_name] = props[name]
        body["details"] = to_camel(copy_tree(props.get("details") or {}))
        return body

    @staticmethod
    def details_patch(changes: Sequence[FieldChange]) -> dict[str, Any]:
        patch: dict[str, Any] = {}
        for c in changes:
            if c.path.startswith("details."):
                merge(patch, nest(c.path[len("details.") :], c.new))
        return to_camel(patch)

    def normalize(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return compact(copy_tree(dict(props)))

    def ready(self, live: LiveObject) -> Readiness:
        review = live.attributes.get("changes_status")
        state = live.attributes.get("state")
        if review in _REJECTED:
            return Readiness.failed(f"the last change was {review} by Meta/Sinch; see the sender's comments in Sinch")
        if review == "IN_PROGRESS":
            return Readiness.pending("changes in review at Meta (IN_PROGRESS)")
        if state == "ACTIVE":
            return Readiness.ready()
        if state == "PENDING_VERIFICATION":
            return Readiness.failed(
                "its phone number needs verifying (PENDING_VERIFICATION): run `provision sinch verify-sender "
                "PATH NAME` to have the code sent, then `provision sinch verify-sender PATH NAME --code <6 digits>`"
            )
        if state in ("ERROR", "SUSPENDED", "INACTIVE"):
            return Readiness.failed(f"state {state}; see the sender's comments in Sinch")
        return Readiness.pending(f"being processed by Meta ({state or review or 'IN_PROGRESS'})")

    def write_calls(self, action: str, props: Mapping[str, Any], changes: Sequence[FieldChange]) -> int:
        if action in ("update", "import"):
            return 1 if any(c.path.startswith("details.") for c in changes) else 0
        if action == "replace":
            return 2
        return 0 if action == "noop" else 1

    # ------------------------------------------------------------ verbs
    def observe(self, client: SinchClient) -> Iterable[LiveObject]:
        for wire in client.walk(
            client.provisioning, "/whatsapp/senders", "senders", SENDER_PAGE_SIZE, "list WhatsApp senders"
        ):
            yield self._live(wire)

    def get(self, client: SinchClient, live: LiveObject) -> LiveObject | None:
        wire = fetch(client, live.attributes["id"])
        return self._live(wire) if wire else None

    def create(self, client: SinchClient, props: Mapping[str, Any], ctx: CreateContext) -> LiveObject:
        wire = client.call(
            client.provisioning,
            "POST",
            "/whatsapp/senders",
            f"create WhatsApp sender +{props['country_code']}{props['phone_number']}",
            json=self.create_payload(props),
        )
        return self._live(wire or {})

    def update(
        self, client: SinchClient, live: LiveObject, props: Mapping[str, Any], changes: Sequence[FieldChange]
    ) -> LiveObject:
        patch = self.details_patch(changes)
        if not patch:
            return live
        wire = client.call(
            client.provisioning,
            "PATCH",
            f"/whatsapp/senders/{live.attributes['id']}",
            f"update WhatsApp sender {live.id}",
            json={"status": "SUBMIT", "details": patch},
        )
        return self._live(wire or {})

    def delete(self, client: SinchClient, live: LiveObject) -> None:
        client.call(
            client.provisioning,
            "DELETE",
            f"/whatsapp/senders/{live.attributes['id']}",
            f"delete WhatsApp sender {live.id}",
            missing_ok=True,
        )

    def _live(self, wire: Mapping[str, Any]) -> LiveObject:
        spec = self.to_spec(wire)
        natural = f"{spec.get('country_code')}:{spec.get('phone_number')}"
        attrs = compact(
            {
                "id": wire.get("id"),
                "country_code": spec.get("country_code"),
                "phone_number": spec.get("phone_number"),
                "state": wire.get("state"),
                "changes_status": (wire.get("changes") or {}).get("status"),
            }
        )
        return LiveObject(id=natural, properties=spec, attributes=attrs)


def fetch(client: SinchClient, sender_id: str) -> dict[str, Any] | None:
    return client.get(client.provisioning, f"/whatsapp/senders/{sender_id}", f"read WhatsApp sender {sender_id}")


# ---------------------------------------------------------------- the OTP flow (needs a person)
@dataclass(frozen=True)
class SenderVerification:
    """What ``verify_sender`` did and where the sender stands now."""

    name: str
    sender_id: str
    registered: bool  # a verification code was (re)sent
    verified: bool  # the code was accepted
    state: str
    message: str


def verify_sender(workspace: Any, name: str, code: str | None = None, method: str | None = None) -> SenderVerification:
    """Register the sender's number for verification and/or verify it with the code the person received.

    ``code`` None: register (``method`` SMS by default, or VOICE) so that Meta sends the code.
    ``code`` given: verify with it; with ``method`` too, register first (resend) and then verify.
    The sender comes from state (the resource ``name`` of kind sinch.whatsapp_sender); an ACTIVE sender
    needs nothing. Calls: 1 GET, then 1 register and/or 1 verify POST as needed.
    """
    record = workspace.state.read().resources.get(name)
    if record is None or record.kind != WhatsappSender.kind:
        raise StateError(
            f"cannot verify {name}: no sinch.whatsapp_sender of that name in state; apply the manifest first "
            "(`provision state list` shows what is there)"
        )
    sender_id = record.attributes.get("id")
    if not sender_id:
        raise StateError(f"cannot verify {name}: its state record has no sender id; re-run apply to refresh it")
    if method is not None and method.upper() not in ("SMS", "VOICE"):
        raise ProviderError(f"cannot verify {name}: method must be SMS or VOICE, got {method!r}", "sinch")
    client: SinchClient = workspace.client("sinch")
    wire = fetch(client, sender_id)
    if wire is None:
        raise ProviderError(
            f"cannot verify {name}: WhatsApp sender {sender_id} no longer exists in the project", "sinch"
        )
    state = str(wire.get("state") or "")
    if state == "ACTIVE":
        return SenderVerification(name, sender_id, False, False, state, f"{name} is already verified (ACTIVE)")
    registered = False
    if code is None or method is not None:
        chosen = (method or "SMS").upper()
        client.call(
            client.provisioning,
            "POST",
            f"/whatsapp/senders/{sender_id}/register",
            f"register WhatsApp sender {sender_id} for verification",
            json={"method": chosen},
        )
        registered = True
        if code is None:
            return SenderVerification(
                name,
                sender_id,
                True,
                False,
                state,
                f"a verification code is on its way by {chosen}; run again with --code <6 digits>",
            )
    answer = client.call(
        client.provisioning,
        "POST",
        f"/whatsapp/senders/{sender_id}/verify",
        f"verify WhatsApp sender {sender_id}",
        json={"code": str(code).strip()},
    )
    after = answer if answer and answer.get("state") else (fetch(client, sender_id) or {})
    state = str(after.get("state") or state)
    return SenderVerification(name, sender_id, registered, True, state, f"{name} verified; state {state}")
