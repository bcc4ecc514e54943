"""RCS senders (infobip.md §5.2, infobip-rcs-openapi.json). Errors are ApiError bodies (E400 with violations, E404,
E409). There is no DELETE.

State machine (sandbox clock): create or PUT -> 202 {senderName, senderStatus: PENDING}; after
InfobipChoices.rcs_processing_seconds the sender is READY_FOR_TESTING (and gets its googleAgentId). Launching
(PENDING_LAUNCH -> LAUNCHED_IN_PROGRESS -> LAUNCHED) is driven by an RCS_SENDER_LAUNCH resource request
(infobip_resources) or the admin API (POST /_sandbox/infobip/{key}/rcs-senders/{name}/status).

Choices where the contract is silent:
- senderName is unique across all accounts ("within Infobip platform"): a taken name is 409 E409 with a violation on
  senderName. An account holds at most rcs_max_senders (10) senders: one more is 400 E400.
- At least one of phones/emails/websites is required and each list takes at most one entry ("currently one entry").
- PUT (EditRcsSenderApiRequest: billingCategory*, useCase*, displayName*, description*, color*, bannerUrl*, logoUrl*,
  privacy*, termsOfService*, phones/emails/websites, platform) replaces those members; senderName, brand and
  hostingRegion stay. Once the sender is locked (PENDING_LAUNCH, LAUNCHED_IN_PROGRESS, LAUNCHED,
  LAUNCHED_PARTIAL_SUCCESS) PUT is 409 E409. Otherwise the sender goes back to PENDING, then READY_FOR_TESTING.
- PATCH .../platform-parameters {platform*} is allowed in any state and answers 202 with the current status.
- GET list: `page` (default 0), `size` 1..100 (default 20), `sort` = updatedAt|senderName[,asc|desc] (default
  updatedAt,desc); items are RcsSenderBaseData (no contacts, privacy, terms or platform).
- GET .../launch-status -> {event: RCS_SENDER_LAUNCH_STATUS_UPDATE, senderName, senderStatus, coverage, updatedAt,
  platform?}; coverage is [] until a launch request fills it.
"""

from __future__ import annotations

import hashlib

from .context import Context
from .infobip_common import API_ERROR, Checks, api_error, json_object, legacy_time, page_info, violation
from .infobip_data import RCS_SENDER, InfobipData, Rec
from .infobip_service import InfobipService, account
from .router import Request, Response

BASE = "/rcs/1/senders"
STATUSES = (
    "DRAFT",
    "PENDING",
    "READY_FOR_TESTING",
    "PENDING_LAUNCH",
    "SENDER_UPDATE_REQUIRED",
    "LAUNCHED_IN_PROGRESS",
    "LAUNCHED_PARTIAL_SUCCESS",
    "LAUNCHED",
)
LOCKED = ("PENDING_LAUNCH", "LAUNCHED_IN_PROGRESS", "LAUNCHED", "LAUNCHED_PARTIAL_SUCCESS")
BILLING = ("CONVERSATIONAL", "NON_CONVERSATIONAL")
USE_CASES = ("OTP", "TRANSACTIONAL", "PROMOTIONAL", "MULTI_USE")
REGIONS = ("NORTH_AMERICA", "EUROPE", "ASIA_PACIFIC")
WIRE_ORDER = (
    "senderName",
    "senderStatus",
    "billingCategory",
    "useCase",
    "hostingRegion",
    "brand",
    "googleAgentId",
    "displayName",
    "description",
    "color",
    "phones",
    "emails",
    "websites",
    "bannerUrl",
    "logoUrl",
    "privacy",
    "termsOfService",
    "platform",
    "updatedAt",
)
BASE_DATA = (
    "senderName",
    "senderStatus",
    "billingCategory",
    "useCase",
    "hostingRegion",
    "brand",
    "googleAgentId",
    "displayName",
    "description",
    "color",
    "bannerUrl",
    "logoUrl",
    "updatedAt",
)
EDITABLE = (
    "billingCategory",
    "useCase",
    "displayName",
    "description",
    "color",
    "phones",
    "emails",
    "websites",
    "bannerUrl",
    "logoUrl",
    "privacy",
    "termsOfService",
    "platform",
)


def ordered(wire: dict) -> dict:
    out = {k: wire[k] for k in WIRE_ORDER if k in wire}
    out.update({k: v for k, v in wire.items() if k not in out})
    return out


def google_agent_id(name: str) -> str:
    return f"{name.lower()}_{hashlib.sha256(name.encode()).hexdigest()[:7]}_agent"


def _contacts(checks: Checks, body: dict) -> dict:
    out: dict = {}
    specs = {
        "phones": (("phoneNumber", r"\+?[0-9 \-().]{1,30}", None), ("label", None, 25)),
        "emails": (("address", None, 100), ("label", None, 25)),
        "websites": (("url", None, 2048), ("label", None, 25)),
    }
    for key, fields in specs.items():
        items = checks.array(body, key)
        if items is None:
            continue
        if len(items) > 1:
            checks.add(key, "size must be between 0 and 1")
            continue
        clean = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                checks.add(f"{key}[{i}]", "must be an object")
                continue
            for field, pattern, max_len in fields:
                checks.string(
                    item, field, f"{key}[{i}].{field}", required=True, min_len=1, max_len=max_len, pattern=pattern
                )
            clean.append({f: item.get(f) for f, _, _ in fields})
        out[key] = clean
    if not any(out.get(k) for k in specs):
        checks.add("phones", "at least one of phones, emails or websites is required")
    return out


def _web_address(checks: Checks, body: dict, key: str, label_required: bool = False) -> dict | None:
    value = checks.obj(body, key, required=True)
    if value is None:
        return None
    url = checks.string(value, "url", f"{key}.url", required=True, min_len=1, max_len=2048)
    label = checks.string(value, "label", f"{key}.label", required=label_required, min_len=1, max_len=25)
    return {"url": url, **({"label": label} if label is not None else {})}


def check_sender(checks: Checks, body: dict, create: bool) -> dict:
    out: dict = {}
    if create:
        out["senderName"] = checks.string(
            body, "senderName", required=True, min_len=3, max_len=40, pattern=r"(?=.*[a-zA-Z])[a-zA-Z0-9_-]+"
        )
        out["hostingRegion"] = checks.enum(body, "hostingRegion", REGIONS, required=True)
        brand = checks.obj(body, "brand", required=True)
        if brand is not None:
            out["brand"] = {
                "brandName": checks.string(brand, "brandName", "brand.brandName", required=True, min_len=1, max_len=100)
            }
    out["billingCategory"] = checks.enum(body, "billingCategory", BILLING, required=True)
    out["useCase"] = checks.enum(body, "useCase", USE_CASES, required=True)
    out["displayName"] = checks.string(body, "displayName", required=True, min_len=1, max_len=40)
    out["description"] = checks.string(body, "description", required=True, min_len=1, max_len=100)
    out["color"] = checks.string(body, "color", required=True, pattern=r"#?[A-Fa-f0-9]{6}")
    out.update(_contacts(checks, body))
    out["bannerUrl"] = checks.string(body, "bannerUrl", required=True, min_len=1, max_len=2048)
    out["logoUrl"] = checks.string(body, "logoUrl", required=True, min_len=1, max_len=2048)
    out["privacy"] = _web_address(checks, body, "privacy")
    out["termsOfService"] = _web_address(checks, body, "termsOfService")
    platform = checks.platform(body, min_len=1)
    if platform:
        out["platform"] = platform
    return {k: v for k, v in out.items() if v is not None}


class RcsModel:
    def __init__(self, ctx: Context, data: InfobipData) -> None:
        self.ctx = ctx
        self.data = data
        self.choices = ctx.config.infobip
        data.settlers[RCS_SENDER] = self.settle

    def process(self, rec: Rec, now: float) -> None:
        rec.wire["senderStatus"] = "PENDING"
        rec.wire["updatedAt"] = legacy_time(now)
        rec.internal["ready_at"] = now + self.choices.rcs_processing_seconds
        rec.due = rec.internal["ready_at"]

    def set_status(self, rec: Rec, status: str, at: float) -> None:
        rec.wire["senderStatus"] = status
        rec.wire["updatedAt"] = legacy_time(at)
        if status != "PENDING":
            rec.internal.pop("ready_at", None)
        if status not in ("PENDING", "DRAFT"):
            rec.wire.setdefault("googleAgentId", google_agent_id(rec.id))
        rec.wire = ordered(rec.wire)
        rec.due = rec.internal.get("ready_at")

    def settle(self, rec: Rec, now: float) -> Rec:
        ready = rec.internal.get("ready_at")
        if ready is not None and now >= ready:
            self.set_status(rec, "READY_FOR_TESTING", ready)
        rec.due = rec.internal.get("ready_at")
        return rec


def register(service: InfobipService, ctx: Context, data: InfobipData, model: RcsModel) -> None:
    choices = ctx.config.infobip

    def add(method: str, pattern: str, op: str, fn) -> None:
        service.add(method, pattern, op, fn, family=API_ERROR)

    def find(req: Request) -> Rec:
        rec = data.get(account(req), RCS_SENDER, req.params["senderName"])
        if rec is None:
            raise api_error(404)
        return rec

    def listing(req: Request) -> Response:
        sort = (req.arg("sort") or "updatedAt,desc").split(",")
        field, direction = sort[0].strip(), (sort[1].strip().lower() if len(sort) > 1 else "asc")
        if field not in ("updatedAt", "senderName") or direction not in ("asc", "desc"):
            raise api_error(400, [violation("sort", "Sortable properties: updatedAt, senderName (asc|desc).")])
        recs = data.list(account(req), RCS_SENDER)
        if field == "updatedAt":
            recs.sort(key=lambda r: (r.wire["updatedAt"], r.seq or 0), reverse=direction == "desc")
        else:
            recs.sort(key=lambda r: r.id, reverse=direction == "desc")
        items = [{k: r.wire[k] for k in BASE_DATA if k in r.wire} for r in recs]
        return Response.json(200, page_info(req, items, 20, 100, API_ERROR))

    def create(req: Request) -> Response:
        acct = account(req)
        body = json_object(req, API_ERROR)
        checks = Checks(API_ERROR)
        fields = check_sender(checks, body, create=True)
        checks.fail()
        name = fields["senderName"]
        now = ctx.clock.now()
        with data.store.transaction():
            if data.owner(RCS_SENDER, name) is not None:
                raise api_error(409, [violation("senderName", f"Sender {name} already exists.")])
            if len(data.list(acct, RCS_SENDER)) >= choices.rcs_max_senders:
                raise api_error(
                    400, [violation("senderName", f"It is allowed to add up to {choices.rcs_max_senders} senders.")]
                )
            rec = Rec(acct, RCS_SENDER, name, ordered(fields))
            model.process(rec, now)
            rec.wire = ordered(rec.wire)
            data.insert(rec)
        return Response.json(202, {"senderName": name, "senderStatus": rec.wire["senderStatus"]})

    def get(req: Request) -> Response:
        return Response.json(200, find(req).wire)

    def update(req: Request) -> Response:
        body = json_object(req, API_ERROR)
        checks = Checks(API_ERROR)
        fields = check_sender(checks, body, create=False)
        checks.fail()
        now = ctx.clock.now()
        with data.store.transaction():
            rec = find(req)
            status = rec.wire["senderStatus"]
            if status in LOCKED:
                raise api_error(409, [violation("senderName", f"Sender is locked ({status}) and cannot be updated.")])
            wire = {k: v for k, v in rec.wire.items() if k not in EDITABLE}
            wire.update(fields)
            rec.wire = wire
            model.process(rec, now)
            rec.wire = ordered(rec.wire)
            data.save(rec)
        return Response.json(202, {"senderName": rec.id, "senderStatus": rec.wire["senderStatus"]})

    def platform(req: Request) -> Response:
        body = json_object(req, API_ERROR)
        checks = Checks(API_ERROR)
        value = checks.obj(body, "platform", required=True)
        if value is not None:
            checks.platform(body, min_len=1)
        checks.fail()
        with data.store.transaction():
            rec = find(req)
            rec.wire["platform"] = {k: value[k] for k in ("applicationId", "entityId") if value.get(k)}
            rec.wire["updatedAt"] = legacy_time(ctx.clock.now())
            rec.wire = ordered(rec.wire)
            data.save(rec)
        return Response.json(202, {"senderName": rec.id, "senderStatus": rec.wire["senderStatus"]})

    def launch_status(req: Request) -> Response:
        rec = find(req)
        out = {
            "event": "RCS_SENDER_LAUNCH_STATUS_UPDATE",
            "senderName": rec.id,
            "senderStatus": rec.wire["senderStatus"],
            "coverage": rec.internal.get("coverage", []),
            "updatedAt": rec.wire["updatedAt"],
        }
        if rec.wire.get("platform"):
            out["platform"] = rec.wire["platform"]
        return Response.json(200, out)

    add("GET", BASE, "get-rcs-senders", listing)
    add("POST", BASE, "create-rcs-sender", create)
    add("GET", BASE + "/{senderName}", "get-rcs-sender", get)
    add("PUT", BASE + "/{senderName}", "update-rcs-sender", update)
    add("PATCH", BASE + "/{senderName}/platform-parameters", "update-rcs-sender-platform-parameters", platform)
    add("GET", BASE + "/{senderName}/launch-status", "get-rcs-sender-launch-status", launch_status)
