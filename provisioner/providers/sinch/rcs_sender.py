"""sinch.rcs_sender: an RCS sender (agent) of the project (sinch.md §2.7).

Identity: server-assigned id, kept in state. ``region``, ``billing_category`` and ``use_case`` are
immutable at Sinch, so changing one means a new sender: a replacement the plan refuses unless
``options.on_delete: retain`` is given (the Provisioning API has no way to delete an RCS sender,
so the old one can only be kept, unmanaged).
``details`` is PATCHed with merge semantics: only the changed leaves are sent, a removed one as
``null``; lists are replaced whole.
``test_numbers`` is a set kept in sync with ``POST …/testNumbers`` (the missing ones, one call) and
``DELETE …/testNumbers/{n}`` (one call per number removed). ``launch: true`` calls ``/launch`` once
(when the sender is not launched or launching yet). Both are deferred (``Kind.deferred``): Sinch
accepts them only from a sender with a Google agent (IN_TEST), so apply sends them after waiting for
that. Sinch answers 412 while launch requirements are missing; the sender stays recorded and the
step fails with Sinch's list of what is missing. Readiness follows the declared target: IN_TEST
(or UNLAUNCHED) without launch, LAUNCHED with it. RCS senders cannot be unlaunched through the
API: dropping ``launch`` changes nothing at Sinch.
Calls: create = 1 POST, then once IN_TEST +1 testNumbers POST and +1 launch POST when declared;
update = 1 PATCH when details changed, +1 testNumbers POST when numbers were added, +1 DELETE per
number removed, +1 launch POST when newly requested.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from ...errors import ProviderError
from ...kind import CreateContext, FieldChange, Intent, Kind
from ...model import LiveObject, OnDelete, Readiness, copy_tree
from .client import SENDER_PAGE_SIZE, SinchClient, describe_papi, error_body
from .wire import compact, merge, nest, snake_key, to_camel, to_snake

IMMUTABLE = ("region", "billing_category", "use_case")
LAUNCHING = frozenset({"PREPARING_LAUNCH", "PENDING_LAUNCH", "LAUNCHING"})
LAUNCHED = LAUNCHING | {"LAUNCHED"}
_REVIEW = frozenset({"DRAFT", "IN_PROGRESS", "UNKNOWN", "UNRECOGNIZED"})


class RcsSender(Kind[SinchClient]):
    kind: ClassVar[str] = "sinch.rcs_sender"
    provider: ClassVar[str] = "sinch"
    schema: ClassVar[str] = "sinch/rcs_sender.schema.json"
    title: ClassVar[str] = "RCS sender"
    replace_on = frozenset(IMMUTABLE)
    deferred = frozenset({"test_numbers", "launch"})  # need a Google agent: the sender in IN_TEST
    attributes = frozenset({"id", "auth_name"})
    non_fungible = True
    default_on_missing = "fail"  # it may have been released for good: ask before buying again
    default_on_delete = OnDelete.RETAIN
    ready_timeout = 1800.0
    call_notes = (
        "create: 1 POST (+1 POST testNumbers, +1 POST launch, when declared); update: PATCH details, POST "
        "testNumbers for added numbers, DELETE per removed number, POST launch when newly requested"
    )

    # ------------------------------------------------------------ translation at the edge
    @staticmethod
    def to_spec(wire: Mapping[str, Any]) -> dict[str, Any]:
        details = to_snake(copy_tree(wire.get("details") or {}))
        details.pop("test_numbers", None)  # managed through the test_numbers property
        for section in (details.get("questionnaire") or {}).values():
            if isinstance(section, dict) and isinstance(section.get("answers"), dict):
                section["answers"].pop("metadata", None)  # server-managed on read
        states = wire.get("testNumberStates")
        numbers = (
            [t.get("number") for t in states]
            if isinstance(states, list)
            else ((wire.get("details") or {}).get("testNumbers") or [])
        )
        spec: dict[str, Any] = {
            "region": wire.get("region"),
            "billing_category": wire.get("billingCategory"),
            "use_case": wire.get("useCase"),
            "details": details,
            "test_numbers": sorted({n for n in numbers if n}),
        }
        if wire.get("state") in LAUNCHED:
            spec["launch"] = True
        return compact(spec)

    @staticmethod
    def create_payload(props: Mapping[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "region": props["region"],
            "billingCategory": props["billing_category"],
            "useCase": props["use_case"],
        }
        if props.get("details"):
            body["details"] = to_camel(copy_tree(props["details"]))
        return body

    @staticmethod
    def details_patch(changes: Sequence[FieldChange]) -> dict[str, Any]:
        """A merge patch of the changed ``details`` leaves (``null`` removes one)."""
        patch: dict[str, Any] = {}
        for c in changes:
            if c.path.startswith("details."):
                merge(patch, nest(c.path[len("details.") :], c.new))
        return {"details": to_camel(patch)} if patch else {}

    def normalize(self, props: Mapping[str, Any]) -> dict[str, Any]:
        out = compact(copy_tree(dict(props)))
        if out.get("launch") is False:
            del out["launch"]  # "not launched" is not something to enforce
        if isinstance(out.get("test_numbers"), list):
            out["test_numbers"] = sorted(set(out["test_numbers"]))
            if not out["test_numbers"]:
                del out["test_numbers"]  # none declared and none live are the same
        details = out.get("details")
        if isinstance(details, dict) and isinstance(details.get("countries"), list):
            details["countries"] = sorted({c.upper() for c in details["countries"]})
        return out

    def ready(self, live: LiveObject) -> Readiness:
        state = live.attributes.get("state") or "UNKNOWN"
        if live.attributes.get("launch_error"):
            return Readiness.failed(live.attributes["launch_error"])
        if state == "LAUNCHED":
            return Readiness.ready()
        if state in LAUNCHING:
            return Readiness.pending(f"launching ({state})")
        if state in ("IN_TEST", "UNLAUNCHED"):
            if live.attributes.get("launch_requested"):
                return Readiness.pending(f"launch requested ({state})")
            return Readiness.ready()
        if state in _REVIEW:
            return Readiness.pending(f"being set up by Sinch ({state})")
        return Readiness.pending(state)

    def refusal(self, action: str, props: Mapping[str, Any], live: LiveObject | None) -> str | None:
        # Asked only when the old sender would be deleted (a delete, or a replace without retain).
        if live is None:
            return None
        if action == "replace":
            return (
                f"cannot replace RCS sender {live.id}: {', '.join(IMMUTABLE)} are immutable, so a change needs a new "
                "sender, and Sinch's Provisioning API cannot delete the old one; set options.on_delete: retain to "
                "create the new sender and keep the old one unmanaged (a new sender goes through launch again)"
            )
        return (
            f"cannot delete RCS sender {live.id}: Sinch's Provisioning API has no delete for RCS senders; use "
            "options.on_delete: retain (keep it, unmanaged) or `provision state rm`, and remove it in Sinch Build"
        )

    def write_calls(self, action: str, props: Mapping[str, Any], changes: Sequence[FieldChange]) -> int:
        if action in ("create", "replace"):
            return 1 + bool(props.get("test_numbers")) + bool(props.get("launch"))
        if action in ("update", "import"):
            added, removed = _test_number_delta(changes)
            details = any(c.path.startswith("details.") for c in changes)
            launch = any(c.path == "launch" and c.new for c in changes)
            return int(details) + bool(added) + len(removed) + int(launch)
        return 0  # never deleted (refused above)

    def plan_notes(self, props: Mapping[str, Any], action: str) -> list[str]:
        if action in ("create", "replace") and props.get("launch"):
            return ["launch is requested right after creation; Sinch refuses it (412) until every requirement is met"]
        return []

    # ------------------------------------------------------------ crash recovery
    def intent_match(self, props: Mapping[str, Any]) -> dict[str, Any]:
        brand = ((props.get("details") or {}).get("brand") or {}).get("name")
        return {k: props.get(k) for k in IMMUTABLE} | {"brand": brand}

    def recover(self, intent: Intent, candidates: Sequence[LiveObject]) -> LiveObject | None:
        def same(c: LiveObject) -> bool:
            brand = ((c.properties.get("details") or {}).get("brand") or {}).get("name")
            return all(c.properties.get(k) == intent.match.get(k) for k in IMMUTABLE) and brand == intent.match.get(
                "brand"
            )

        matches = [c for c in candidates if same(c)]
        if len(matches) > 1:
            raise ProviderError(
                f"cannot recover the interrupted create of {intent.name}: {len(matches)} unmanaged RCS senders match "
                f"it; import the right one with `provision import PATH {intent.name} ID`, then re-run",
                "sinch",
            )
        return matches[0] if matches else None

    # ------------------------------------------------------------ verbs
    def observe(self, client: SinchClient) -> Iterable[LiveObject]:
        for wire in client.walk(client.provisioning, "/rcs/senders", "senders", SENDER_PAGE_SIZE, "list RCS senders"):
            yield self._live(wire)

    def get(self, client: SinchClient, live: LiveObject) -> LiveObject | None:
        wire = client.get(client.provisioning, f"/rcs/senders/{live.id}", f"read RCS sender {live.id}")
        if not wire:
            return None
        return self._live(wire, launch_requested=bool(live.attributes.get("launch_requested")))

    def create(self, client: SinchClient, props: Mapping[str, Any], ctx: CreateContext) -> LiveObject:
        # Test numbers and launch are deferred: Sinch takes them only once the sender reached IN_TEST.
        wire = (
            client.call(
                client.provisioning, "POST", "/rcs/senders", "create RCS sender", json=self.create_payload(props)
            )
            or {}
        )
        return self._live(wire)

    def update(
        self, client: SinchClient, live: LiveObject, props: Mapping[str, Any], changes: Sequence[FieldChange]
    ) -> LiveObject:
        current = live
        patch = self.details_patch(changes)
        if patch:
            wire = client.call(
                client.provisioning, "PATCH", f"/rcs/senders/{live.id}", f"update RCS sender {live.id}", json=patch
            )
            current = self._live(wire) if wire and wire.get("id") else live
        added, removed = _test_number_delta(changes)
        if added:
            self._add_test_numbers(client, live.id, added)
        for number in removed:
            client.call(
                client.provisioning,
                "DELETE",
                f"/rcs/senders/{live.id}/testNumbers/{number}",
                f"remove test number {number} from RCS sender {live.id}",
                missing_ok=True,
            )
        if added or removed:  # what is live now is what we just sent
            spec = {k: v for k, v in current.properties.items() if k != "test_numbers"}
            if props.get("test_numbers"):
                spec["test_numbers"] = sorted(set(props["test_numbers"]))
            current = LiveObject(current.id, spec, dict(current.attributes))
        if any(c.path == "launch" and c.new for c in changes):
            current = self._launch(client, current)
        return current

    def delete(self, client: SinchClient, live: LiveObject) -> None:
        raise ProviderError(self.refusal("delete", {}, live) or "", "sinch")

    # ------------------------------------------------------------ helpers
    def _add_test_numbers(self, client: SinchClient, sender_id: str, numbers: Sequence[str]) -> None:
        client.call(
            client.provisioning,
            "POST",
            f"/rcs/senders/{sender_id}/testNumbers",
            f"add test numbers to RCS sender {sender_id}",
            json={"testNumbers": list(numbers)},
        )

    def _launch(self, client: SinchClient, live: LiveObject) -> LiveObject:
        """Request the launch. A 412 (requirements missing) does not undo what landed: the sender is
        returned with the reason, which its readiness reports as the step's failure."""
        r = client.send(client.provisioning, "POST", f"/rcs/senders/{live.id}/launch", json={})
        if r.status_code == 412:
            reason = "Sinch cannot launch it yet: " + missing_requirements(error_body(r))
            return LiveObject(live.id, live.properties, {**live.attributes, "launch_error": reason})
        wire = client.check(r, f"launch RCS sender {live.id}")
        if wire and wire.get("id"):
            launched = self._live(wire, launch_requested=True)
            # the answer's test numbers may predate the ones just added: keep what we know
            spec = {**launched.properties, **{k: v for k, v in live.properties.items() if k == "test_numbers"}}
            return LiveObject(launched.id, spec, launched.attributes)
        return LiveObject(live.id, {**live.properties, "launch": True}, {**live.attributes, "launch_requested": True})

    def _live(self, wire: Mapping[str, Any], *, launch_requested: bool = False) -> LiveObject:
        spec = self.to_spec(wire)
        attrs = compact(
            {
                "id": wire["id"],
                "auth_name": wire.get("authName"),
                "state": wire.get("state"),
                "launch_requested": launch_requested or None,
            }
        )
        return LiveObject(id=wire["id"], properties=spec, attributes=attrs)


def _test_number_delta(changes: Sequence[FieldChange]) -> tuple[list[str], list[str]]:
    change = next((c for c in changes if c.path == "test_numbers"), None)
    if change is None:
        return [], []
    old, new = set(change.old or []), set(change.new or [])
    return sorted(new - old), sorted(old - new)


def missing_requirements(body: Mapping[str, Any]) -> str:
    """A 412's list of what is missing, in the manifest's own field names (``details.brand.logo_url``)."""
    info = body.get("additionalInformation") or {}
    listed = [
        item
        for value in (info.values() if isinstance(info, Mapping) else [])
        if isinstance(value, list)
        for item in value
        if isinstance(item, str)
    ]
    if not listed:
        return describe_papi(body) if body else "no reason given (HTTP 412)"
    return "missing " + "; ".join(_manifest_words(item) for item in listed)


def _manifest_words(text: str) -> str:
    """camelCase words in a requirement (``details.brand.logoUrl``) → snake_case (``details.brand.logo_url``)."""

    def snake(part: str) -> str:
        return snake_key(part) if part[:1].islower() else part  # leave GB, (at, ... alone

    return " ".join(".".join(snake(part) for part in word.split(".")) for word in text.split(" "))
