"""Resource requests (infobip.md §2.5, /resources/1/requests): asynchronous number purchase, alphanumeric sender
registration and RCS sender launch. Errors are ApiError bodies with the spec's domain codes (RR404,
RR-INVALID-STATUS400, RR-NUMBER-PURCHASE-UNAVAILABLE404, RR-RCS-SENDER404, RR-RCS-SENDER-ALREADY-LAUNCHED400).

State machine (sandbox clock, one InfobipChoices.resource_request_step_seconds per step):
PENDING -> AUTOMATIC_VALIDATION -> PENDING_REVIEW -> IN_REVIEW -> IN_PROGRESS -> COMPLETED, or IN_REVIEW -> REJECTED
when a requirement value contains `resource_request_reject_marker` ("reject"). Side effects:
- NUMBER_PURCHASE: entering IN_PROGRESS takes up to `quantity` available numbers of countryCode having every
  requested capability (VIRTUAL_LONG_NUMBER only) into the account, with the request's platform; the request lists
  them as {number: "+...", numberKey, status: SUCCESS}. Fewer than asked adds the spec's note "Only N out of M
  requested numbers could be procured.". Submitting when none is available is 404
  RR-NUMBER-PURCHASE-UNAVAILABLE404.
- RCS_SENDER_LAUNCH: the sender (of the account) must exist (404 RR-RCS-SENDER404) and not be launched (400
  RR-RCS-SENDER-ALREADY-LAUNCHED400); it must be READY_FOR_TESTING or SENDER_UPDATE_REQUIRED (400 E400 otherwise).
  Submitting moves it to PENDING_LAUNCH, IN_PROGRESS to LAUNCHED_IN_PROGRESS, COMPLETED to LAUNCHED (coverage of
  countryCode: every provider COMPLETED), REJECTED back to READY_FOR_TESTING.
- ALPHANUMERIC_REGISTRATION: no side effect.
PATCH {requirements*} and POST .../cancel only in UPDATE_REQUESTED / UPDATE_REQUESTED_BY_INTERNAL_REVIEWER (400
RR-INVALID-STATUS400 otherwise); PATCH resumes at AUTOMATIC_VALIDATION with the new requirements, cancel -> CANCELED
(204). UPDATE_REQUESTED only happens through the admin API (POST /_sandbox/infobip/{key}/resource-requests/{id}/
status), which also forces any other status now.
List: PageInfo paging (size 1..2000, default 20), filters countryCode/status/type (repeated or comma-joined), sort
status|requestedDate[,asc|desc], default last modified first.
"""

from __future__ import annotations

import uuid

from .context import Context
from .infobip_common import API_ERROR, Checks, api_error, json_object, legacy_time, page_info, query_list, violation
from .infobip_data import NUMBER, RCS_SENDER, RESOURCE_REQUEST, InfobipData, Rec
from .infobip_numbers import NumbersModel
from .infobip_rcs import RcsModel
from .infobip_service import InfobipService, account
from .router import Request, Response

BASE = "/resources/1/requests"
TYPES = ("ALPHANUMERIC_REGISTRATION", "NUMBER_PURCHASE", "RCS_SENDER_LAUNCH")
STATUSES = (
    "PENDING",
    "UPDATE_REQUESTED_BY_INTERNAL_REVIEWER",
    "CANCELED",
    "AUTOMATIC_VALIDATION",
    "UPDATE_REQUESTED",
    "REJECTED",
    "COMPLETED",
    "PENDING_REVIEW",
    "IN_REVIEW",
    "IN_PROGRESS",
    "CANCEL_REQUESTED",
)
NEXT = {
    "PENDING": "AUTOMATIC_VALIDATION",
    "AUTOMATIC_VALIDATION": "PENDING_REVIEW",
    "PENDING_REVIEW": "IN_REVIEW",
    "IN_REVIEW": "IN_PROGRESS",
    "IN_PROGRESS": "COMPLETED",
}
WAITING = ("UPDATE_REQUESTED", "UPDATE_REQUESTED_BY_INTERNAL_REVIEWER")
NUMBER_TYPES = ("SHORT_CODE", "VIRTUAL_LONG_NUMBER", "TEN_DIGIT_LONG_CODE", "TOLL_FREE_NUMBER")
CAPABILITIES = ("SMS", "VOICE", "MMS")
ORIGINS = ("LOCAL", "INTERNATIONAL")
RCS_PROVIDERS = {"US": ("AEGIS_BRAND_VERIFICATION", "ATT", "T_MOBILE", "VERIZON")}
REJECTED_NOTE = "Your request has been rejected because it contains invalid information for the selected destination."


def _invalid_status() -> Exception:
    return api_error(
        400,
        code="RR-INVALID-STATUS400",
        description="The resource request is in a status that does not allow updates or cancellations.",
        action="Please verify the resource request status and perform this action only when it is in an allowed state.",
    )


def _check_requirements(checks: Checks, body: dict, required: bool) -> list | None:
    reqs = checks.array(body, "requirements", required=required)
    if reqs is None:
        return None
    for i, item in enumerate(reqs):
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) or "value" not in item:
            checks.add(f"requirements[{i}]", "key and value must not be null")
    return reqs


class ResourcesModel:
    def __init__(self, ctx: Context, data: InfobipData, numbers: NumbersModel, rcs: RcsModel) -> None:
        self.ctx = ctx
        self.data = data
        self.numbers = numbers
        self.rcs = rcs
        self.choices = ctx.config.infobip
        data.settlers[RESOURCE_REQUEST] = self.settle
        # Requests create numbers and move RCS senders: reading those settles the requests first.
        data.depends[NUMBER] = data.depends[RCS_SENDER] = (RESOURCE_REQUEST,)

    # -- transitions ---------------------------------------------------------------------------------------------
    def rejects(self, rec: Rec) -> bool:
        marker = self.choices.resource_request_reject_marker.lower()
        return bool(marker) and any(marker in str(r.get("value")).lower() for r in rec.wire.get("requirements") or [])

    def enter(self, rec: Rec, status: str, at: float) -> None:
        """Moves to `status` at sandbox time `at`, with its side effects, and schedules the next step."""
        rec.wire["status"] = status
        rec.internal["modified"] = at
        kind = rec.wire["type"]
        if status == "IN_PROGRESS" and kind == "NUMBER_PURCHASE" and not rec.internal.get("allocated"):
            self.allocate(rec)
        if kind == "RCS_SENDER_LAUNCH":
            target = {
                "IN_PROGRESS": "LAUNCHED_IN_PROGRESS",
                "COMPLETED": "LAUNCHED",
                "REJECTED": "READY_FOR_TESTING",
                "CANCELED": "READY_FOR_TESTING",
            }.get(status)
            if target is not None:
                self.move_sender(rec, target, at)
        if status == "COMPLETED" and kind == "NUMBER_PURCHASE" and not rec.internal.get("allocated"):
            self.allocate(rec)
        if status == "REJECTED":
            rec.wire["note"] = REJECTED_NOTE
        following = NEXT.get(status)
        if status == "IN_REVIEW" and self.rejects(rec):
            following = "REJECTED"
        rec.internal["next"] = following
        rec.internal["next_at"] = at + self.choices.resource_request_step_seconds if following else None
        rec.due = rec.internal["next_at"]

    def finish_pending(self, rec: Rec, now: float) -> Rec:
        """Admin settle: every remaining step happens now."""
        while rec.internal.get("next"):
            self.enter(rec, rec.internal["next"], now)
        return rec

    def settle(self, rec: Rec, now: float) -> Rec:
        while rec.due is not None and rec.due <= now and rec.internal.get("next"):
            self.enter(rec, rec.internal["next"], rec.due)
        return rec

    def allocate(self, rec: Rec) -> None:
        wire = rec.wire
        wanted = set(wire.get("capabilities") or [])
        quantity = wire.get("quantity") or 1
        platform = wire.get("platform") or {}
        got = []
        if wire.get("numberType") == "VIRTUAL_LONG_NUMBER":
            for avail in self.numbers.available(wire["countryCode"]):
                if len(got) >= quantity:
                    break
                if not wanted <= set(avail.capabilities):
                    continue
                taken = self.numbers.take(rec.account, avail, platform.get("applicationId"), platform.get("entityId"))
                if taken is not None:
                    got.append({"number": "+" + avail.number, "numberKey": avail.key, "status": "SUCCESS"})
        wire["numbers"] = got
        if len(got) < quantity:
            wire["note"] = f"Only {len(got)} out of {quantity} requested numbers could be procured."
        rec.internal["allocated"] = True

    def move_sender(self, rec: Rec, status: str, at: float) -> None:
        sender = self.data.get(rec.account, RCS_SENDER, rec.wire["senderName"])
        if sender is None:
            return
        self.rcs.set_status(sender, status, at)
        if status in ("LAUNCHED_IN_PROGRESS", "LAUNCHED"):
            country = rec.wire.get("countryCode")
            provider_status = "COMPLETED" if status == "LAUNCHED" else "IN_PROGRESS"
            providers = RCS_PROVIDERS.get(country, ("SANDBOX_CARRIER",))
            sender.internal["coverage"] = [
                {
                    "countryCode": country,
                    "providers": [
                        {"name": p, "status": provider_status, "updatedAt": legacy_time(at)} for p in providers
                    ],
                }
            ]
        self.data.save(sender)

    def force(self, rec: Rec, status: str, feedback: list | None, now: float) -> None:
        """Admin: the request is in `status` now (UPDATE_REQUESTED* waits for a PATCH)."""
        if feedback is not None:
            rec.wire["requirementsFeedback"] = feedback
        self.enter(rec, status, now)


def register(service: InfobipService, ctx: Context, data: InfobipData, model: ResourcesModel) -> None:
    choices = ctx.config.infobip

    def add(method: str, pattern: str, op: str, fn) -> None:
        service.add(method, pattern, op, fn, family=API_ERROR)

    def find(req: Request) -> Rec:
        rec = data.get(account(req), RESOURCE_REQUEST, req.params["id"])
        if rec is None:
            raise api_error(
                404,
                code="RR404",
                description="Resource request not found.",
                action="Please verify the resource request ID and adjust your request.",
            )
        return rec

    def listing(req: Request) -> Response:
        countries = set(query_list(req, "countryCode"))
        statuses = set(query_list(req, "status"))
        types = set(query_list(req, "type"))
        recs = data.list(account(req), RESOURCE_REQUEST)
        sorts = query_list(req, "sort") or ["modified", "desc"]
        field, direction = sorts[0], (sorts[1].lower() if len(sorts) > 1 else "asc")
        keys = {
            "modified": lambda r: r.internal.get("modified", 0),
            "status": lambda r: r.wire["status"],
            "requestedDate": lambda r: r.internal.get("requested", 0),
        }
        if field not in keys or direction not in ("asc", "desc"):
            raise api_error(400, [violation("sort", "Sortable properties: status, requestedDate (asc|desc).")])
        recs.sort(key=lambda r: (keys[field](r), r.seq or 0), reverse=direction == "desc")
        items = [
            r.wire
            for r in recs
            if (not countries or r.wire.get("countryCode") in countries)
            and (not statuses or r.wire["status"] in statuses)
            and (not types or r.wire["type"] in types)
        ]
        return Response.json(200, page_info(req, items, 20, 2000, API_ERROR))

    def submit(req: Request) -> Response:
        acct = account(req)
        body = json_object(req, API_ERROR)
        checks = Checks(API_ERROR)
        kind = checks.enum(body, "type", TYPES, required=True)
        checks.fail()
        country = checks.string(body, "countryCode", required=True, pattern="[A-Z]{2}")
        emails = checks.array(body, "additionalContactEmails", max_items=3) or []
        platform = checks.platform(body)
        now = ctx.clock.now()
        wire: dict = {
            "id": str(uuid.uuid4()),
            "type": kind,
            "countryCode": country,
            "requestedByEmailAddress": choices.requester_email,
        }
        if kind == "NUMBER_PURCHASE":
            quantity = checks.integer(body, "quantity", lo=1, hi=49)
            number_type = checks.enum(body, "numberType", NUMBER_TYPES, required=True)
            caps = checks.array(body, "capabilities", required=True)
            if caps is not None and any(c not in CAPABILITIES for c in caps):
                checks.add("capabilities", f"must be values of [{', '.join(CAPABILITIES)}]")
            checks.enum(body, "clientType", ORIGINS)
            reqs = _check_requirements(checks, body, required=False)
            checks.fail()
            wire.update(
                additionalContactEmailAddresses=emails,
                requestedDate=legacy_time(now),
                status="PENDING",
                numberType=number_type,
                capabilities=caps,
                quantity=quantity or 1,
                numbers=[],
                requirementsFeedback=[],
                requirements=reqs or [],
            )
            stock = (
                [a for a in model.numbers.available(country) if set(caps or []) <= set(a.capabilities)]
                if number_type == "VIRTUAL_LONG_NUMBER"
                else []
            )
            if not stock:
                raise api_error(
                    404,
                    code="RR-NUMBER-PURCHASE-UNAVAILABLE404",
                    description="Number resource not available for given parameters.",
                    action="Please adjust your parameters (capabilities, number type, quantity, country) and try "
                    "again.",
                )
        elif kind == "ALPHANUMERIC_REGISTRATION":
            sender = checks.string(
                body, "senderName", required=True, min_len=3, max_len=11, pattern=r"(?=.*[A-Za-z]).+"
            )
            origin = checks.enum(body, "trafficOrigin", ORIGINS)
            traffic = checks.enum(body, "trafficType", ("PROMOTIONAL", "TRANSACTIONAL"))
            reqs = _check_requirements(checks, body, required=True)
            checks.fail()
            wire.update(
                senderName=sender,
                additionalContactEmailAddresses=emails,
                requestedDate=legacy_time(now),
                status="PENDING",
                **({"trafficOrigin": origin} if origin else {}),
                **({"trafficType": traffic} if traffic else {}),
                requirementsFeedback=[],
                requirements=reqs,
            )
        else:
            sender = checks.string(body, "senderName", required=True, min_len=1, max_len=255)
            origin = checks.enum(body, "trafficOrigin", ORIGINS, required=True)
            excluded = checks.array(body, "excludedCarriers") or []
            reqs = _check_requirements(checks, body, required=True)
            checks.fail()
            rcs = data.get(acct, RCS_SENDER, sender)
            if rcs is None:
                raise api_error(
                    404,
                    code="RR-RCS-SENDER404",
                    description="The specified RCS sender was not found.",
                    action="Verify the sender name or create a new sender before proceeding.",
                )
            state = rcs.wire["senderStatus"]
            if state in ("LAUNCHED", "LAUNCHED_PARTIAL_SUCCESS", "LAUNCHED_IN_PROGRESS", "PENDING_LAUNCH"):
                raise api_error(
                    400,
                    code="RR-RCS-SENDER-ALREADY-LAUNCHED400",
                    description="The RCS sender is already launched or being launched.",
                    action="Check the sender's launch status.",
                )
            if state not in ("READY_FOR_TESTING", "SENDER_UPDATE_REQUIRED"):
                raise api_error(400, [violation("senderName", f"Sender is {state}: it cannot be launched yet.")])
            wire.update(
                status="PENDING",
                excludedCarriers=excluded,
                senderName=sender,
                additionalContactEmails=emails,
                requestedDate=legacy_time(now),
                trafficOrigin=origin,
                requirements=reqs,
                requirementsFeedback=[],
            )
        if platform:
            wire["platform"] = platform
        rec = Rec(acct, RESOURCE_REQUEST, wire["id"], wire, {"requested": now})
        with data.store.transaction():
            if kind == "RCS_SENDER_LAUNCH":
                model.move_sender(rec, "PENDING_LAUNCH", now)
            model.enter(rec, "PENDING", now)
            data.insert(rec)
        return Response.json(201, {"id": rec.id})

    def get(req: Request) -> Response:
        return Response.json(200, find(req).wire)

    def update(req: Request) -> Response:
        body = json_object(req, API_ERROR)
        checks = Checks(API_ERROR)
        reqs = _check_requirements(checks, body, required=True)
        checks.fail()
        with data.store.transaction():
            rec = find(req)
            if rec.wire["status"] not in WAITING:
                raise _invalid_status()
            rec.wire["requirements"] = reqs
            rec.wire["requirementsFeedback"] = []
            model.enter(rec, "AUTOMATIC_VALIDATION", ctx.clock.now())
            data.save(rec)
        return Response.json(200, rec.wire)

    def cancel(req: Request) -> Response:
        with data.store.transaction():
            rec = find(req)
            if rec.wire["status"] not in WAITING:
                raise _invalid_status()
            model.enter(rec, "CANCELED", ctx.clock.now())
            data.save(rec)
        return Response.empty(204)

    add("GET", BASE, "get-resource-requests", listing)
    add("POST", BASE, "submit-resource-request", submit)
    add("GET", BASE + "/{id}", "get-resource-request", get)
    add("PATCH", BASE + "/{id}", "update-resource-request", update)
    add("POST", BASE + "/{id}/cancel", "cancel-resource-request", cancel)
