"""sinch.whatsapp_template: one language of a project-level WhatsApp template (sinch.md §2.6).

Identity: (name, language); language codes are upper-case (``EN_US``). An existing template is
adopted. Create sends ``status`` explicitly (the docs disagree on its default): ``SUBMIT`` (the
manifest default) sends it to Meta for review, ``DRAFT`` only saves it.
Updates are a PATCH of that language carrying the whole ``details`` and the status — a PATCH with
``SUBMIT`` is "edit, then submit" in one call. Never delete-and-recreate: deleting a submitted
template removes it at Meta and locks name + language for 30 days, so a delete (or a replace, i.e.
a rename) of a submitted template is refused unless the resource says ``allow_delete_submitted:
true``; only then is ``deleteSubmitted=true`` sent.
Two status axes: ``state`` (the live version at Meta) and ``changes`` (a pending edit). While an
edit is pending, its ``changes.details`` are what is compared, so a submitted edit is pending, not
drift. Readiness: APPROVED with no pending change (a DRAFT is ready: nothing is in review);
REJECTED is a failure reported with ``rejectionCode``; PAUSED/DISABLED are failures too.
An edit made while a version is in review waits for that review (Sinch refuses to PATCH a template
in review), then is sent: apply waits, PATCHes, and waits again.
Calls: create = 1 POST; update = 1 PATCH (none when only allow_delete_submitted changes);
delete = 1 DELETE of the language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import quote

from ...kind import CreateContext, FieldChange, Kind
from ...model import LiveObject, Readiness, copy_tree
from .client import TEMPLATE_PAGE_SIZE, SinchClient
from .wire import compact, to_camel, to_snake

_ORDER = {"HEADER": 0, "BODY": 1, "FOOTER": 2, "BUTTONS": 3, "CAROUSEL": 4}
_LOCAL = frozenset({"allow_delete_submitted"})  # a manifest decision, never sent
SUBMITTED_STATES = frozenset({"APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED"})


class WhatsappTemplate(Kind[SinchClient]):
    kind: ClassVar[str] = "sinch.whatsapp_template"
    provider: ClassVar[str] = "sinch"
    schema: ClassVar[str] = "sinch/whatsapp_template.schema.json"
    title: ClassVar[str] = "WhatsApp template"
    natural_key = ("name", "language")
    replace_on = frozenset({"name", "language"})
    # Not returned by the API: compared with what was last applied.
    write_only = frozenset({"allow_delete_submitted", "allow_category_change"})
    # Sinch refuses edits while a version is in review (a PATCH then is 400): edits made meanwhile
    # are sent once the review ends.
    deferred = frozenset({"category", "components", "message_send_ttl_seconds", "status", "allow_category_change"})
    attributes = frozenset({"id", "name", "language", "whatsapp_id"})
    review_fields = frozenset({"category", "components"})  # edits go back to Meta's review
    ready_timeout = 1800.0
    call_notes = (
        "create: 1 POST (explicit status); update: 1 PATCH (details + status); delete: 1 DELETE of the language"
    )

    # ------------------------------------------------------------ identity
    def natural_id(self, props: Mapping[str, Any]) -> str | None:
        name, language = props.get("name"), props.get("language")
        if not isinstance(name, str) or not isinstance(language, str):
            return None
        return f"{name}:{language.upper()}"

    # ------------------------------------------------------------ translation at the edge
    @staticmethod
    def to_spec(wire: Mapping[str, Any]) -> dict[str, Any]:
        pending = wire.get("changes") or {}
        details = _details(pending.get("details")) or _details(wire.get("details")) or {}
        spec: dict[str, Any] = {
            "name": wire.get("name"),
            "language": str(wire.get("language") or "").upper(),
            "category": pending.get("category") or wire.get("category"),
            "status": "DRAFT" if pending.get("status") == "DRAFT" else "SUBMIT",
        }
        if details.get("components"):
            spec["components"] = to_snake(details["components"])
        if details.get("messageSendTtlSeconds") is not None:
            spec["message_send_ttl_seconds"] = details["messageSendTtlSeconds"]
        return compact(spec)

    @staticmethod
    def to_payload(props: Mapping[str, Any], *, create: bool, category: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {"status": props.get("status") or "SUBMIT"}
        if create:
            body.update(name=props["name"], language=str(props["language"]).upper())
        if category and props.get("category"):
            body["category"] = props["category"]
        details: dict[str, Any] = {}
        if props.get("components"):
            details["components"] = to_camel(copy_tree(props["components"]))
        if props.get("message_send_ttl_seconds") is not None:
            details["messageSendTtlSeconds"] = props["message_send_ttl_seconds"]
        if details:
            body["details"] = details
        if props.get("allow_category_change") is not None:
            body["allowCategoryChange"] = bool(props["allow_category_change"])
        return body

    def normalize(self, props: Mapping[str, Any]) -> dict[str, Any]:
        out = compact(copy_tree(dict(props)))
        if isinstance(out.get("language"), str):
            out["language"] = out["language"].upper()
        out.setdefault("status", "SUBMIT")
        if isinstance(out.get("components"), list):
            out["components"] = sorted(out["components"], key=lambda c: _ORDER.get(str(c.get("type")), 9))
        return out

    def ready(self, live: LiveObject) -> Readiness:
        review = live.attributes.get("changes_status")
        state = live.attributes.get("state")
        code = live.attributes.get("rejection_code") or "no rejection code given"
        if review == "IN_PROGRESS":
            return Readiness.pending("in review at Meta (changes IN_PROGRESS)")
        if review == "REJECTED" or (not review and state == "REJECTED"):
            return Readiness.failed(f"rejected by Meta review (rejectionCode {code})")
        if review == "DRAFT" or state == "APPROVED":
            return Readiness.ready()
        if state in ("PAUSED", "DISABLED"):
            return Readiness.failed(f"{state} by Meta (quality score {live.attributes.get('quality_score') or '?'})")
        return Readiness.pending(f"in review at Meta (state {state or 'PENDING'})")

    def refusal(self, action: str, props: Mapping[str, Any], live: LiveObject | None) -> str | None:
        if live is None or not _submitted(live) or props.get("allow_delete_submitted"):
            return None
        what = f"WhatsApp template {live.id} ({live.attributes.get('state') or 'submitted'})"
        consequence = "deleting a submitted template removes it at Meta and locks its name + language for 30 days"
        if action == "replace":
            return (
                f"cannot rename {what}: a template's name and language cannot change, and replacing it means "
                f"deleting the old one — {consequence}; keep the name (edit it in place), or set "
                "allow_delete_submitted: true to accept the lock"
            )
        return (
            f"cannot delete {what}: {consequence}; put it back in the manifest with allow_delete_submitted: true "
            "and apply, then remove it — or use options.on_delete: retain to keep it unmanaged"
        )

    def plan_notes(self, props: Mapping[str, Any], action: str) -> list[str]:
        notes = []
        if action in ("create", "replace") and props.get("status", "SUBMIT") == "SUBMIT":
            notes.append("it is submitted to Meta for review; apply waits for the approval")
        if action in ("replace", "delete") and props.get("allow_delete_submitted"):
            notes.append(
                "a submitted template is deleted at Meta (deleteSubmitted=true): its name + language are locked "
                "for 30 days"
            )
        return notes

    def write_calls(self, action: str, props: Mapping[str, Any], changes: Sequence[FieldChange]) -> int:
        if action == "replace":
            return 2
        if action in ("update", "import"):
            return 1 if any(c.path.split(".")[0] not in _LOCAL for c in changes) else 0
        return 0 if action == "noop" else 1

    # ------------------------------------------------------------ verbs
    def observe(self, client: SinchClient) -> Iterable[LiveObject]:
        for wire in client.walk(
            client.provisioning, "/whatsapp/templates", "templates", TEMPLATE_PAGE_SIZE, "list WhatsApp templates"
        ):
            yield self._live(wire)

    def get(self, client: SinchClient, live: LiveObject) -> LiveObject | None:
        wire = client.get(
            client.provisioning,
            _path(live.attributes["name"], live.attributes["language"]),
            f"read WhatsApp template {live.id}",
        )
        return self._live(wire) if wire else None

    def create(self, client: SinchClient, props: Mapping[str, Any], ctx: CreateContext) -> LiveObject:
        wire = client.call(
            client.provisioning,
            "POST",
            "/whatsapp/templates",
            f"create WhatsApp template {self.natural_id(props)}",
            json=self.to_payload(props, create=True),
        )
        return self._live({"name": props["name"], "language": str(props["language"]).upper(), **(wire or {})})

    def update(
        self, client: SinchClient, live: LiveObject, props: Mapping[str, Any], changes: Sequence[FieldChange]
    ) -> LiveObject:
        if all(c.path.split(".")[0] in _LOCAL for c in changes):
            return live  # only a manifest-side decision changed: nothing to tell Sinch
        # Sinch applies a category only to drafts and INCORRECT_CATEGORY rejections: send it when it changed.
        category = any(c.path == "category" for c in changes)
        wire = client.call(
            client.provisioning,
            "PATCH",
            _path(live.attributes["name"], live.attributes["language"]),
            f"update WhatsApp template {live.id}",
            json=self.to_payload(props, create=False, category=category),
        )
        return self._live({"name": live.attributes["name"], "language": live.attributes["language"], **(wire or {})})

    def delete(self, client: SinchClient, live: LiveObject) -> None:
        # The plan refused this unless the manifest allowed deleting submitted templates.
        params = {"deleteSubmitted": "true"} if _submitted(live) else None
        client.call(
            client.provisioning,
            "DELETE",
            _path(live.attributes["name"], live.attributes["language"]),
            f"delete WhatsApp template {live.id}",
            params=params,
            missing_ok=True,
        )

    def _live(self, wire: Mapping[str, Any]) -> LiveObject:
        spec = self.to_spec(wire)
        pending = wire.get("changes") or {}
        attrs = {
            "id": f"{spec['name']}:{spec['language']}",
            "name": spec["name"],
            "language": spec["language"],
            "whatsapp_id": wire.get("whatsappId"),
            "state": wire.get("state"),
            "changes_status": pending.get("status"),
            "rejection_code": wire.get("rejectionCode"),
            "quality_score": wire.get("qualityScore"),
        }
        return LiveObject(id=attrs["id"], properties=spec, attributes=compact(attrs))


def _submitted(live: LiveObject) -> bool:
    """Meta has (or had) this template: deleting it is not just discarding a draft."""
    return live.attributes.get("state") in SUBMITTED_STATES or live.attributes.get("changes_status") in (
        "IN_PROGRESS",
        "REJECTED",
    )


def _details(value: Any) -> dict[str, Any] | None:
    """``details`` as an object; ``changes.details`` may come as a one-element list."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, Mapping)), None)
    return dict(value) if isinstance(value, Mapping) and value else None


def _path(name: str, language: str) -> str:
    return f"/whatsapp/templates/{quote(name, safe='')}/languages/{quote(language.upper(), safe='')}"
