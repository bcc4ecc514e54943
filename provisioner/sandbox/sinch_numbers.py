"""Sinch Numbers API v1 (numbers.api.sinch.com, sinch.md §3): available numbers, rent, active numbers, release,
callback configuration. camelCase JSON; Google-RPC error bodies.

Choices where the contract is silent (see also SinchChoices and sandbox/README.md):
- Unknown request fields, malformed JSON and unparsable query values give 400 INVALID_ARGUMENT (protojson
  style, `details: []`); semantic errors carry one BadRequest fieldViolation.
- Path phone numbers must be `+` and 6-15 digits (400 otherwise); unknown or unavailable numbers are 404 with
  details[0] = ResourceInfo {resourceType, resourceName: the number}.
- :rent / :rentAny serve US LOCAL only (spec 1.0.3); any other available number or criteria give 400
  INVALID_ARGUMENT naming the field (phone_number / region_code / type). :rentAny with no match is 404.
- numberPattern matching ignores a leading `+` (and the space a raw `+` decodes to in a query string); a pattern
  without searchPattern means START. activeNumbers pageSize 0/absent = default, above max = clamped, negative =
  400; orderBy phoneNumber (default) or displayName.
- Scheduled provisioning: a new servicePlanId/campaignId (or voice appId/trunkId/serviceId) goes to
  scheduledProvisioning / scheduledVoiceProvisioning as WAITING, IN_PROGRESS after sms/voice_waiting_seconds,
  then after *_in_progress_seconds either success (values move to the top level, scheduled* = null) or FAILED
  (values starting with provisioning_fail_prefix; SMS errorCodes SMS_PROVISIONING_FAILED and/or
  CAMPAIGN_PROVISIONING_FAILED). Re-sending the current values cancels a pending or failed job. "" unlinks
  through the same pipeline. An empty smsConfiguration/voiceConfiguration object is 400.
- :release sets expireAt (nextChargeDate, or now + release_grace_seconds); the number stays listed and readable
  until then, then leaves the project and returns to the inventory. Releasing again returns the same object.
- No outbound callbacks are sent to callbackUrl; callbackConfiguration is stored per project (hmacSecret
  `^[a-zA-Z0-9-]{32,64}$`, "" until set).
"""

from __future__ import annotations

import calendar
import re
import time
from datetime import datetime

from . import sinch_inventory as inv
from .context import Context
from .router import Request, Response
from .sinch_auth import ProjectService, SinchAuth
from .sinch_common import (
    RpcError,
    bad_request,
    decode_page_token,
    encode_page_token,
    first_query,
    not_found,
    query_list,
    read_json,
    rpc_response,
)
from .sinch_data import CALLBACK_CONFIG, NUMBER, Rec, SinchData, next_due

BASE = "/v1/projects/{project}"
E164 = re.compile(r"\+[1-9]\d{5,14}")
HMAC_SECRET = re.compile(r"[a-zA-Z0-9-]{32,64}")
SEARCH_PATTERNS = ("START", "CONTAINS", "END")
VOICE_TYPES = {"RTC": "appId", "EST": "trunkId", "FAX": "serviceId"}
ORDER_BY = ("phoneNumber", "displayName")


def _bad_json() -> RpcError:
    return RpcError(400, "invalid JSON in request body")


def _parse_error(field: str, value: str) -> RpcError:
    # The documented sample for an enum the gateway cannot parse (status-codes page).
    return RpcError(400, f'parsing field "{field}": "{value}" is not a valid value')


def _object(req: Request, allowed: tuple[str, ...], empty=None) -> dict:
    body = read_json(req, _bad_json(), {} if empty is None else empty)
    if not isinstance(body, dict):
        raise _bad_json()
    for key in body:
        if key not in allowed:
            raise RpcError(400, f'unknown field "{key}"')
    return body


def _int_query(req: Request, name: str) -> int | None:
    raw = req.arg(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise _parse_error(name, raw) from None


def _add_month(ts: float) -> float:
    t = time.gmtime(ts)
    year, month = (t.tm_year + 1, 1) if t.tm_mon == 12 else (t.tm_year, t.tm_mon + 1)
    day = min(t.tm_mday, calendar.monthrange(year, month)[1])
    return calendar.timegm((year, month, day, t.tm_hour, t.tm_min, t.tm_sec)) + (ts % 1)


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _digits(value: str) -> str:
    return value.strip().lstrip("+").strip()


def _pattern(req: Request) -> tuple[str, str] | None:
    """(digits, mode) from numberPattern.* or the 2021 names pattern/searchPattern; None = no pattern filter."""
    raw = first_query(req, "numberPattern.pattern", "pattern")
    mode = first_query(req, "numberPattern.searchPattern", "searchPattern") or "START"
    if mode not in SEARCH_PATTERNS:
        raise _parse_error("numberPattern.searchPattern", mode)
    if raw is None or not _digits(raw):
        return None
    return _digits(raw), mode


def _matches(phone: str, pattern: tuple[str, str] | None) -> bool:
    if pattern is None:
        return True
    digits, mode = pattern
    number = phone.lstrip("+")
    if mode == "START":
        return number.startswith(digits)
    if mode == "CONTAINS":
        return digits in number
    return number.endswith(digits)


def _capabilities(values: list[str], field: str) -> set[str]:
    for value in values:
        if value not in inv.CAPABILITIES:
            raise _parse_error(field, value)
    return set(values)


def _number_type(value: str | None, field: str = "type") -> str | None:
    if value is None or value == "":
        return None
    if value not in inv.TYPES:
        raise _parse_error(field, value)
    return value


class NumbersModel:
    """Active numbers: wire objects, scheduled provisioning jobs and their settling."""

    def __init__(self, ctx: Context, data: SinchData) -> None:
        self.ctx = ctx
        self.data = data
        self.choices = ctx.config.sinch
        data.settlers[NUMBER] = self.settle

    # -- configuration requests -------------------------------------------------------------------------
    def check_sms(self, sms) -> dict:
        if not isinstance(sms, dict):
            raise bad_request("sms_configuration", "smsConfiguration must be an object")
        unknown = set(sms) - {"servicePlanId", "campaignId"}
        if unknown:
            raise RpcError(400, f'unknown field "{sorted(unknown)[0]}"')
        if not isinstance(sms.get("servicePlanId"), str):
            raise bad_request("sms_configuration.service_plan_id", "servicePlanId is required")
        if "campaignId" in sms and not isinstance(sms["campaignId"], str):
            raise bad_request("sms_configuration.campaign_id", "campaignId must be a string")
        return sms

    def check_voice(self, voice) -> dict:
        if not isinstance(voice, dict) or not voice:
            raise bad_request("voice_configuration", "voiceConfiguration must not be empty")
        kind = voice.get("type") or "RTC"
        if kind not in VOICE_TYPES:
            raise _parse_error("voiceConfiguration.type", str(kind))
        key = VOICE_TYPES[kind]
        unknown = set(voice) - {"type", key}
        if unknown:
            raise bad_request(
                f"voice_configuration.{sorted(unknown)[0]}", f"{sorted(unknown)[0]} is not valid for type {kind}"
            )
        if not isinstance(voice.get(key), str):
            raise bad_request(f"voice_configuration.{key}", f"{key} is required for type {kind}")
        return {"type": kind, key: voice[key]}

    # -- wire ----------------------------------------------------------------------------------------------
    def new_wire(self, project: str, avail: inv.Available, now: float) -> dict:
        b = avail.block
        return {
            "phoneNumber": avail.phone,
            "projectId": project,
            "displayName": "",
            "regionCode": b.region,
            "type": b.type,
            "capability": list(avail.capability),
            "money": {"currencyCode": b.currency, "amount": b.monthly},
            "paymentIntervalMonths": 1,
            "nextChargeDate": self.ctx.clock.iso(_add_month(now)),
            "expireAt": None,
            "smsConfiguration": {"servicePlanId": "", "campaignId": "", "scheduledProvisioning": None},
            "voiceConfiguration": {
                "type": "RTC",
                "appId": "",
                "lastUpdatedTime": None,
                "scheduledVoiceProvisioning": None,
            },
            "callbackUrl": "",
        }

    def schedule_sms(self, rec: Rec, sms: dict, now: float) -> None:
        top = rec.wire["smsConfiguration"]
        plan = sms["servicePlanId"]
        campaign = sms.get("campaignId", top.get("campaignId", ""))
        if plan == top.get("servicePlanId", "") and campaign == top.get("campaignId", ""):
            rec.internal.pop("sms", None)  # already configured: drops a pending or failed job
            top["scheduledProvisioning"] = None
            return
        current = top.get("servicePlanId", "")
        if self.choices.require_unlink_before_relink and current and plan and plan != current:
            raise bad_request(
                "sms_configuration.service_plan_id",
                'the number is linked to another service plan; unlink it (servicePlanId "") first',
            )
        prefix = self.choices.provisioning_fail_prefix
        errors = []
        if prefix and plan.startswith(prefix):
            errors.append("SMS_PROVISIONING_FAILED")
        if prefix and campaign.startswith(prefix):
            errors.append("CAMPAIGN_PROVISIONING_FAILED")
        in_progress = now + self.choices.sms_waiting_seconds
        rec.internal["sms"] = {
            "servicePlanId": plan,
            "campaignId": campaign,
            "in_progress_at": in_progress,
            "done_at": in_progress + self.choices.sms_in_progress_seconds,
            "errorCodes": errors,
        }
        top["scheduledProvisioning"] = {
            "servicePlanId": plan,
            "campaignId": campaign,
            "status": "WAITING",
            "lastUpdatedTime": self.ctx.clock.iso(now),
            "errorCodes": [],
        }

    def schedule_voice(self, rec: Rec, voice: dict, now: float) -> None:
        top = rec.wire["voiceConfiguration"]
        kind = voice["type"]
        key = VOICE_TYPES[kind]
        if top.get("type") == kind and top.get(key, "") == voice[key]:
            rec.internal.pop("voice", None)
            top["scheduledVoiceProvisioning"] = None
            return
        current = top.get(VOICE_TYPES.get(top.get("type", "RTC"), "appId"), "")
        if self.choices.require_unlink_before_relink and current and voice[key] and voice[key] != current:
            raise bad_request(
                f"voice_configuration.{key}", "the number is linked to another voice application; unlink it first"
            )
        prefix = self.choices.provisioning_fail_prefix
        in_progress = now + self.choices.voice_waiting_seconds
        rec.internal["voice"] = {
            "type": kind,
            key: voice[key],
            "in_progress_at": in_progress,
            "done_at": in_progress + self.choices.voice_in_progress_seconds,
            "failed": bool(prefix and voice[key].startswith(prefix)),
        }
        top["scheduledVoiceProvisioning"] = {
            "type": kind,
            key: voice[key],
            "status": "WAITING",
            "lastUpdatedTime": self.ctx.clock.iso(now),
        }

    # -- settling ------------------------------------------------------------------------------------------
    def settle(self, rec: Rec, now: float) -> Rec | None:
        expire = rec.internal.get("expire_at")
        if expire is not None and now >= expire:
            return None  # released: back to the inventory
        iso = self.ctx.clock.iso
        job = rec.internal.get("sms")
        if job:
            sched = rec.wire["smsConfiguration"]["scheduledProvisioning"] or {}
            if now >= job["done_at"]:
                if job["errorCodes"]:
                    sched.update(status="FAILED", lastUpdatedTime=iso(job["done_at"]), errorCodes=job["errorCodes"])
                    rec.wire["smsConfiguration"]["scheduledProvisioning"] = sched
                else:
                    rec.wire["smsConfiguration"].update(
                        servicePlanId=job["servicePlanId"], campaignId=job["campaignId"], scheduledProvisioning=None
                    )
                del rec.internal["sms"]
            elif now >= job["in_progress_at"]:
                sched.update(status="IN_PROGRESS", lastUpdatedTime=iso(job["in_progress_at"]))
                rec.wire["smsConfiguration"]["scheduledProvisioning"] = sched
        job = rec.internal.get("voice")
        if job:
            top = rec.wire["voiceConfiguration"]
            sched = top.get("scheduledVoiceProvisioning") or {}
            if now >= job["done_at"]:
                if job["failed"]:
                    sched.update(status="FAILED", lastUpdatedTime=iso(job["done_at"]))
                    top["scheduledVoiceProvisioning"] = sched
                else:
                    key = VOICE_TYPES[job["type"]]
                    rec.wire["voiceConfiguration"] = {
                        "type": job["type"],
                        key: job[key],
                        "lastUpdatedTime": iso(job["done_at"]),
                        "scheduledVoiceProvisioning": None,
                    }
                del rec.internal["voice"]
            elif now >= job["in_progress_at"]:
                sched.update(status="IN_PROGRESS", lastUpdatedTime=iso(job["in_progress_at"]))
                top["scheduledVoiceProvisioning"] = sched
        rec.due = self.due(rec)
        return rec

    @staticmethod
    def due(rec: Rec) -> float | None:
        times = [rec.internal.get("expire_at")]
        for name in ("sms", "voice"):
            job = rec.internal.get(name)
            if job:
                times += [job["in_progress_at"], job["done_at"]]
        return next_due(*times)

    def force(self, rec: Rec, now: float, sms: str | None, voice: str | None, error_codes: list[str] | None) -> Rec:
        """Admin: finish pending jobs now, with a forced outcome ("SUCCEEDED"/"FAILED") when given."""
        for name, outcome in (("sms", sms), ("voice", voice)):
            job = rec.internal.get(name)
            if not job:
                continue
            job["in_progress_at"] = min(job["in_progress_at"], now)
            job["done_at"] = now
            if outcome is not None:
                if name == "sms":
                    job["errorCodes"] = (error_codes or ["SMS_PROVISIONING_FAILED"]) if outcome == "FAILED" else []
                else:
                    job["failed"] = outcome == "FAILED"
        return self.settle(rec, now) or rec


class SinchNumbersService(ProjectService):
    api = "sinch.numbers"

    def __init__(self, ctx: Context, auth: SinchAuth, data: SinchData, model: NumbersModel) -> None:
        super().__init__(ctx, auth)
        self.data = data
        self.model = model
        self.choices = ctx.config.sinch
        r = self.router
        # `:verb` routes first: the plain `{phone}` pattern would swallow the suffix.
        r.add("POST", BASE + "/availableNumbers:rentAny", self.rent_any)
        r.add("POST", BASE + "/availableNumbers/{phone}:rent", self.rent)
        r.add("POST", BASE + "/activeNumbers/{phone}:release", self.release)
        r.add("GET", BASE + "/availableRegions", self.regions)
        r.add("GET", BASE + "/availableNumbers", self.search)
        r.add("GET", BASE + "/availableNumbers/{phone}", self.check_available)
        r.add("GET", BASE + "/activeNumbers", self.list_active)
        r.add("GET", BASE + "/activeNumbers/{phone}", self.get_active)
        r.add("PATCH", BASE + "/activeNumbers/{phone}", self.update_active)
        r.add("GET", BASE + "/callbackConfiguration", self.get_callbacks)
        r.add("PATCH", BASE + "/callbackConfiguration", self.update_callbacks)

    # -- available ------------------------------------------------------------------------------------------
    def _phone(self, req: Request) -> str:
        phone = req.params["phone"]
        if not E164.fullmatch(phone):
            raise bad_request("phone_number", f"{phone} is not an E.164 phone number (+ and 6-15 digits)")
        return phone

    def _available(self, phone: str) -> inv.Available | None:
        avail = inv.lookup(phone, self.choices.inventory_size)
        if avail is None or self.data.owner(NUMBER, phone) is not None:
            return None
        return avail

    def regions(self, req: Request) -> Response:
        wanted = [t for t in query_list(req, "types") if _number_type(t, "types")]
        out = []
        for code, kinds in sorted(inv.regions().items()):
            shown = [k for k in kinds if not wanted or k in wanted]
            if shown:
                out.append({"regionCode": code, "regionName": inv.REGION_NAMES.get(code, code), "types": shown})
        return Response.json(200, {"availableRegions": out})

    def search(self, req: Request) -> Response:
        region = (req.arg("regionCode") or "").upper()
        if not region:
            raise bad_request("region_code", "regionCode is required")
        kind = _number_type(req.arg("type")) or inv.MOBILE  # the documented default when omitted
        wanted = _capabilities(query_list(req, "capabilities") + query_list(req, "capability"), "capabilities")
        pattern = _pattern(req)
        size = _int_query(req, "size")
        if size is not None and size < 0:
            raise bad_request("size", "size must not be negative")
        size = min(size or self.choices.available_size_default, self.choices.available_size_max)
        taken = self.data.taken_ids(NUMBER)
        found = []
        for avail in inv.numbers(region, kind, self.choices.inventory_size):
            if avail.phone in taken or not wanted <= set(avail.capability) or not _matches(avail.phone, pattern):
                continue
            found.append(avail.wire())
            if len(found) >= size:
                break
        return Response.json(200, {"availableNumbers": found})

    def check_available(self, req: Request) -> Response:
        phone = self._phone(req)
        avail = self._available(phone)
        if avail is None:
            raise not_found("AvailableNumber", phone, f"Number {phone} is not available")
        return Response.json(200, avail.wire())

    # -- renting --------------------------------------------------------------------------------------------
    def _configure(self, rec: Rec, body: dict, now: float) -> None:
        sms = self.model.check_sms(body["smsConfiguration"]) if "smsConfiguration" in body else None
        voice = self.model.check_voice(body["voiceConfiguration"]) if "voiceConfiguration" in body else None
        for key in ("displayName", "callbackUrl"):
            if key in body and not isinstance(body[key], str):
                raise bad_request(key, f"{key} must be a string")
        if sms is not None:
            self.model.schedule_sms(rec, sms, now)
        if voice is not None:
            self.model.schedule_voice(rec, voice, now)
        for key in ("displayName", "callbackUrl"):
            if key in body:
                rec.wire[key] = body[key]
        rec.due = self.model.due(rec)

    def _take(self, project: str, avail: inv.Available, body: dict) -> Response:
        now = self.ctx.clock.now()
        rec = Rec(project, NUMBER, avail.phone, self.model.new_wire(project, avail, now))
        self._configure(rec, body, now)
        with self.data.store.transaction():
            if self.data.owner(NUMBER, avail.phone) is not None or not self.data.insert(rec):
                raise not_found("AvailableNumber", avail.phone, f"Number {avail.phone} is not available")
        return Response.json(200, rec.wire)

    def _us_local_only(self, region: str, kind: str, field: str) -> None:
        if self.choices.rent_us_local_only and (region, kind) != ("US", inv.LOCAL):
            raise bad_request(
                field,
                f"{region} {kind} numbers cannot be rented with this endpoint: it only supports US LOCAL numbers; "
                "use the Number Order API",
            )

    def rent(self, req: Request) -> Response:
        phone = self._phone(req)
        body = _object(req, ("smsConfiguration", "voiceConfiguration", "callbackUrl"))
        avail = self._available(phone)
        if avail is None:
            raise not_found("AvailableNumber", phone, f"Number {phone} is not available")
        self._us_local_only(avail.block.region, avail.block.type, "phone_number")
        return self._take(req.params["project"], avail, body)

    def rent_any(self, req: Request) -> Response:
        body = _object(
            req,
            (
                "regionCode",
                "type",
                "numberPattern",
                "capabilities",
                "smsConfiguration",
                "voiceConfiguration",
                "callbackUrl",
            ),
        )
        region = body.get("regionCode")
        if not isinstance(region, str) or not region:
            raise bad_request("region_code", "regionCode is required")
        kind = body.get("type")
        if not isinstance(kind, str) or not kind:
            raise bad_request("type", "type is required")
        _number_type(kind)
        region = region.upper()
        self._us_local_only(region, kind, "region_code" if region != "US" else "type")
        caps = body.get("capabilities") or []
        if not isinstance(caps, list):
            raise bad_request("capabilities", "capabilities must be a list")
        wanted = _capabilities([str(c) for c in caps], "capabilities")
        pattern = None
        number_pattern = body.get("numberPattern")
        if number_pattern is not None:
            if not isinstance(number_pattern, dict):
                raise bad_request("number_pattern", "numberPattern must be an object")
            mode = number_pattern.get("searchPattern") or "START"
            if mode not in SEARCH_PATTERNS:
                raise _parse_error("numberPattern.searchPattern", str(mode))
            if _digits(str(number_pattern.get("pattern") or "")):
                pattern = (_digits(str(number_pattern["pattern"])), mode)
        taken = self.data.taken_ids(NUMBER)
        for avail in inv.numbers(region, kind, self.choices.inventory_size):
            if avail.phone not in taken and wanted <= set(avail.capability) and _matches(avail.phone, pattern):
                return self._take(req.params["project"], avail, body)
        raise not_found("AvailableNumber", "", "No available number matches the criteria")

    # -- active ---------------------------------------------------------------------------------------------
    def _active(self, req: Request) -> Rec:
        phone = self._phone(req)
        rec = self.data.get(req.params["project"], NUMBER, phone)
        if rec is None:
            raise not_found("ActiveNumber", phone, f"Number {phone} not found")
        return rec

    def list_active(self, req: Request) -> Response:
        region = (req.arg("regionCode") or "").upper()
        kind = _number_type(req.arg("type"))
        pattern = _pattern(req)
        # The docs name it `capability`, the Python SDK sends `capabilities`: both are read.
        wanted = _capabilities(query_list(req, "capability") + query_list(req, "capabilities"), "capability")
        order = req.arg("orderBy") or "phoneNumber"
        if order not in ORDER_BY:
            raise RpcError(
                400,
                "",
                [
                    {
                        "type": "BadRequest",
                        "fieldViolations": [{"field": "order_by", "description": f"Invalid order_by {order}"}],
                    }
                ],
            )
        size = _int_query(req, "pageSize")
        if size is not None and size < 0:
            raise bad_request("page_size", "pageSize must not be negative")
        size = min(size or self.choices.active_page_size_default, self.choices.active_page_size_max)
        offset = 0
        token = req.arg("pageToken")
        if token:
            offset = _decode_offset(token)
        rows = [
            r.wire
            for r in self.data.list(req.params["project"], NUMBER)
            if (not region or r.wire["regionCode"] == region)
            and (kind is None or r.wire["type"] == kind)
            and wanted <= set(r.wire.get("capability") or [])
            and _matches(r.id, pattern)
        ]
        rows.sort(key=lambda w: (w.get(order) or "", w["phoneNumber"]))
        page = rows[offset : offset + size]
        more = offset + size < len(rows)
        return Response.json(
            200,
            {
                "activeNumbers": page,
                "nextPageToken": _encode_offset(offset + size) if more else "",
                "totalSize": len(rows),
            },
        )

    def get_active(self, req: Request) -> Response:
        return Response.json(200, self._active(req).wire)

    def update_active(self, req: Request) -> Response:
        body = _object(req, ("displayName", "smsConfiguration", "voiceConfiguration", "callbackUrl"))
        with self.data.store.transaction():
            rec = self._active(req)
            self._configure(rec, body, self.ctx.clock.now())
            self.data.save(rec)
        return Response.json(200, rec.wire)

    def release(self, req: Request) -> Response:
        read_json(req, _bad_json(), {})  # no body expected; a malformed one is still an error
        with self.data.store.transaction():
            rec = self._active(req)
            if rec.internal.get("expire_at") is None:
                now = self.ctx.clock.now()
                grace = self.choices.release_grace_seconds
                if grace is None:
                    expire = _epoch(rec.wire["nextChargeDate"])
                else:
                    expire = now + grace
                rec.internal["expire_at"] = expire
                rec.wire["expireAt"] = self.ctx.clock.iso(expire)
                rec.due = self.model.due(rec)
                self.data.save(rec)
        return Response.json(200, rec.wire)

    # -- callback configuration -----------------------------------------------------------------------------
    def _callbacks(self, project: str) -> dict:
        rec = self.data.get(project, CALLBACK_CONFIG, "")
        return rec.wire if rec else {"projectId": project, "hmacSecret": ""}

    def get_callbacks(self, req: Request) -> Response:
        return Response.json(200, self._callbacks(req.params["project"]))

    def update_callbacks(self, req: Request) -> Response:
        body = _object(req, ("hmacSecret",))
        project = req.params["project"]
        wire = self._callbacks(project)
        if "hmacSecret" in body:
            secret = body["hmacSecret"]
            if not isinstance(secret, str) or not HMAC_SECRET.fullmatch(secret):
                raise bad_request("hmac_secret", "hmacSecret must match ^[a-zA-Z0-9-]{32,64}$")
            wire = {**wire, "hmacSecret": secret}
        with self.data.store.transaction():
            rec = Rec(project, CALLBACK_CONFIG, "", wire)
            if not self.data.insert(rec):
                self.data.save(rec)
        return Response.json(200, wire)

    # -- service plumbing -----------------------------------------------------------------------------------
    def unrouted(self, req: Request, allowed: list[str] | None) -> Response:
        if allowed is None:
            return rpc_response(404, "Not Found")
        return rpc_response(405, "Method Not Allowed", headers={"Allow": ", ".join(allowed)})

    def throttled(self, retry_after: int) -> Response:
        return rpc_response(429, "Too many requests")

    def failure(self, status: int) -> Response:
        return rpc_response(status, "Internal error" if status >= 500 else "Request failed")


def _encode_offset(offset: int) -> str:
    return encode_page_token("activeNumbers", offset)


def _decode_offset(token: str) -> int:
    offset = decode_page_token("activeNumbers", token)
    if offset is None:
        raise bad_request("page_token", "invalid page token")
    return offset
