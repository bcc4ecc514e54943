"""WhatsApp templates (Provisioning API, sinch.md §2.6): project-level, keyed by (name, language).

State model (two axes, as the DTO has them):
- `changes` = the pending edit {status DRAFT|IN_PROGRESS|REJECTED, allowCategoryChange, details}; absent once
  Meta approved and applied it. `state` = Meta's state of the live version (absent until first submitted).
- create/PATCH with status DRAFT: changes.status DRAFT; the live `details` (if any) stay at the top level.
- SUBMIT: changes.status IN_PROGRESS (+ state PENDING if never approved); after template_review_seconds Meta
  decides: approved -> `changes` cleared, state APPROVED, whatsappId set, details = the submitted details;
  rejected -> changes.status REJECTED, rejectionCode (+ state REJECTED if never approved).
- Rejection rule: any BODY text containing template_reject_marker, or a name starting with
  template_reject_name_prefix. Admin POST .../templates/{name}/{lang}/review forces a verdict.

Choices where the contract is silent:
- Create status default: SinchChoices.template_create_status_default (DRAFT). Create answers 201.
- name must match ^[a-z0-9_]+$ (Meta's rule, <= 512 chars); language codes in paths are case-insensitive.
- details are required and fully checked (BODY present, one component per type, TTL range) for SUBMIT; a draft
  may omit details or lack a BODY. saveDraftOnFailure=true turns a failing SUBMIT into a saved draft.
- (name, language) already present: 409 template_exists. During the lock after deleting an approved (or paused /
  disabled) template: 409 template_name_locked with additionalInformation.lockedUntil.
- PATCH while changes.status is IN_PROGRESS: 400 invalid_state. `category` is silently ignored unless the
  template was never submitted or was rejected with INCORRECT_CATEGORY.
- DELETE language with deleteSubmitted=false: a never-submitted template is deleted; a submitted one with a
  DRAFT change loses only that draft; otherwise 400 template_submitted. Deletes answer 204.
- List: alphabetical by name then language; `templateName` filters by substring; fieldMask keeps name and
  language plus the listed fields. GET /templates/{name} with no language of that name: 404.
"""

from __future__ import annotations

import secrets

from .context import Context
from .router import Request, Response
from .sinch_common import PapiError, query_list
from .sinch_data import TEMPLATE, TOMBSTONE, Rec, SinchData
from .sinch_papi import Checks, body_object, bool_query, invalid_state, not_found, page

BASE = "/v1/projects/{project}/whatsapp/templates"
LANGUAGES = (
    "AF AR AZ BG BN CA CS DA DE EL EN EN_GB EN_US ES ES_AR ES_ES ES_MX ES_UY ET FA FI FIL FR GA GU HA HE HI HR HU ID "
    "IT JA KA KK KN KO KY_KG LO LT LV MK ML MR MS NB NL PA PL PT_BR PT_PT RO RU RW_RW SK SL SQ SR SV SW TA TE TH TR UK "
    "UR UZ VI ZH_CN ZH_HK ZH_TW ZU"
).split()
CATEGORIES = ("AUTHENTICATION", "MARKETING", "UTILITY")
COMPONENT_TYPES = ("HEADER", "BODY", "FOOTER", "BUTTONS", "CAROUSEL")
HEADER_FORMATS = ("LOCATION", "TEXT", "DOCUMENT", "IMAGE", "VIDEO")
BUTTON_TYPES = ("FLOW", "OTP", "PHONE_NUMBER", "QUICK_REPLY", "REQUEST_CONTACT_INFO", "URL")
TTL_RANGES = {"AUTHENTICATION": (10, 900), "MARKETING": (43200, 2592000), "UTILITY": (30, 43200)}
STATES = ("APPROVED", "DISABLED", "PAUSED", "PENDING", "REJECTED")
STATUSES = ("DRAFT", "IN_PROGRESS", "REJECTED")
REJECTION_CODES = ("ABUSIVE_CONTENT", "INCORRECT_CATEGORY", "INVALID_FORMAT", "NONE", "SCAM")
FIELD_MASK = (
    "whatsappId",
    "state",
    "name",
    "language",
    "category",
    "rejectionCode",
    "qualityScore",
    "changes",
    "changes.status",
    "changes.allowCategoryChange",
)
WIRE_ORDER = (
    "name",
    "language",
    "category",
    "isMetaGenerated",
    "whatsappId",
    "state",
    "rejectionCode",
    "qualityScore",
    "changes",
    "details",
)
LIVE_STATES = ("APPROVED", "PAUSED", "DISABLED")  # Meta holds a live version: deleting it locks the name


def ordered(wire: dict) -> dict:
    out = {k: wire[k] for k in WIRE_ORDER if k in wire}
    out.update({k: v for k, v in wire.items() if k not in out})
    return out


def key(name: str, language: str) -> str:
    return f"{name}/{language}"


def check_details(checks: Checks, details, category: str | None, complete: bool) -> None:
    if details is None:
        if complete:
            checks.add("details should not be empty")
        return
    if not isinstance(details, dict):
        checks.add("nested property details must be either object or array")
        return
    for k in details:
        if k not in ("components", "messageSendTtlSeconds"):
            checks.add(f"property details.{k} should not exist")
    ttl = TTL_RANGES.get(category or "")
    checks.integer(details, "messageSendTtlSeconds", *(ttl or (None, None)), path="details.messageSendTtlSeconds")
    components = details.get("components")
    if components is None:
        if complete:
            checks.add("details.components should not be empty")
        return
    if not isinstance(components, list):
        checks.add("details.components must be an array")
        return
    seen: list[str] = []
    for i, comp in enumerate(components):
        path = f"details.components.{i}"
        if not isinstance(comp, dict):
            checks.add(f"nested property {path} must be either object or array")
            continue
        kind = checks.enum(comp, "type", COMPONENT_TYPES, path=f"{path}.type")
        if kind is None:
            continue
        seen.append(kind)
        if kind == "HEADER":
            fmt = checks.enum(comp, "format", HEADER_FORMATS, path=f"{path}.format")
            if fmt == "TEXT":
                checks.string(comp, "text", path=f"{path}.text")
        elif kind == "BODY":
            if category != "AUTHENTICATION":  # authentication bodies are generated by Meta
                checks.string(comp, "text", path=f"{path}.text")
        elif kind == "FOOTER":
            checks.string(comp, "text", required=False, path=f"{path}.text")
        elif kind == "BUTTONS":
            buttons = comp.get("buttons")
            if not isinstance(buttons, list) or not buttons:
                checks.add(f"{path}.buttons should not be empty")
            else:
                for j, button in enumerate(buttons):
                    if not isinstance(button, dict):
                        checks.add(f"nested property {path}.buttons.{j} must be either object or array")
                    else:
                        checks.enum(button, "type", BUTTON_TYPES, path=f"{path}.buttons.{j}.type")
        elif kind == "CAROUSEL":
            if not isinstance(comp.get("cards"), list) or not comp["cards"]:
                checks.add(f"{path}.cards should not be empty")
    if len(set(seen)) != len(seen):
        checks.add("details.components can only have one entry of each type")
    if complete and "BODY" not in seen:
        checks.add("details.components must contain a BODY component")


def _texts(details: dict | None) -> list[str]:
    """Every BODY text, carousel cards included."""
    out = []
    stack = list((details or {}).get("components") or [])
    while stack:
        comp = stack.pop()
        if not isinstance(comp, dict):
            continue
        if comp.get("type") == "BODY" and isinstance(comp.get("text"), str):
            out.append(comp["text"])
        for card in comp.get("cards") or []:
            if isinstance(card, dict):
                stack.extend(card.get("components") or [])
    return out


class TemplatesModel:
    def __init__(self, ctx: Context, data: SinchData) -> None:
        self.ctx = ctx
        self.data = data
        self.choices = ctx.config.sinch
        data.settlers[TEMPLATE] = self.settle
        data.settlers[TOMBSTONE] = lambda rec, now: None  # the lock has ended

    def submit(self, rec: Rec, now: float) -> None:
        wire = rec.wire
        changes = wire["changes"]
        changes["status"] = "IN_PROGRESS"
        if "whatsappId" not in wire:
            wire["state"] = "PENDING"
        wire.pop("rejectionCode", None)
        prefix = self.choices.template_reject_name_prefix
        rejected = bool(prefix) and wire["name"].startswith(prefix)
        marker = self.choices.template_reject_marker
        if marker and any(marker in text for text in _texts(changes.get("details"))):
            rejected = True
        due = now + self.choices.template_review_seconds
        rec.internal["review"] = {
            "due": due,
            "outcome": "REJECTED" if rejected else "APPROVED",
            "rejection_code": self.choices.template_rejection_code,
        }
        rec.due = due
        rec.wire = ordered(wire)

    def decide(self, rec: Rec, outcome: str, rejection_code: str) -> None:
        wire = rec.wire
        changes = wire.get("changes") or {}
        if outcome == "APPROVED":
            wire["details"] = changes.get("details") or wire.get("details") or {}
            wire.pop("changes", None)
            wire.pop("rejectionCode", None)
            wire["state"] = "APPROVED"
            wire.setdefault("whatsappId", str(10**15 + secrets.randbelow(9 * 10**15)))
            wire.setdefault("qualityScore", "QUALITY_SCORE_UNKNOWN")
        else:
            changes["status"] = "REJECTED"
            wire["changes"] = changes
            wire["rejectionCode"] = rejection_code
            if "whatsappId" not in wire:
                wire["state"] = "REJECTED"
        rec.internal.pop("review", None)
        rec.due = None
        rec.wire = ordered(wire)

    def settle(self, rec: Rec, now: float) -> Rec:
        review = rec.internal.get("review")
        if review and now >= review["due"]:
            self.decide(rec, review["outcome"], review["rejection_code"])
        rec.due = (rec.internal.get("review") or {}).get("due")
        return rec

    def lock(self, rec: Rec, now: float) -> None:
        """Tombstone for a deleted template Meta had approved."""
        if rec.wire.get("state") not in LIVE_STATES:
            return
        until = now + self.choices.template_tombstone_days * 86400
        wire = {
            "name": rec.wire["name"],
            "language": rec.wire["language"],
            "deletedAt": self.ctx.clock.iso(now),
            "lockedUntil": self.ctx.clock.iso(until),
        }
        tomb = Rec(rec.project, TOMBSTONE, rec.id, wire, {}, until)
        if not self.data.insert(tomb):
            self.data.save(tomb)


def register(service, ctx: Context, data: SinchData, model: TemplatesModel) -> None:
    choices = ctx.config.sinch
    r = service.router

    def language(req: Request) -> str:
        return req.params["lang"].upper()

    def template(req: Request) -> Rec:
        name, lang = req.params["name"], language(req)
        rec = data.get(req.params["project"], TEMPLATE, key(name, lang))
        if rec is None:
            raise not_found("Template", {"templateName": name, "languageCode": lang})
        return rec

    def listing(req: Request, recs: list[Rec]) -> dict:
        states = query_list(req, "filterStates")
        statuses = query_list(req, "filterStatuses")
        checks = Checks()
        checks.enum_list({"filterStates": states}, "filterStates", STATES, required=False, unique=False)
        checks.enum_list({"filterStatuses": statuses}, "filterStatuses", STATUSES, required=False, unique=False)
        mask = query_list(req, "fieldMask")
        checks.enum_list({"fieldMask": mask}, "fieldMask", FIELD_MASK, required=False, unique=False)
        checks.raise_if_any()
        wanted_name = req.arg("templateName")
        items = []
        for rec in sorted(recs, key=lambda x: (x.wire["name"], x.wire["language"])):
            wire = rec.wire
            if states and wire.get("state") not in states:
                continue
            if statuses and (wire.get("changes") or {}).get("status") not in statuses:
                continue
            if wanted_name and wanted_name not in wire["name"]:
                continue
            items.append(_project(wire, mask) if mask else wire)
        return page(req, items, "templates", "whatsapp-templates", 1, 1000, 50)

    def list_templates(req: Request) -> Response:
        return Response.json(200, listing(req, data.list(req.params["project"], TEMPLATE)))

    def list_by_name(req: Request) -> Response:
        name = req.params["name"]
        recs = [x for x in data.list(req.params["project"], TEMPLATE) if x.wire["name"] == name]
        if not recs:
            raise not_found("Template", {"templateName": name})
        return Response.json(200, listing(req, recs))

    def create(req: Request) -> Response:
        body = body_object(
            req, ("name", "language", "category", "details", "status", "saveDraftOnFailure", "allowCategoryChange")
        )
        checks = Checks()
        name = checks.string(body, "name", max_len=512, pattern="[a-z0-9_]+")
        lang = checks.enum(body, "language", tuple(LANGUAGES))
        category = checks.enum(body, "category", CATEGORIES)
        status = (
            checks.enum(body, "status", ("DRAFT", "SUBMIT"), required=False) or choices.template_create_status_default
        )
        checks.boolean(body, "saveDraftOnFailure")
        allow = checks.boolean(body, "allowCategoryChange")
        if checks.errors:
            checks.raise_if_any()
        details = body.get("details")
        if status == "SUBMIT":
            full = Checks()
            check_details(full, details, category, complete=True)
            if full.errors and body.get("saveDraftOnFailure"):
                status = "DRAFT"
            else:
                full.raise_if_any()
        check_details(checks, details, category, complete=False)
        checks.raise_if_any()
        project, now = req.params["project"], ctx.clock.now()
        with data.store.transaction():
            tomb = data.get(project, TOMBSTONE, key(name, lang))
            if tomb is not None:
                raise PapiError(
                    409,
                    "template_name_locked",
                    "A template with this name and language was deleted recently and cannot be created yet.",
                    "Use another name, or wait until the lock ends.",
                    {"templateName": name, "languageCode": lang, "lockedUntil": tomb.wire["lockedUntil"]},
                )
            if data.get(project, TEMPLATE, key(name, lang)) is not None:
                raise PapiError(
                    409,
                    "template_exists",
                    "Template with the provided name and language already exists.",
                    "Update the existing template, or change the name or language and submit again.",
                    {"templateName": name, "languageCode": lang},
                )
            changes: dict = {"status": "DRAFT", "allowCategoryChange": bool(allow)}
            if details is not None:
                changes["details"] = details
            wire = ordered(
                {"name": name, "language": lang, "category": category, "isMetaGenerated": False, "changes": changes}
            )
            rec = Rec(project, TEMPLATE, key(name, lang), wire)
            if status == "SUBMIT":
                model.submit(rec, now)
            data.insert(rec)
        return Response.json(201, rec.wire)

    def get(req: Request) -> Response:
        return Response.json(200, template(req).wire)

    def update(req: Request) -> Response:
        body = body_object(req, ("status", "category", "allowCategoryChange", "details"))
        checks = Checks()
        status = checks.enum(body, "status", ("DRAFT", "SUBMIT"), required=False) or "DRAFT"
        category = checks.enum(body, "category", CATEGORIES, required=False)
        allow = checks.boolean(body, "allowCategoryChange")
        checks.raise_if_any()
        now = ctx.clock.now()
        with data.store.transaction():
            rec = template(req)
            wire = rec.wire
            pending = wire.get("changes") or {}
            if pending.get("status") == "IN_PROGRESS":
                raise invalid_state(
                    "Template is under review.",
                    "Wait until Meta has reviewed the template, then update it.",
                    {"templateName": wire["name"], "languageCode": wire["language"]},
                )
            # Only a never-submitted template, or one Meta rejected for its category, may change category.
            if category and ("state" not in wire or wire.get("rejectionCode") == "INCORRECT_CATEGORY"):
                wire["category"] = category
            details = body["details"] if "details" in body else pending.get("details", wire.get("details"))
            full = Checks()
            check_details(full, details, wire["category"], complete=status == "SUBMIT")
            full.raise_if_any()
            changes: dict = {
                "status": "DRAFT",
                "allowCategoryChange": pending.get("allowCategoryChange", False) if allow is None else allow,
            }
            if details is not None:
                changes["details"] = details
            wire["changes"] = changes
            rec.wire = ordered(wire)
            if status == "SUBMIT":
                model.submit(rec, now)
            data.save(rec)
        return Response.json(200, rec.wire)

    def delete_language(req: Request) -> Response:
        delete_submitted = bool_query(req, "deleteSubmitted")
        now = ctx.clock.now()
        with data.store.transaction():
            rec = template(req)
            wire = rec.wire
            if "state" in wire and not delete_submitted:
                if (wire.get("changes") or {}).get("status") == "DRAFT":
                    wire.pop("changes")  # "by default only the draft is removed"
                    data.save(rec)
                    return Response.empty(204)
                raise PapiError(
                    400,
                    "template_submitted",
                    "Template has been submitted.",
                    "Set deleteSubmitted=true to delete a submitted template.",
                    {"templateName": wire["name"], "languageCode": wire["language"]},
                )
            data.delete(rec.project, TEMPLATE, rec.id)
            model.lock(rec, now)
        return Response.empty(204)

    def delete_name(req: Request) -> Response:
        name = req.params["name"]
        now = ctx.clock.now()
        with data.store.transaction():
            recs = [x for x in data.list(req.params["project"], TEMPLATE) if x.wire["name"] == name]
            if not recs:
                raise not_found("Template", {"templateName": name})
            for rec in recs:
                data.delete(rec.project, TEMPLATE, rec.id)
                model.lock(rec, now)
        return Response.empty(204)

    r.add("GET", BASE, list_templates)
    r.add("POST", BASE, create)
    r.add("GET", BASE + "/{name}", list_by_name)
    r.add("DELETE", BASE + "/{name}", delete_name)
    r.add("GET", BASE + "/{name}/languages/{lang}", get)
    r.add("PATCH", BASE + "/{name}/languages/{lang}", update)
    r.add("DELETE", BASE + "/{name}/languages/{lang}", delete_language)


def _project(wire: dict, mask: list[str]) -> dict:
    out = {"name": wire["name"], "language": wire["language"]}
    for item in mask:
        top, _, sub = item.partition(".")
        if top not in wire:
            continue
        if sub:
            if isinstance(wire[top], dict) and sub in wire[top]:
                out.setdefault(top, {})[sub] = wire[top][sub]
        else:
            out[top] = wire[top]
    return ordered(out)


def admin_review(ctx: Context, data: SinchData, model: TemplatesModel, rec: Rec, outcome: str, code: str | None) -> Rec:
    """Admin: Meta's verdict now, whatever the scheduled one."""
    if outcome not in ("APPROVED", "REJECTED"):
        raise ValueError("outcome must be APPROVED or REJECTED")
    if code is not None and code not in REJECTION_CODES:
        raise ValueError(f"rejection_code must be one of {', '.join(REJECTION_CODES)}")
    if (rec.wire.get("changes") or {}).get("status") != "IN_PROGRESS":
        raise LookupError("the template is not under review")
    model.decide(rec, outcome, code or ctx.config.sinch.template_rejection_code)
    data.save(rec)
    return rec
