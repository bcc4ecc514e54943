"""WhatsApp templates v2 (infobip.md §4, /whatsapp/2/senders/{sender}/templates).

Templates belong to the WhatsApp Business Account, not to one sender: the sandbox gives each account one WABA
(`businessAccountId` derived from the API key), so every sender of the account sees the same templates, (name,
language) is unique per account, and a DELETE by name removes every language "for all senders registered under the
same WABA".

State machine (sandbox clock): create -> PENDING -> after InfobipChoices.whatsapp_review_seconds APPROVED, or
REJECTED when the name contains `whatsapp_reject_marker` ("reject", case-insensitive). The admin API forces a verdict
now (POST /_sandbox/infobip/{key}/whatsapp-templates/{id}/review) or sets any status (PATCH).

Choices where the contract is silent:
- Create answers 201 with status PENDING, quality UNKNOWN. `structure.type` (read-only) is TEXT for a body-only
  structure and MEDIA otherwise (as the spec's examples show; a TEXT header counts as MEDIA); authentication templates
  carry no type. Write-only members (body.examples, header/button `example`) are not returned.
- A duplicate (name, language) -> whatsapp_duplicate_status (400 BAD_REQUEST; the spec declares no 409).
- PATCH only in APPROVED, REJECTED, FIRST_PAUSED or SECOND_PAUSED, else 400 "Only templates with an approved,
  rejected, or paused status can be edited."; a category change of an APPROVED template is 400; an APPROVED template
  takes whatsapp_edit_limit_30d edits per 30 days and whatsapp_edit_limit_24h per 24 hours (400 beyond).
  An edit of category/structure/validityPeriod/subCategory re-submits it (PENDING, reviewed again); a platform-only
  edit keeps the status. `name` and `language` cannot change.
- DELETE by name -> 204 and the templates are gone at once (no PENDING_DELETION stage). When one of them had been
  approved (whatsapp_block_only_approved; else always) the name is blocked for whatsapp_name_block_days on the sandbox
  clock: creating it again is a 400 until then.
- GET/PATCH with an id that is not a number -> 400; unknown id or name -> 404 NOT_FOUND "Not found".
- {sender} must look like an international number (400 otherwise); with whatsapp_require_registered_sender it must
  also be an owned number or a sender added through the admin API (404 otherwise).
"""

from __future__ import annotations

import hashlib
import re

from .context import Context
from .infobip_common import Checks, bad_request, json_object, legacy, legacy_time, not_found
from .infobip_data import NUMBER, WA_NAME_BLOCK, WA_SENDER, WA_TEMPLATE, InfobipData, Rec
from .infobip_service import InfobipService, account
from .router import Request, Response

BASE = "/whatsapp/2/senders/{sender}/templates"
LANGUAGES = (
    "af sq ar ar_EG ar_AE ar_LB ar_MA ar_QA az bn bn_IN bg ca zh_CN zh_HK zh_TW hr cs da nl nl_BE en "
    "en_GB en_US en_AE en_AU en_CA en_GH en_IE en_IN en_JM en_MY en_NZ en_QA en_SG en_UG en_ZA et fil fi "
    "fr fr_BE fr_CA fr_CH fr_CI fr_MA ka de de_AT de_CH el gu ha he hi hu id ga it ja kn kk rw_RW ko "
    "ky_KG lo lv lt mk ms ml mr nb fa pl pt_BR pt_PT pa ro ru sr si_LK sk sl es es_AR es_CL es_CO es_CR "
    "es_DO es_EC es_HN es_MX es_PA es_PE es_ES es_UY sw sv ta te th tr uk ur uz vi zu unknown"
).split()
CATEGORIES = ("MARKETING", "AUTHENTICATION", "UTILITY")
STATUSES = (
    "APPROVED",
    "IN_APPEAL",
    "PENDING",
    "REJECTED",
    "PENDING_DELETION",
    "DELETED",
    "REINSTATED",
    "FLAGGED",
    "FIRST_PAUSED",
    "SECOND_PAUSED",
    "DISABLED",
)
EDITABLE = ("APPROVED", "REJECTED", "FIRST_PAUSED", "SECOND_PAUSED")
HEADER_FORMATS = ("TEXT", "IMAGE", "VIDEO", "GIF", "DOCUMENT", "LOCATION")
BUTTON_TYPES = (
    "QUICK_REPLY",
    "URL",
    "PHONE_NUMBER",
    "COPY_CODE",
    "FLOW",
    "CATALOG",
    "MULTI_PRODUCT",
    "ORDER_DETAILS",
    "VOICE_CALL",
    "REQUEST_CONTACT_INFO",
)
BUTTON_LIMITS = {"URL": 2, "PHONE_NUMBER": 1, "COPY_CODE": 1, "FLOW": 1}
WIRE_ORDER = (
    "id",
    "businessAccountId",
    "name",
    "language",
    "status",
    "category",
    "subCategory",
    "structure",
    "quality",
    "platform",
    "validityPeriod",
    "createdAt",
    "lastUpdatedAt",
    "libraryTemplateName",
)
NOT_EDITABLE = "Only templates with an approved, rejected, or paused status can be edited."
DAY = 86400.0


def ordered(wire: dict) -> dict:
    out = {k: wire[k] for k in WIRE_ORDER if k in wire}
    out.update({k: v for k, v in wire.items() if k not in out})
    return out


def business_account_id(acct: str) -> int:
    return int(hashlib.sha256(f"infobip-sandbox-waba:{acct}".encode()).hexdigest()[:13], 16)


def _placeholders(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\{\{(\d+)\}\}", text)]


def _check_text_with_examples(checks: Checks, obj: dict, path: str, required: bool, max_len: int | None = None):
    text = checks.string(obj, "text", f"{path}.text", required=required, blank_ok=False, max_len=max_len)
    if text is None:
        return
    found = _placeholders(text)
    if found != list(range(1, len(found) + 1)):
        checks.add(f"{path}.text", "placeholders must be {{1}}, {{2}}, ... in order")
    examples = obj.get("examples")
    if examples is not None:
        if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
            checks.add(f"{path}.examples", "must be an array of strings")
        elif len(examples) != len(found):
            checks.add(f"{path}.examples", "the number of examples must match the number of placeholders")


def check_structure(checks: Checks, structure, category: str | None) -> None:
    if structure is None:
        checks.add("structure", "must not be null")
        return
    if not isinstance(structure, dict):
        checks.add("structure", "must be an object")
        return
    if category == "AUTHENTICATION":
        body = checks.obj(structure, "body", "structure.body", required=True)
        if body is not None:
            checks.boolean(body, "addSecurityRecommendation", "structure.body.addSecurityRecommendation")
        footer = checks.obj(structure, "footer", "structure.footer", required=True)
        if footer is not None:
            checks.integer(footer, "codeExpirationMinutes", "structure.footer.codeExpirationMinutes", lo=1, hi=90)
        buttons = checks.array(structure, "buttons", "structure.buttons", required=True)
        if buttons is not None:
            if len(buttons) != 1 or not isinstance(buttons[0], dict):
                checks.add("structure.buttons", "must contain exactly one button")
            else:
                otp = checks.enum(buttons[0], "otpType", ("COPY_CODE", "ONE_TAP"), "structure.buttons[0].otpType", True)
                checks.string(buttons[0], "text", "structure.buttons[0].text", max_len=25)
                if otp == "ONE_TAP":
                    checks.string(buttons[0], "packageName", "structure.buttons[0].packageName", required=True)
                    checks.string(
                        buttons[0],
                        "signatureHash",
                        "structure.buttons[0].signatureHash",
                        required=True,
                        min_len=11,
                        max_len=11,
                    )
        return
    body = checks.obj(structure, "body", "structure.body", required=True)
    if body is not None:
        _check_text_with_examples(checks, body, "structure.body", required=True)
    header = checks.obj(structure, "header", "structure.header")
    if header is not None:
        fmt = checks.enum(header, "format", HEADER_FORMATS, "structure.header.format", required=True)
        if fmt == "TEXT":
            text = checks.string(header, "text", "structure.header.text", required=True, blank_ok=False, max_len=60)
            if text is not None and len(_placeholders(text)) > 1:
                checks.add("structure.header.text", "must contain at most one placeholder")
    footer = checks.obj(structure, "footer", "structure.footer")
    if footer is not None:
        checks.string(footer, "text", "structure.footer.text", required=True, max_len=60)
    buttons = checks.array(structure, "buttons", "structure.buttons")
    if buttons is not None:
        _check_buttons(checks, buttons, "structure.buttons", 1, 10)
    carousel = checks.obj(structure, "carousel", "structure.carousel")
    if carousel is not None:
        cards = checks.array(carousel, "cards", "structure.carousel.cards", required=True)
        if cards is not None and not 1 <= len(cards) <= 10:
            checks.add("structure.carousel.cards", "size must be between 1 and 10")
    offer = checks.obj(structure, "limitedTimeOffer", "structure.limitedTimeOffer")
    if offer is not None:
        checks.string(offer, "text", "structure.limitedTimeOffer.text", required=True, min_len=1, max_len=16)


def _check_buttons(checks: Checks, buttons: list, path: str, lo: int, hi: int) -> None:
    if not lo <= len(buttons) <= hi:
        checks.add(path, f"size must be between {lo} and {hi}")
        return
    counts: dict[str, int] = {}
    for i, button in enumerate(buttons):
        p = f"{path}[{i}]"
        if not isinstance(button, dict):
            checks.add(p, "must be an object")
            continue
        kind = checks.enum(button, "type", BUTTON_TYPES, f"{p}.type", required=True)
        if kind is None:
            continue
        counts[kind] = counts.get(kind, 0) + 1
        if kind in ("QUICK_REPLY", "URL", "PHONE_NUMBER", "FLOW", "VOICE_CALL"):
            checks.string(button, "text", f"{p}.text", required=True, blank_ok=False, max_len=25)
        if kind == "URL":
            checks.string(button, "url", f"{p}.url", required=True, blank_ok=False)
        elif kind == "PHONE_NUMBER":
            checks.string(button, "phoneNumber", f"{p}.phoneNumber", required=True, blank_ok=False)
        elif kind == "COPY_CODE":
            checks.string(button, "example", f"{p}.example", min_len=1, max_len=15)
        elif kind == "FLOW":
            checks.integer(button, "flowId", f"{p}.flowId", required=True)
            checks.enum(button, "flowAction", ("NAVIGATE", "DATA_EXCHANGE"), f"{p}.flowAction", required=True)
    for kind, limit in BUTTON_LIMITS.items():
        if counts.get(kind, 0) > limit:
            checks.add(path, f"at most {limit} {kind} button(s)")
    kinds = [b.get("type") for b in buttons if isinstance(b, dict)]
    quick = [k == "QUICK_REPLY" for k in kinds]
    if True in quick and False in quick:
        first, last = quick.index(True), len(quick) - 1 - quick[::-1].index(True)
        if not all(quick[first : last + 1]):
            checks.add(path, "quick reply and other buttons have to be grouped together")


def _strip_write_only(value):
    """The structure as returned: without body.examples and header/button `example`."""
    if isinstance(value, list):
        return [_strip_write_only(v) for v in value]
    if isinstance(value, dict):
        return {k: _strip_write_only(v) for k, v in value.items() if k not in ("examples", "example")}
    return value


def render_structure(structure: dict, category: str) -> dict:
    out = _strip_write_only(structure)
    out.pop("type", None)
    if category != "AUTHENTICATION":
        out["type"] = "TEXT" if set(out) == {"body"} else "MEDIA"
    return out


def check_validity(checks: Checks, body: dict) -> dict | None:
    period = checks.obj(body, "validityPeriod")
    if period is None:
        return None
    amount = checks.integer(period, "amount", "validityPeriod.amount", required=True)
    unit = checks.enum(period, "timeUnit", ("SECONDS", "MINUTES"), "validityPeriod.timeUnit") or "MINUTES"
    if amount is not None and amount != -1:
        seconds = amount * (60 if unit == "MINUTES" else 1)
        if not 30 <= seconds <= 900:
            checks.add("validityPeriod", "must be between 30 seconds and 15 minutes (or -1)")
    return {"amount": amount, "timeUnit": unit}


class WhatsAppModel:
    def __init__(self, ctx: Context, data: InfobipData) -> None:
        self.ctx = ctx
        self.data = data
        self.choices = ctx.config.infobip
        data.settlers[WA_TEMPLATE] = self.settle
        data.settlers[WA_NAME_BLOCK] = lambda rec, now: None  # the block has ended

    def submit(self, rec: Rec, now: float) -> None:
        marker = self.choices.whatsapp_reject_marker
        rejected = bool(marker) and marker.lower() in rec.wire["name"].lower()
        due = now + self.choices.whatsapp_review_seconds
        rec.wire["status"] = "PENDING"
        rec.internal["review"] = {"due": due, "outcome": "REJECTED" if rejected else "APPROVED"}
        rec.due = due

    def decide(self, rec: Rec, outcome: str, reason: str | None, at: float) -> None:
        rec.wire["status"] = outcome
        rec.wire["lastUpdatedAt"] = legacy_time(at)
        if outcome == "APPROVED":
            rec.internal["ever_approved"] = True
            rec.internal.pop("reason", None)
        else:
            rec.internal["reason"] = reason or "INVALID_FORMAT"
        rec.internal.pop("review", None)
        rec.due = None

    def settle(self, rec: Rec, now: float) -> Rec:
        review = rec.internal.get("review")
        if review and now >= review["due"]:
            self.decide(rec, review["outcome"], None, review["due"])
        rec.due = (rec.internal.get("review") or {}).get("due")
        return rec

    def block(self, acct: str, name: str, now: float) -> None:
        until = now + self.choices.whatsapp_name_block_days * DAY
        wire = {"name": name, "deletedAt": legacy_time(now), "blockedUntil": legacy_time(until)}
        rec = Rec(acct, WA_NAME_BLOCK, name, wire, {"until": until}, until)
        if not self.data.insert(rec):
            self.data.save(rec)

    def new(self, acct: str, fields: dict, now: float, template_id: str | None = None) -> Rec:
        template_id = template_id or str(self.data.next_seq("wa_template", 1_000_000_000_000_000))
        stamp = legacy_time(now)
        wire = {
            "id": template_id,
            "businessAccountId": business_account_id(acct),
            **fields,
            "quality": "UNKNOWN",
            "createdAt": stamp,
            "lastUpdatedAt": stamp,
        }
        return Rec(acct, WA_TEMPLATE, template_id, ordered(wire), {"edits": []})


def register(service: InfobipService, ctx: Context, data: InfobipData, model: WhatsAppModel) -> None:
    choices = ctx.config.infobip

    def sender(req: Request) -> str:
        raw = req.params["sender"]
        if not re.fullmatch(r"\+?\d{6,15}", raw):
            raise bad_request("Bad request", {"sender": ["Must be in international format."]})
        number = raw.lstrip("+")
        if choices.whatsapp_require_registered_sender:
            acct = account(req)
            owned = any(r.wire.get("number") == number for r in data.list(acct, NUMBER))
            if not owned and data.get(acct, WA_SENDER, number) is None:
                raise not_found()
        return number

    def find(req: Request) -> Rec:
        sender(req)
        template_id = req.params["id"]
        if not template_id.isdigit():
            raise bad_request("Bad request", {"id": ["Must be a number."]})
        rec = data.get(account(req), WA_TEMPLATE, template_id)
        if rec is None:
            raise not_found()
        return rec

    def list_templates(req: Request) -> Response:
        sender(req)
        return Response.json(200, {"templates": [r.wire for r in data.list(account(req), WA_TEMPLATE)]})

    def create(req: Request) -> Response:
        sender(req)
        acct = account(req)
        body = json_object(req)
        checks = Checks()
        name = checks.string(body, "name", required=True, pattern="[a-z0-9_]{1,512}")
        language = checks.enum(body, "language", LANGUAGES, required=True)
        category = checks.enum(body, "category", CATEGORIES, required=True)
        check_structure(checks, body.get("structure"), category)
        platform = checks.platform(body)
        sub = checks.enum(body, "subCategory", ("ORDER_STATUS",))
        if sub is not None and category != "UTILITY":
            checks.add("subCategory", "ORDER_STATUS can be used only with the UTILITY category")
        validity = check_validity(checks, body)
        if validity is not None and category != "AUTHENTICATION":
            checks.add("validityPeriod", "only AUTHENTICATION templates have a validity period")
        checks.fail()
        assert name is not None and category is not None
        now = ctx.clock.now()
        with data.store.transaction():
            blocked = data.get(acct, WA_NAME_BLOCK, name)
            if blocked is not None:
                raise bad_request(
                    f"Template name {name} was deleted and cannot be reused until {blocked.wire['blockedUntil']}."
                )
            for other in data.list(acct, WA_TEMPLATE):
                if other.wire["name"] == name and other.wire["language"] == language:
                    status = choices.whatsapp_duplicate_status
                    message_id = "BAD_REQUEST" if status == 400 else "CONFLICT"
                    raise legacy(status, message_id, f"Template {name} already exists for language {language}.")
            fields = {
                "name": name,
                "language": language,
                "status": "PENDING",
                "category": category,
                "structure": render_structure(body["structure"], category),
            }
            if sub is not None:
                fields["subCategory"] = sub
            if platform:
                fields["platform"] = platform
            if validity is not None:
                fields["validityPeriod"] = validity
            rec = model.new(acct, fields, now)
            model.submit(rec, now)
            data.insert(rec)
        return Response.json(201, rec.wire)

    def get(req: Request) -> Response:
        return Response.json(200, find(req).wire)

    def edit(req: Request) -> Response:
        body = json_object(req)
        now = ctx.clock.now()
        with data.store.transaction():
            rec = find(req)
            wire = rec.wire
            status = wire["status"]
            if status not in EDITABLE:
                raise bad_request(NOT_EDITABLE)
            checks = Checks()
            category = checks.enum(body, "category", CATEGORIES)
            platform = checks.platform(body)
            sub = checks.enum(body, "subCategory", ("ORDER_STATUS",))
            validity = check_validity(checks, body)
            target_category = category or wire["category"]
            if "structure" in body:
                check_structure(checks, body["structure"], target_category)
            unknown = [
                k for k in body if k not in ("category", "structure", "validityPeriod", "platform", "subCategory")
            ]
            for k in unknown:
                checks.add(k, "cannot be edited")
            if not body:
                checks.add("body", "nothing to edit")
            checks.fail()
            if status == "APPROVED" and category is not None and category != wire["category"]:
                raise bad_request("Category of an approved template cannot be edited.")
            resubmit = any(k in body for k in ("category", "structure", "validityPeriod", "subCategory"))
            edits = [t for t in rec.internal.get("edits", []) if t > now - 30 * DAY]
            if status == "APPROVED" and resubmit:
                if len(edits) >= choices.whatsapp_edit_limit_30d or (
                    len([t for t in edits if t > now - DAY]) >= choices.whatsapp_edit_limit_24h
                ):
                    raise bad_request(
                        "Approved templates can be edited up to "
                        f"{choices.whatsapp_edit_limit_30d} times in a 30-day window, "
                        f"or {choices.whatsapp_edit_limit_24h} time in a 24-hour window."
                    )
                edits.append(now)
            rec.internal["edits"] = edits
            if category is not None:
                wire["category"] = category
            if "structure" in body:
                wire["structure"] = render_structure(body["structure"], target_category)
            if platform is not None:
                wire["platform"] = platform
            if sub is not None:
                wire["subCategory"] = sub
            if validity is not None:
                wire["validityPeriod"] = validity
            wire["lastUpdatedAt"] = legacy_time(now)
            if resubmit:
                model.submit(rec, now)
            rec.wire = ordered(wire)
            data.save(rec)
        return Response.json(200, rec.wire)

    def delete(req: Request) -> Response:
        sender(req)
        acct = account(req)
        name = req.params["id"]  # the same path segment is the name for DELETE
        if not re.fullmatch(r"[a-z0-9_]{1,512}", name):
            raise bad_request("Bad request", {"templateName": ['must match "^[a-z0-9_]{1,512}$"']})
        now = ctx.clock.now()
        with data.store.transaction():
            recs = [r for r in data.list(acct, WA_TEMPLATE) if r.wire["name"] == name]
            if not recs:
                raise not_found()
            approved = False
            for rec in recs:
                approved = approved or bool(rec.internal.get("ever_approved"))
                data.delete(acct, WA_TEMPLATE, rec.id)
            if approved or not choices.whatsapp_block_only_approved:
                model.block(acct, name, now)
        return Response.empty(204)

    service.add("GET", BASE, "get-whatsapp-templates", list_templates)
    service.add("POST", BASE, "create-whatsapp-template", create)
    service.add("GET", BASE + "/{id}", "get-whatsapp-template", get)
    service.add("PATCH", BASE + "/{id}", "edit-whatsapp-template", edit)
    service.add("DELETE", BASE + "/{id}", "delete-whatsapp-template", delete)
