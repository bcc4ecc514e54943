"""infobip.whatsapp_template: one language of a WhatsApp template (``/whatsapp/2/senders/{sender}/
templates``, infobip.md §4).

Identity: (sender, name, language); language codes as Infobip writes them (``en``, ``en_US``).
Templates belong to the WhatsApp Business Account; the API lists them per sender, so the engine
hands this kind every sender the manifest and state name (``observe_by``): one unpaged GET each.
Lifecycle: create (201) → PENDING → APPROVED, or REJECTED — a failure carrying Meta's reason when
the API gives one (polling shows only the status; the reason is otherwise only in TEMPLATE_UPDATE
webhooks). Edits are a PATCH by the template's numeric id, and only in the states Infobip allows:
APPROVED (not the category; at most 10 edits in 30 days), REJECTED, or paused. An edit made while
the template is in review waits for the review (``deferred``: apply waits, then PATCHes); in
other states the plan refuses it and says why. An edit goes back to review.
Example values (``structure.body.examples``, ``structure.header.example``, button examples) are
write-only at Infobip: sent with every create and edit, never compared.
Delete is by name: it removes every language of the name for the whole account and blocks the name
for 30 days. So the plan lists every language that would go and refuses unless the resource said
``allow_delete: true`` (applied before removing it). A sender or language change (same name) is
always refused: deleting the old one would delete the new one too.
Calls: create = 1 POST; update = 1 PATCH (none when only allow_delete changes); delete = 1 DELETE
(none for a language whose name this run already deleted).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from ...kind import CreateContext, FieldChange, Kind
from ...model import LiveObject, Readiness, copy_tree
from .client import InfobipClient, q
from .wire import camel_key, compact, to_camel, to_snake

IN_REVIEW = frozenset({"PENDING", "IN_APPEAL"})
EDITABLE = frozenset({"APPROVED", "REJECTED", "FIRST_PAUSED", "SECOND_PAUSED"})
USABLE = frozenset({"APPROVED", "FLAGGED", "REINSTATED"})
EDIT_FIELDS = ("category", "structure", "validity_period", "platform", "sub_category")
_LOCAL = frozenset({"allow_delete"})  # a manifest decision, never sent
# Buttons whose text Infobip fills in itself (readOnly in the spec).
_FIXED_TEXT = frozenset({"COPY_CODE", "CATALOG", "MULTI_PRODUCT", "ORDER_DETAILS", "REQUEST_CONTACT_INFO"})
# Where a rejection reason may appear in an answer (not in the spec's TemplateApiResponse).
_REASON_FIELDS = ("reason", "rejectionReason", "statusReason")


def _digits(number: Any) -> str:
    return str(number).strip().removeprefix("+")


class WhatsappTemplate(Kind[InfobipClient]):
    kind: ClassVar[str] = "infobip.whatsapp_template"
    provider: ClassVar[str] = "infobip"
    schema: ClassVar[str] = "infobip/whatsapp_template.schema.json"
    title: ClassVar[str] = "WhatsApp template"
    natural_key = ("sender", "name", "language")
    replace_on = frozenset({"sender", "name", "language"})
    observe_by = ("sender",)
    write_only = frozenset({"allow_delete"})
    local_only = frozenset({"structure.body.examples", "structure.header.example"})  # write-only at Infobip
    deferred = frozenset(EDIT_FIELDS)  # Infobip takes no edit while Meta reviews
    attributes = frozenset({"id", "template_id", "name", "language", "status"})
    review_fields = frozenset(EDIT_FIELDS)  # edits go back to Meta's review
    ready_timeout = 1800.0
    call_notes = "create: 1 POST; update: 1 PATCH by id (after a review in progress); delete: 1 DELETE by name"

    def natural_id(self, props: Mapping[str, Any]) -> str | None:
        values = [props.get(k) for k in self.natural_key]
        if not all(isinstance(v, str) and v for v in values):
            return None
        return f"{_digits(values[0])}:{values[1]}:{values[2]}"

    # ------------------------------------------------------------ translation at the edge
    @staticmethod
    def to_spec(wire: Mapping[str, Any], sender: str) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "sender": sender,
            "name": wire.get("name"),
            "language": wire.get("language"),
            "category": wire.get("category"),
            "structure": _structure(to_snake(wire.get("structure") or {})),
        }
        if wire.get("subCategory"):
            spec["sub_category"] = wire["subCategory"]
        if wire.get("validityPeriod"):
            spec["validity_period"] = to_snake(wire["validityPeriod"])
        platform = compact(to_snake(wire.get("platform") or {}))
        if platform:
            spec["platform"] = platform
        return compact(spec)

    @staticmethod
    def to_payload(props: Mapping[str, Any], fields: Iterable[str] = EDIT_FIELDS, *, create: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"name": props["name"], "language": props["language"]} if create else {}
        for name in fields:
            if props.get(name) is not None:
                body[camel_key(name)] = to_camel(copy_tree(props[name]))
        return body

    def normalize(self, props: Mapping[str, Any]) -> dict[str, Any]:
        out = copy_tree(dict(props))
        if isinstance(out.get("sender"), str):
            out["sender"] = _digits(out["sender"])
        if isinstance(out.get("structure"), Mapping):
            out["structure"] = _structure(out["structure"])
        period = out.get("validity_period")
        if isinstance(period, dict):
            period.setdefault("time_unit", "MINUTES")
        return compact(out)

    def ready(self, live: LiveObject) -> Readiness:
        status = live.attributes.get("status") or "PENDING"
        if status in USABLE:
            return Readiness.ready()
        if status in IN_REVIEW:
            return Readiness.pending(f"in review at Meta ({status})")
        if status == "REJECTED":
            reason = live.attributes.get("rejection_reason")
            why = (
                f"reason: {reason}"
                if reason
                else "no reason in the API's answer; Infobip sends it in TEMPLATE_UPDATE webhooks"
            )
            return Readiness.failed(f"rejected by Meta review ({why}); edit it to resubmit")
        return Readiness.failed(
            f"{status} at Meta: it cannot be sent (quality {live.attributes.get('quality') or '?'})"
        )

    # ------------------------------------------------------------ what the plan says
    def refusal(self, action: str, props: Mapping[str, Any], live: LiveObject | None) -> str | None:
        if live is None:
            return None
        what = f"WhatsApp template {live.attributes.get('name')} ({live.attributes.get('language')})"
        languages = ", ".join(_languages(live))
        if action == "replace" and props.get("name") == live.attributes.get("name"):
            return (
                f"cannot replace {what}: its sender or language changed, which means another template — and Infobip "
                f"deletes templates by name, so deleting the old one would also delete the new one ({languages} and "
                "any new language go together); keep this resource and add the new language as another resource"
            )
        if props.get("allow_delete"):
            return None
        verb = "rename" if action == "replace" else "delete"
        return (
            f"cannot {verb} {what}: Infobip deletes a template by name — every language of "
            f"{live.attributes.get('name')} ({languages}) for the whole WhatsApp Business Account — and blocks the "
            "name for 30 days; to go ahead, set allow_delete: true on it and apply, then "
            + ("rename it" if action == "replace" else "remove it")
            + " (or keep it in the account with options.on_delete: retain)"
        )

    def plan_notes(self, props: Mapping[str, Any], action: str) -> list[str]:
        if action in ("create", "replace"):
            return ["it is submitted to Meta for review; apply waits for the outcome"]
        return []

    def live_notes(
        self, action: str, props: Mapping[str, Any], live: LiveObject, changes: Sequence[FieldChange]
    ) -> list[str]:
        status = live.attributes.get("status")
        if action == "delete":
            return [
                f"deletes every language of {live.attributes.get('name')} ({', '.join(_languages(live))}) for the "
                "whole account; the name is blocked for 30 days"
            ]
        edits = [c for c in changes if c.path.split(".")[0] in EDIT_FIELDS]
        if not edits:
            return []
        if status in IN_REVIEW:
            return [
                f"edit impossible now: the template is {status} review at Meta; apply waits for the review to end, "
                "then edits it (PATCH by id) and waits for the new review"
            ]
        if status == "APPROVED":
            return ["an approved template can be edited once a day, 10 times in 30 days; the edit goes back to review"]
        return []

    def update_refusal(self, props: Mapping[str, Any], live: LiveObject, changes: Sequence[FieldChange]) -> str | None:
        status = live.attributes.get("status")
        edits = [c for c in changes if c.path.split(".")[0] in EDIT_FIELDS]
        what = f"WhatsApp template {live.attributes.get('name')} ({live.attributes.get('language')})"
        if not edits or status in IN_REVIEW:
            return None  # in review: deferred until the review ends
        if status not in EDITABLE:
            return (
                f"cannot edit {what}: edit impossible now, the template is {status}; Infobip edits only APPROVED, "
                "REJECTED or paused templates — re-run when it is in one of those states"
            )
        if status == "APPROVED" and any(c.path == "category" for c in edits):
            return (
                f"cannot change the category of {what}: Infobip does not edit the category of an approved template; "
                "keep the category, or create a template under a new name"
            )
        return None

    def write_calls(self, action: str, props: Mapping[str, Any], changes: Sequence[FieldChange]) -> int:
        if action in ("update", "import"):
            return 1 if any(c.path.split(".")[0] not in _LOCAL for c in changes) else 0
        if action == "replace":
            return 2
        return super().write_calls(action, props, changes)

    # ------------------------------------------------------------ verbs
    def observe(self, client: InfobipClient) -> Iterable[LiveObject]:
        return []  # listed per sender only: observe_scoped

    def observe_scoped(self, client: InfobipClient, scopes: Sequence[tuple[str, ...]]) -> Iterable[LiveObject]:
        for sender in sorted({_digits(s[0]) for s in scopes}):
            listed = client.get(
                _collection(sender), "get-whatsapp-templates", f"list WhatsApp templates of sender {sender}"
            )
            templates = (listed or {}).get("templates") or []
            by_name: dict[str, list[str]] = {}
            for wire in templates:
                by_name.setdefault(str(wire.get("name")), []).append(str(wire.get("language")))
            for wire in templates:
                yield self._live(wire, sender, by_name.get(str(wire.get("name")), []))

    def get(self, client: InfobipClient, live: LiveObject) -> LiveObject | None:
        sender = live.properties["sender"]
        wire = client.get(
            f"{_collection(sender)}/{q(live.attributes['template_id'])}",
            "get-whatsapp-template",
            f"read WhatsApp template {live.id}",
        )
        return self._live(wire, sender, _languages(live)) if wire else None

    def create(self, client: InfobipClient, props: Mapping[str, Any], ctx: CreateContext) -> LiveObject:
        sender = _digits(props["sender"])
        wire = client.call(
            "POST",
            _collection(sender),
            "create-whatsapp-template",
            f"create WhatsApp template {props['name']} ({props['language']}) of sender {sender}",
            json=self.to_payload(props, create=True),
        )
        return self._live(
            {"name": props["name"], "language": props["language"], **(wire or {})}, sender, [props["language"]]
        )

    def update(
        self, client: InfobipClient, live: LiveObject, props: Mapping[str, Any], changes: Sequence[FieldChange]
    ) -> LiveObject:
        touched = {c.path.split(".")[0] for c in changes}
        fields = [f for f in EDIT_FIELDS if f in touched]
        if not fields:
            return live  # only a manifest-side decision (allow_delete) changed: nothing to tell Infobip
        # Only what changed is sent: the category of an approved template cannot be (update_refusal).
        sender = live.properties["sender"]
        wire = client.call(
            "PATCH",
            f"{_collection(sender)}/{q(live.attributes['template_id'])}",
            "edit-whatsapp-template",
            f"edit WhatsApp template {live.id}",
            json=self.to_payload(props, fields, create=False),
        )
        merged = {"name": live.attributes["name"], "language": live.attributes["language"], **(wire or {})}
        if not (wire or {}).get("status"):
            merged["status"] = "PENDING"  # an edit goes back to review
        merged.setdefault("id", live.attributes["template_id"])
        return self._live(merged, sender, _languages(live))

    def delete(self, client: InfobipClient, live: LiveObject) -> None:
        sender, name = live.properties["sender"], live.attributes["name"]
        if (sender, name) in client.deleted_template_names:
            return  # this run's delete of another language took every language of the name
        client.call(
            "DELETE",
            f"{_collection(sender)}/{q(name)}",
            "delete-whatsapp-template",
            f"delete WhatsApp template {name} (every language) of sender {sender}",
            missing_ok=True,
        )
        client.deleted_template_names.add((sender, name))

    def _live(self, wire: Mapping[str, Any], sender: str, languages: Sequence[str]) -> LiveObject:
        spec = self.to_spec(wire, sender)
        natural = f"{sender}:{spec.get('name')}:{spec.get('language')}"
        reason = next((wire[f] for f in _REASON_FIELDS if wire.get(f)), None)
        attrs = {
            "id": natural,
            "template_id": str(wire["id"]) if wire.get("id") is not None else None,
            "name": spec.get("name"),
            "language": spec.get("language"),
            "status": wire.get("status") or "PENDING",
            "quality": wire.get("quality"),
            "rejection_reason": reason,
            "name_languages": sorted(set(languages)),
        }
        return LiveObject(natural, spec, {k: v for k, v in attrs.items() if v is not None})


def _structure(structure: Mapping[str, Any]) -> dict[str, Any]:
    """A structure as compared: read-only parts (``type``, button ``destination_url`` and the texts
    Infobip fixes) and write-only button examples left out."""
    out = {k: copy_tree(v) for k, v in structure.items() if k != "type"}
    buttons = out.get("buttons")
    if isinstance(buttons, list):
        kept = []
        for button in buttons:
            if not isinstance(button, Mapping):
                kept.append(button)
                continue
            b = {k: v for k, v in button.items() if k not in ("example", "destination_url")}
            if b.get("type") in _FIXED_TEXT:
                b.pop("text", None)
            kept.append(b)
        out["buttons"] = kept
    return compact(out)


def _languages(live: LiveObject) -> list[str]:
    return list(live.attributes.get("name_languages") or [live.attributes.get("language")])


def _collection(sender: str) -> str:
    return f"/whatsapp/2/senders/{q(sender)}/templates"
