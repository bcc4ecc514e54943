"""WhatsApp senders (Provisioning API, sinch.md §2.5).

State machine (the §2.5 emulator model):
- create -> no `state`, changes {status IN_PROGRESS, details}; after whatsapp_sender_processing_seconds Meta has
  processed it: state PENDING_VERIFICATION, details applied, changes cleared - or, when the displayName contains
  sender_reject_marker, changes.status REJECTED and no state.
- POST /register {"method": SMS|VOICE} (only in PENDING_VERIFICATION) "sends" an OTP: SinchChoices.whatsapp_otp or
  6 random digits, readable through GET /_sandbox/sinch/{project}/senders/{id}/otp.
- POST /verify {"code"} (exactly 6 characters, no whitespace) with that code -> state ACTIVE, bearerToken set
  (the token a Conversation app's WHATSAPP static_bearer needs), qualityRating GREEN.
- PATCH {status DRAFT|SUBMIT (default DRAFT), details}: details merge into the pending/live ones (null deletes a
  value); SUBMIT applies them after whatsapp_sender_update_seconds.
- DELETE marks the sender; it stays readable for whatsapp_sender_delete_grace_days, then disappears.

Choices where the contract is silent: create answers 201, register/verify 200 (verify returns the sender);
register/verify/PATCH in the wrong state give 400 invalid_state; a wrong code gives 400
invalid_verification_code; the same countryCode+phoneNumber twice in a project gives 409 sender_exists; region
defaults to whatsapp_sender_region_default and businessManager to the region's first allowed one.
"""

from __future__ import annotations

import re
import secrets

from .context import Context
from .router import Request, Response
from .sinch_common import PapiError, query_list, random_token, ulid
from .sinch_data import WA_SENDER, Rec, SinchData, next_due
from .sinch_papi import Checks, body_object, invalid_state, not_found, page

BASE = "/v1/projects/{project}/whatsapp/senders"
REGIONS = ("BR", "EU", "US")
BUSINESS_MANAGERS = ("SINCH_AMERICA", "SINCH_BR", "SINCH_MX", "SINCH_SEP", "SINCH_UK")
# Region x businessManager compatibility (§2.5); the first one is the default.
ALLOWED_MANAGERS = {"EU": ("SINCH_UK",), "BR": ("SINCH_BR", "SINCH_MX"), "US": ("SINCH_UK", "SINCH_BR", "SINCH_MX")}
META_LOCAL_STORAGE = tuple("AE AU BH BR CA CH DE GB ID IN JP KR SG US ZA UNSPECIFIED".split())
VERTICALS = tuple(
    (
        "ALCOHOL AUTOMOTIVE BEAUTY_SPA_SALON CLOTHING_AND_APPAREL EDUCATION ENTERTAINMENT EVENT_PLANNING_AND_SERVICE "
        "FINANCE_AND_BANKING FOOD_AND_GROCERY HOTEL_AND_LODGING MEDICAL_AND_HEALTH NON_PROFIT NOT_SET ONLINE_GAMBLING "
        "OTC_DRUGS OTHER PHYSICAL_GAMBLING PROFESSIONAL_SERVICES PUBLIC_SERVICE RESTAURANT SHOPPING_AND_RETAIL "
        "TRAVEL_AND_TRANSPORTATION"
    ).split()
)
STATES = ("ACTIVE", "IN_PROGRESS", "INACTIVE", "PENDING_VERIFICATION", "SUSPENDED", "ERROR")
STATUSES = ("DRAFT", "ERROR", "IN_PROGRESS", "MULTIPLE_WABA_ERROR", "REJECTED")
CREATE_FIELDS = (
    "details",
    "region",
    "businessManager",
    "metaLocalStorage",
    "countryCode",
    "phoneNumber",
    "numberProvider",
    "wabaId",
    "phoneNumberId",
    "conversationApiApp",
)
WIRE_ORDER = (
    "id",
    "region",
    "metaLocalStorage",
    "businessManager",
    "compatibleRegions",
    "state",
    "changes",
    "details",
    "created",
    "modified",
    "conversationApiApp",
    "maxTps",
    "qualityRating",
    "dailyLimit",
    "bearerToken",
    "cloudApi",
    "countryCode",
    "phoneNumber",
    "numberProvider",
)


def ordered(wire: dict) -> dict:
    out = {k: wire[k] for k in WIRE_ORDER if k in wire}
    out.update({k: v for k, v in wire.items() if k not in out})
    return out


def check_details(checks: Checks, details, partial: bool) -> None:
    if details is None:
        if not partial:
            checks.add("details should not be empty")
        return
    if not isinstance(details, dict):
        checks.add("nested property details must be either object or array")
        return
    if not partial or "displayName" in details:
        checks.string(details, "displayName", path="details.displayName")
    if details.get("vertical") is not None:
        checks.enum(details, "vertical", VERTICALS, path="details.vertical")
    for key in ("description", "email", "address", "about"):
        checks.string(details, key, required=False, path=f"details.{key}")


class SendersModel:
    def __init__(self, ctx: Context, data: SinchData) -> None:
        self.ctx = ctx
        self.data = data
        self.choices = ctx.config.sinch
        data.settlers[WA_SENDER] = self.settle

    def settle(self, rec: Rec, now: float) -> Rec | None:
        internal, wire = rec.internal, rec.wire
        purge = internal.get("purge_at")
        if purge is not None and now >= purge:
            return None
        for step in ("processing_at", "update_at"):
            at = internal.get(step)
            if at is None or now < at:
                continue
            changes = wire.get("changes") or {}
            marker = self.choices.sender_reject_marker
            name = str((changes.get("details") or {}).get("displayName", ""))
            if marker and marker in name:
                changes["status"] = "REJECTED"
            else:
                wire["details"] = changes.get("details") or wire.get("details") or {}
                wire.pop("changes", None)
                wire.setdefault("state", "PENDING_VERIFICATION")  # first approval by Meta
            wire["modified"] = self.ctx.clock.iso(at)
            del internal[step]
        rec.wire = ordered(wire)
        rec.due = next_due(internal.get("processing_at"), internal.get("update_at"), internal.get("purge_at"))
        return rec

    def finish_pending(self, rec: Rec, now: float) -> Rec:
        """Admin: Meta processes pending work now."""
        for step in ("processing_at", "update_at"):
            if rec.internal.get(step) is not None:
                rec.internal[step] = now
        return self.settle(rec, now) or rec


def register(service, ctx: Context, data: SinchData, model: SendersModel) -> None:
    choices = ctx.config.sinch
    r = service.router

    def sender(req: Request) -> Rec:
        rec = data.get(req.params["project"], WA_SENDER, req.params["sender"])
        if rec is None:
            raise not_found("Sender", {"senderId": req.params["sender"]})
        return rec

    def list_senders(req: Request) -> Response:
        states = query_list(req, "filterStates")
        statuses = query_list(req, "filterStatuses")
        checks = Checks()
        checks.enum_list({"filterStates": states}, "filterStates", STATES, required=False, unique=False)
        checks.enum_list({"filterStatuses": statuses}, "filterStatuses", STATUSES, required=False, unique=False)
        checks.raise_if_any()
        items = [
            x.wire
            for x in data.list(req.params["project"], WA_SENDER)
            if (not states or x.wire.get("state") in states)
            and (not statuses or (x.wire.get("changes") or {}).get("status") in statuses)
        ]
        return Response.json(200, page(req, items, "senders", "whatsapp-senders", 1, 100, 50))

    def create(req: Request) -> Response:
        body = body_object(req, CREATE_FIELDS)
        checks = Checks()
        check_details(checks, body.get("details"), partial=False)
        region = checks.enum(body, "region", REGIONS, required=False) or choices.whatsapp_sender_region_default
        manager = checks.enum(body, "businessManager", BUSINESS_MANAGERS, required=False)
        checks.enum(body, "metaLocalStorage", META_LOCAL_STORAGE, required=False)
        embedded = body.get("wabaId") is not None or body.get("phoneNumberId") is not None
        if embedded:
            checks.string(body, "wabaId")
            checks.string(body, "phoneNumberId")
        else:
            for key in ("countryCode", "phoneNumber"):
                value = checks.string(body, key)
                if value and not re.fullmatch(r"\d{1,15}", value):
                    checks.add(f"{key} must contain only digits")
        allowed = ALLOWED_MANAGERS.get(region, ())
        if manager is not None and manager not in allowed:
            checks.add(f"businessManager {manager} is not available in region {region}")
        checks.raise_if_any()
        project, now = req.params["project"], ctx.clock.now()
        with data.store.transaction():
            if not embedded:
                for other in data.list(project, WA_SENDER):
                    same = (other.wire.get("countryCode"), other.wire.get("phoneNumber")) == (
                        body["countryCode"],
                        body["phoneNumber"],
                    )
                    if same and "purge_at" not in other.internal:
                        raise PapiError(
                            409,
                            "sender_exists",
                            "A sender with this phone number already exists.",
                            "Update the existing sender instead.",
                            {"senderId": other.id},
                        )
            sender_id = ulid(now)
            iso = ctx.clock.iso(now)
            wire = {
                "id": sender_id,
                "region": region,
                "businessManager": manager or allowed[0],
                "compatibleRegions": ["eu", "us"],
                "changes": {"status": "IN_PROGRESS", "details": body["details"]},
                "created": iso,
                "modified": iso,
                "cloudApi": True,
                "numberProvider": body.get("numberProvider") or "CUSTOMER",
            }
            for key in (
                "metaLocalStorage",
                "countryCode",
                "phoneNumber",
                "wabaId",
                "phoneNumberId",
                "conversationApiApp",
            ):
                if body.get(key) is not None:
                    wire[key] = body[key]
            at = now + choices.whatsapp_sender_processing_seconds
            rec = Rec(project, WA_SENDER, sender_id, ordered(wire), {"processing_at": at}, at)
            data.insert(rec)
        return Response.json(201, rec.wire)

    def get(req: Request) -> Response:
        return Response.json(200, sender(req).wire)

    def update(req: Request) -> Response:
        body = body_object(req, ("status", "details"))
        checks = Checks()
        status = checks.enum(body, "status", ("DRAFT", "SUBMIT"), required=False) or "DRAFT"
        check_details(checks, body.get("details"), partial=True)
        checks.raise_if_any()
        now = ctx.clock.now()
        with data.store.transaction():
            rec = sender(req)
            wire = rec.wire
            pending = wire.get("changes") or {}
            if pending.get("status") == "IN_PROGRESS":
                raise invalid_state(
                    "Sender is being processed.",
                    "Wait until the pending changes are processed, then update the sender.",
                    {"senderId": rec.id},
                )
            details = dict(pending.get("details") or wire.get("details") or {})
            for key, value in (body.get("details") or {}).items():
                if value is None:
                    details.pop(key, None)
                else:
                    details[key] = value
            wire["changes"] = {"status": "DRAFT", "details": details}
            if status == "SUBMIT":
                wire["changes"]["status"] = "IN_PROGRESS"
                rec.internal["update_at"] = now + choices.whatsapp_sender_update_seconds
            wire["modified"] = ctx.clock.iso(now)
            rec.wire = ordered(wire)
            rec.due = next_due(rec.internal.get("update_at"), rec.internal.get("purge_at"))
            data.save(rec)
        return Response.json(200, rec.wire)

    def delete(req: Request) -> Response:
        now = ctx.clock.now()
        with data.store.transaction():
            rec = sender(req)
            if "purge_at" not in rec.internal:
                rec.internal["purge_at"] = now + choices.whatsapp_sender_delete_grace_days * 86400
                rec.due = next_due(rec.due, rec.internal["purge_at"])
                data.save(rec)
        return Response.empty(204)

    def register_number(req: Request) -> Response:
        body = body_object(req, ("method",))
        checks = Checks()
        method = checks.enum(body, "method", ("SMS", "VOICE"))
        checks.raise_if_any()
        now = ctx.clock.now()
        with data.store.transaction():
            rec = sender(req)
            if rec.wire.get("state") != "PENDING_VERIFICATION":
                raise invalid_state(
                    "Sender is not pending verification.",
                    "Register the sender once it is in state PENDING_VERIFICATION.",
                    {"senderId": rec.id, "state": rec.wire.get("state")},
                )
            code = choices.whatsapp_otp or f"{secrets.randbelow(10**6):06d}"
            accepted = ctx.clock.iso(now)
            rec.internal["registration"] = {"method": method, "accepted": accepted, "code": code}
            data.save(rec)
        return Response.json(200, {"id": rec.id, "method": method, "accepted": accepted, "verificationCodeSent": True})

    def verify(req: Request) -> Response:
        body = body_object(req, ("code",))
        checks = Checks()
        code = checks.string(body, "code")
        if code is not None:
            if len(code) != 6:
                checks.add("code must be exactly 6 characters")
            if any(c.isspace() for c in code):
                checks.add("code must not contain whitespace")
        checks.raise_if_any()
        now = ctx.clock.now()
        with data.store.transaction():
            rec = sender(req)
            registration = rec.internal.get("registration")
            if rec.wire.get("state") != "PENDING_VERIFICATION" or registration is None:
                raise invalid_state(
                    "Sender has not been registered for verification.",
                    "Call register first, then verify with the code that was sent.",
                    {"senderId": rec.id, "state": rec.wire.get("state")},
                )
            if code != registration["code"]:
                raise PapiError(
                    400,
                    "invalid_verification_code",
                    "Verification code is invalid.",
                    "Submit the code that was sent, or register again to get a new one.",
                    {"senderId": rec.id},
                )
            rec.wire.update(
                state="ACTIVE",
                modified=ctx.clock.iso(now),
                bearerToken=random_token(32),
                qualityRating="GREEN",
                dailyLimit="NOT_SET",
                maxTps=80,
            )
            rec.internal.pop("registration")
            rec.internal["verified_at"] = ctx.clock.iso(now)
            rec.wire = ordered(rec.wire)
            data.save(rec)
        return Response.json(200, rec.wire)

    r.add("GET", BASE, list_senders)
    r.add("POST", BASE, create)
    r.add("POST", BASE + "/{sender}/register", register_number)
    r.add("POST", BASE + "/{sender}/verify", verify)
    r.add("GET", BASE + "/{sender}", get)
    r.add("PATCH", BASE + "/{sender}", update)
    r.add("DELETE", BASE + "/{sender}", delete)
