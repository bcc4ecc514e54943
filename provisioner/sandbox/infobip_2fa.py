"""2FA applications and message templates (infobip.md §3.3, infobip-2fa-openapi.json). There is no DELETE for
either: a DELETE on their paths is a 405.

Applications (/2fa/2/applications)
- POST ApplicationRequest {name*, enabled?, configuration?} -> InfobipChoices.tfa_create_status (201 as the spec
  says; 200 for infobip-api-python-client 6.0.0, which maps only 200) with ApplicationResponse {applicationId (32
  hex), name, configuration, enabled}. Configuration members left out take the spec defaults: pinAttempts 10,
  allowMultiplePinVerifications true, pinTimeToLive "15m", verifyPinLimit "1/3s", sendPinPerApplicationLimit
  "10000/1d", sendPinPerPhoneNumberLimit "3/1d"; `enabled` defaults to true (tfa_enabled_default). Names need not
  be unique.
- PUT replaces the whole application (same body; absent configuration members go back to the defaults).
- Formats: pinTimeToLive `{timeLength}{timeUnit}` (length optional, unit ms|s|m|h|d, at most one year);
  the limits `{attempts}/{timeLength}{timeUnit}` (verifyPinLimit at most one day, the others one year). A bad value
  is a 400 BAD_REQUEST with validationErrors.
- GET list: a bare array in creation order; GET one: 404 NOT_FOUND "Not found".

Message templates (/2fa/2/applications/{appId}/messages, /email/messages)
- SMS/voice POST {messageText* (must contain {{pin}}), pinType* NUMERIC|ALPHA|HEX|ALPHANUMERIC, pinLength,
  senderId, language (the spec's enum), voiceName, repeatDTMF, speechRate (0.5..2), regional.indiaDlt} -> 200
  with messageId (32 hex), applicationId and pinPlaceholder "{{pin}}". pinLength defaults to 4
  (tfa_pin_length_default); members not sent are not returned (language included, as in the spec's examples).
- PUT merges: members sent replace the stored ones, the others stay.
- Email POST {emailTemplateId* (int64), from, landingPageId, pinLength (default 4), pinType (default NUMERIC)} ->
  200; PUT merges. Email templates are listed with the others.
- Unknown application or template -> 404 NOT_FOUND.
"""

from __future__ import annotations

import re

from .context import Context
from .infobip_common import Checks, hex_key, json_object, not_found
from .infobip_data import TFA_APP, TFA_MESSAGE, InfobipData, Rec
from .infobip_service import InfobipService, account
from .router import Request, Response

BASE = "/2fa/2/applications"
DEFAULT_CONFIGURATION = {
    "pinAttempts": 10,
    "allowMultiplePinVerifications": True,
    "pinTimeToLive": "15m",
    "verifyPinLimit": "1/3s",
    "sendPinPerApplicationLimit": "10000/1d",
    "sendPinPerPhoneNumberLimit": "3/1d",
}
PIN_TYPES = ("NUMERIC", "ALPHA", "HEX", "ALPHANUMERIC")
LANGUAGES = "en es ca da nl fr de it ja ko no pl ru sv fi hr sl ro pt_pt pt_br zh_cn zh_tw".split()
UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
YEAR, DAY = 365 * 86400, 86400
MESSAGE_ORDER = (
    "messageId",
    "applicationId",
    "pinPlaceholder",
    "messageText",
    "pinLength",
    "pinType",
    "language",
    "voiceName",
    "senderId",
    "repeatDTMF",
    "speechRate",
    "regional",
    "from",
    "emailTemplateId",
    "landingPageId",
)
SMS_FIELDS = (
    "messageText",
    "pinLength",
    "pinType",
    "language",
    "voiceName",
    "senderId",
    "repeatDTMF",
    "speechRate",
    "regional",
)
EMAIL_FIELDS = ("emailTemplateId", "from", "landingPageId", "pinLength", "pinType")


def _duration(text: str) -> float | None:
    m = re.fullmatch(r"(\d*)(ms|s|m|h|d)", text)
    if not m:
        return None
    return int(m.group(1) or 1) * UNIT_SECONDS[m.group(2)]


def _check_limit(checks: Checks, cfg: dict, key: str, ceiling: float) -> None:
    value = cfg.get(key)
    if value is None:
        return
    m = re.fullmatch(r"(\d+)/(.+)", value) if isinstance(value, str) else None
    seconds = _duration(m.group(2)) if m else None
    if seconds is None:
        checks.add(f"configuration.{key}", 'must match "{attempts}/{timeLength}{timeUnit}"')
    elif seconds > ceiling:
        checks.add(
            f"configuration.{key}", "time period must not exceed " + ("one day" if ceiling == DAY else "one year")
        )


def _ordered(wire: dict) -> dict:
    return {k: wire[k] for k in MESSAGE_ORDER if k in wire}


def register(service: InfobipService, ctx: Context, data: InfobipData) -> None:
    choices = ctx.config.infobip

    def application_body(req: Request) -> dict:
        body = json_object(req)
        checks = Checks()
        name = checks.string(body, "name", required=True, blank_ok=False)
        enabled = checks.boolean(body, "enabled")
        cfg = checks.obj(body, "configuration") or {}
        checks.integer(cfg, "pinAttempts", "configuration.pinAttempts", lo=1)
        checks.boolean(cfg, "allowMultiplePinVerifications", "configuration.allowMultiplePinVerifications")
        ttl = cfg.get("pinTimeToLive")
        if ttl is not None:
            seconds = _duration(ttl) if isinstance(ttl, str) else None
            if seconds is None:
                checks.add("configuration.pinTimeToLive", 'must match "{timeLength}{timeUnit}"')
            elif seconds > YEAR:
                checks.add("configuration.pinTimeToLive", "time period must not exceed one year")
        _check_limit(checks, cfg, "verifyPinLimit", DAY)
        _check_limit(checks, cfg, "sendPinPerApplicationLimit", YEAR)
        _check_limit(checks, cfg, "sendPinPerPhoneNumberLimit", YEAR)
        checks.fail()
        configuration = {k: cfg[k] if cfg.get(k) is not None else v for k, v in DEFAULT_CONFIGURATION.items()}
        return {
            "name": name,
            "configuration": configuration,
            "enabled": choices.tfa_enabled_default if enabled is None else enabled,
        }

    def app_find(req: Request) -> Rec:
        rec = data.get(account(req), TFA_APP, req.params["appId"])
        if rec is None:
            raise not_found()
        return rec

    def list_apps(req: Request) -> Response:
        return Response.json(200, [r.wire for r in data.list(account(req), TFA_APP)])

    def create_app(req: Request) -> Response:
        fields = application_body(req)
        app_id = hex_key()
        wire = {"applicationId": app_id, **fields}
        data.insert(Rec(account(req), TFA_APP, app_id, wire))
        return Response.json(choices.tfa_create_status, wire)

    def get_app(req: Request) -> Response:
        return Response.json(200, app_find(req).wire)

    def update_app(req: Request) -> Response:
        with data.store.transaction():
            rec = app_find(req)
            rec.wire = {"applicationId": rec.id, **application_body(req)}
            data.save(rec)
        return Response.json(200, rec.wire)

    # -- message templates ----------------------------------------------------------------------------------------
    def check_sms(body: dict, create: bool) -> dict:
        checks = Checks()
        text = checks.string(body, "messageText", required=create, blank_ok=False)
        if text is not None and "{{pin}}" not in text:
            checks.add("messageText", "must contain the {{pin}} placeholder")
        checks.enum(body, "pinType", PIN_TYPES, required=create)
        checks.integer(body, "pinLength", lo=1)
        checks.string(body, "senderId")
        checks.enum(body, "language", LANGUAGES)
        checks.string(body, "voiceName")
        checks.string(body, "repeatDTMF")
        checks.number(body, "speechRate", lo=0.5, hi=2)
        regional = checks.obj(body, "regional")
        if regional is not None:
            dlt = checks.obj(regional, "indiaDlt", "regional.indiaDlt")
            if dlt is not None:
                path = "regional.indiaDlt"
                checks.string(dlt, "principalEntityId", f"{path}.principalEntityId", required=True, max_len=30)
                checks.string(dlt, "contentTemplateId", f"{path}.contentTemplateId", max_len=30)
                checks.string(dlt, "teleMarketerId", f"{path}.teleMarketerId", max_len=255)
        checks.fail()
        return {k: body[k] for k in SMS_FIELDS if body.get(k) is not None}

    def check_email(body: dict, create: bool) -> dict:
        checks = Checks()
        checks.integer(body, "emailTemplateId", required=create)
        checks.string(body, "from")
        checks.string(body, "landingPageId")
        checks.integer(body, "pinLength", lo=1)
        checks.enum(body, "pinType", PIN_TYPES)
        checks.fail()
        return {k: body[k] for k in EMAIL_FIELDS if body.get(k) is not None}

    def message_find(req: Request, email: bool | None = None) -> Rec:
        app = app_find(req)
        rec = data.get(app.account, TFA_MESSAGE, req.params["msgId"])
        if rec is None or rec.wire.get("applicationId") != app.id:
            raise not_found()
        if email is not None and ("emailTemplateId" in rec.wire) != email:
            raise not_found()
        return rec

    def list_messages(req: Request) -> Response:
        app = app_find(req)
        items = [r.wire for r in data.list(app.account, TFA_MESSAGE) if r.wire.get("applicationId") == app.id]
        return Response.json(200, items)

    def create_message(req: Request) -> Response:
        app = app_find(req)
        fields = check_sms(json_object(req), create=True)
        fields.setdefault("pinLength", choices.tfa_pin_length_default)
        msg_id = hex_key()
        wire = _ordered({"messageId": msg_id, "applicationId": app.id, "pinPlaceholder": "{{pin}}", **fields})
        data.insert(Rec(app.account, TFA_MESSAGE, msg_id, wire))
        return Response.json(200, wire)

    def get_message(req: Request) -> Response:
        return Response.json(200, message_find(req).wire)

    def update_message(req: Request) -> Response:
        body = json_object(req)
        with data.store.transaction():
            rec = message_find(req, email=False)
            rec.wire = _ordered({**rec.wire, **check_sms(body, create=False)})
            data.save(rec)
        return Response.json(200, rec.wire)

    def create_email(req: Request) -> Response:
        app = app_find(req)
        fields = check_email(json_object(req), create=True)
        fields.setdefault("pinLength", 4)
        fields.setdefault("pinType", "NUMERIC")
        msg_id = hex_key()
        wire = _ordered({"messageId": msg_id, "applicationId": app.id, **fields})
        data.insert(Rec(app.account, TFA_MESSAGE, msg_id, wire))
        return Response.json(200, wire)

    def update_email(req: Request) -> Response:
        body = json_object(req)
        with data.store.transaction():
            rec = message_find(req, email=True)
            rec.wire = _ordered({**rec.wire, **check_email(body, create=False)})
            data.save(rec)
        return Response.json(200, rec.wire)

    service.add("GET", BASE, "get-2fa-applications", list_apps)
    service.add("POST", BASE, "create-2fa-application", create_app)
    service.add("GET", BASE + "/{appId}", "get-2fa-application", get_app)
    service.add("PUT", BASE + "/{appId}", "update-2fa-application", update_app)
    service.add("GET", BASE + "/{appId}/messages", "get-2fa-message-templates", list_messages)
    service.add("POST", BASE + "/{appId}/messages", "create-2fa-message-template", create_message)
    service.add("GET", BASE + "/{appId}/messages/{msgId}", "get-2fa-message-template", get_message)
    service.add("PUT", BASE + "/{appId}/messages/{msgId}", "update-2fa-message-template", update_message)
    service.add("POST", BASE + "/{appId}/email/messages", "create-2fa-email-message-template", create_email)
    service.add("PUT", BASE + "/{appId}/email/messages/{msgId}", "update-2fa-email-message-template", update_email)
