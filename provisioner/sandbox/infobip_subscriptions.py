"""Subscriptions Management (infobip.md §5.1, infobip-subscriptions-api-openapi.json): security settings, notification
profiles and subscriptions, all with client-chosen immutable ids. Creates answer 201, everything else 200; DELETE
returns the id-only object. Errors are legacy bodies (400 with validationErrors, 404 NOT_FOUND "Not found").

Choices where the contract is silent:
- An existing authId / profileId / (channel, subscriptionId) on create -> InfobipChoices.subscriptions_duplicate_status
  (400 BAD_REQUEST; the spec declares no 409). Subscription ids are unique per channel.
- Inline definitions: a profile's `security` (or a subscription's `profile`) that names an existing id references it
  and its other members are ignored ("otherwise it will be ignored"); a new id with a definition creates it; a new id
  without one (only the id) is a 404. PUT bodies only reference ({"authId"} / {"profileId"}), which must exist (404).
- Deleting security settings used by a profile, or a profile used by a subscription, is a 400 (delete in reverse
  order: subscription, profile, security).
- Events the channel does not offer are dropped silently (the spec: "will be ignored"); `{"event","format"}` objects
  are kept for the channels with format-aware events and dropped elsewhere; duplicates are dropped.
- Lists: PageInfo paging (size 1..100, default 20). Subscriptions are sorted by creation date, newest first (the
  spec's default); profiles and security settings oldest first. Subscription filters applicationId, entityId,
  callsConfigurationId, resource, user repeat and combine with AND (every value must appear).
- Profile `webhook.contentType` defaults to "application/json" (the spec's GET example shows it without a create
  sending it). Security credentials are returned by GET /security (the spec's example does), never by profiles.
"""

from __future__ import annotations

from .context import Context
from .infobip_common import Checks, bad_request, json_object, legacy, legacy_param_error, not_found, page_info
from .infobip_data import PROFILE, SECURITY, SUBSCRIPTION, InfobipData, Rec
from .infobip_service import InfobipService, account
from .router import Request, Response

CREDENTIAL_TYPES = ("BASIC", "HMAC", "OAUTH", "CUSTOM")
HMAC_ALGORITHMS = ("HMAC_MD5", "HMAC_SHA_1", "HMAC_SHA_224", "HMAC_SHA_256", "HMAC_SHA_384", "HMAC_SHA_512")
SSL_PROTOCOLS = ("TLSv1.2", "TLSv1.3")
# channel -> events (SimpleXxxEvents of the spec); FORMAT_AWARE channels also take {"event","format"} objects.
EVENTS: dict[str, tuple[str, ...]] = {
    "AGENT_OS": (
        "CONVERSATION_ASSIGNMENT_UPDATED",
        "CONVERSATION_CREATED",
        "CONVERSATION_MESSAGE_DELETED",
        "CONVERSATION_MESSAGE_RECEIVED",
        "CONVERSATION_MESSAGE_UPDATED",
        "CONVERSATION_STATUS_UPDATED",
    ),
    "APPLE_MESSAGES_FOR_BUSINESS": ("DELIVERY", "INBOUND_MESSAGE"),
    "BLOCKLIST": ("BLOCK", "UNBLOCK"),
    "CUSTOMER_ENGAGEMENT": (
        "CONVERSATION_ASSIGNMENT_UPDATED",
        "CONVERSATION_CREATED",
        "CONVERSATION_MESSAGE_DELETED",
        "CONVERSATION_MESSAGE_RECEIVED",
        "CONVERSATION_MESSAGE_UPDATED",
        "CONVERSATION_STATUS_UPDATED",
    ),
    "EMAIL": (
        "CLICK",
        "COMPLAINT",
        "DELIVERY",
        "HIGH_BOUNCE_RATE_BLOCKED",
        "HIGH_BOUNCE_RATE_WARNING",
        "LATE_BOUNCE",
        "OPEN",
        "UNSUBSCRIBE",
    ),
    "FACEBOOK": ("CLICK", "CONSENT_UPDATE", "DELIVERY", "INBOUND_MESSAGE", "SEEN"),
    "KAKAO_ALIM": ("DELIVERY",),
    "KAKAO_BRAND_MESSAGE": ("CLICK", "DELIVERY"),
    "LINE": ("DELIVERY", "INBOUND_MESSAGE"),
    "MMS": ("CLICK", "DELIVERY", "INBOUND_MESSAGE"),
    "MOBILE_IDENTITY": ("SILENT_VERIFICATION",),
    "MOBILE_PUSH": ("DELIVERY", "SEEN", "SENT"),
    "NUMBER_LOOKUP": ("NUMBER_LOOKUP",),
    "OPEN_CHANNEL": ("DELIVERY",),
    "RCS": (
        "CAP_CHECK",
        "CLICK",
        "CONVERSATION_STARTED",
        "DELIVERY",
        "INBOUND_MESSAGE",
        "SEEN",
        "SENDER_LAUNCH_UPDATE",
        "SENDER_UPDATE",
        "SUGGESTION",
        "TEMPLATE_UPDATE",
        "TEST_NUMBER_UPDATE",
        "TYPING_INDICATOR",
    ),
    "REGISTRATION": (
        "AI_CAMPAIGN_BUILDER",
        "AI_CAMPAIGN_FEEDBACK",
        "BRAND_AUTH_UPDATE",
        "BRAND_STATUS_UPDATE",
        "BRAND_VET_UPDATE",
        "CAMPAIGN_NETWORK_STATUS_UPDATE",
        "CAMPAIGN_STATUS_UPDATE",
        "RESOURCE_REQUEST_FOC_DATE_CHANGE",
        "RESOURCE_REQUEST_REMINDER",
        "RESOURCE_REQUEST_STATUS_UPDATE",
    ),
    "SMS": ("CLICK", "DELIVERY", "INBOUND_MESSAGE"),
    "VIBER": ("CLICK", "CONSENT_UPDATE", "DELIVERY", "INBOUND_MESSAGE", "SEEN", "TEMPLATE_UPDATE"),
    "VOICE_VIDEO": tuple(
        """APPLICATION_TRANSFER_FAILED APPLICATION_TRANSFER_FINISHED APPLICATION_TRANSFER_REQUESTED BULK_CALL_STATUS
        CALL_DISCONNECTED CALL_ESTABLISHED CALL_FAILED CALL_FINISHED CALL_MEDIA_CHANGED CALL_PRE_ESTABLISHED
        CALL_RECEIVED CALL_RECONNECTED CALL_RECORDING_DELETED CALL_RECORDING_FAILED CALL_RECORDING_READY
        CALL_RECORDING_STARTED CALL_RECORDING_STOPPED CALL_RINGING CALL_STARTED CONFERENCE_COMPOSITION_FAILED
        CONFERENCE_COMPOSITION_FINISHED CONFERENCE_CREATED CONFERENCE_FINISHED CONFERENCE_RECORDING_DELETED
        CONFERENCE_RECORDING_FAILED CONFERENCE_RECORDING_READY CONFERENCE_RECORDING_STARTED
        CONFERENCE_RECORDING_STOPPED DELIVERY DIALOG_COMPOSITION_FAILED DIALOG_COMPOSITION_FINISHED DIALOG_CREATED
        DIALOG_ESTABLISHED DIALOG_FAILED DIALOG_FINISHED DIALOG_RECORDING_DELETED DIALOG_RECORDING_FAILED
        DIALOG_RECORDING_READY DIALOG_RECORDING_STARTED DIALOG_RECORDING_STOPPED DIALOG_TRANSFER_FAILED
        DIALOG_TRANSFER_FINISHED DIALOG_TRANSFER_REQUESTED DTMF_CAPTURED ERROR MACHINE_DETECTION_FAILED
        MACHINE_DETECTION_FINISHED MACHINE_MESSAGE_DETECTION_FAILED MACHINE_MESSAGE_DETECTION_FINISHED
        MEDIA_STREAM_FAILED MEDIA_STREAM_FINISHED MEDIA_STREAM_STARTED MISSED_CALL NUMBER_MASKING PARTICIPANT_JOINED
        PARTICIPANT_JOINING PARTICIPANT_JOIN_FAILED PARTICIPANT_MEDIA_CHANGED PARTICIPANT_RECORDING_FAILED
        PARTICIPANT_REMOVED PARTICIPANT_ROLE_CHANGED PARTICIPANT_ROLE_CHANGE_FAILED PARTICIPANT_STARTED_TALKING
        PARTICIPANT_STOPPED_TALKING PLAY_FINISHED SAY_FINISHED SILENT_VERIFICATION_DELIVERY SPEECH_CAPTURED
        TRANSCRIPTION""".split()
    ),
    "WEB_PUSH": ("DELIVERY",),
    "WHATSAPP": (
        "ACCOUNT_REGISTRATION",
        "ACCOUNT_UPDATE_NOTIFICATION",
        "BILLING",
        "BUSINESS_APP_CONTACT_SYNC",
        "BUSINESS_APP_MESSAGE_ECHO",
        "BUSINESS_APP_MESSAGE_HISTORY",
        "CLICK",
        "DELIVERY",
        "IDENTITY_CHANGE",
        "INBOUND_MESSAGE",
        "MARKETING_SUBSCRIPTION_UPDATE",
        "PAYMENT_STATUS",
        "SEEN",
        "TEMPLATE_UPDATE",
    ),
    "ZALO": ("CLICK", "DELIVERY", "INBOUND_MESSAGE", "TEMPLATE_UPDATE"),
}
FORMAT_AWARE = frozenset(
    {"APPLE_MESSAGES_FOR_BUSINESS", "BLOCKLIST", "FACEBOOK", "MMS", "MOBILE_IDENTITY", "OPEN_CHANNEL", "SMS"}
)
PROFILE_ORDER = (
    "profileId",
    "webhook",
    "security",
    "clientCertificateId",
    "maxBucketSize",
    "windowSize",
    "connectTimeout",
    "readTimeout",
    "enabledSSLProtocols",
    "headers",
    "responseRegex",
    "responseBodyRegex",
    "rateLimit",
)
PROFILE_RANGES = {
    "maxBucketSize": (1, 2000),
    "windowSize": (20, 10000),
    "connectTimeout": (300, 30000),
    "readTimeout": (1000, 90000),
    "rateLimit": (1, 5000),
}
SUB_ORDER = ("subscriptionId", "name", "profile", "events", "criteria", "resources", "users")


def register(service: InfobipService, ctx: Context, data: InfobipData) -> None:
    choices = ctx.config.infobip

    def duplicate(what: str, ident: str):
        status = choices.subscriptions_duplicate_status
        message_id = "BAD_REQUEST" if status == 400 else "CONFLICT"
        return legacy(status, message_id, f"{what} with ID {ident} already exists.")

    def id_only_profile(profile: Rec) -> dict:
        out: dict = {"profileId": profile.id}
        if profile.wire.get("security"):
            out["security"] = profile.wire["security"]
        return out

    # -- security settings ----------------------------------------------------------------------------------------
    def check_security(checks: Checks, body: dict, path: str) -> dict:
        kind = checks.enum(body, "type", CREDENTIAL_TYPES, f"{path}type")
        creds = checks.obj(body, "credentials", f"{path}credentials")
        out: dict = {}
        if kind is not None:
            out["type"] = kind
        if creds is None:
            if kind in ("BASIC", "HMAC", "OAUTH"):
                checks.add(f"{path}credentials", "must not be null")
            return out
        p = f"{path}credentials."
        if kind == "BASIC":
            checks.string(creds, "username", p + "username", required=True, min_len=1, max_len=255)
            checks.string(creds, "password", p + "password", required=True, min_len=1, max_len=255)
        elif kind == "HMAC":
            checks.string(creds, "secretKey", p + "secretKey", required=True, min_len=1, max_len=255)
            checks.enum(creds, "algorithm", HMAC_ALGORITHMS, p + "algorithm", required=True)
        elif kind == "OAUTH":
            checks.string(creds, "tokenUrl", p + "tokenUrl", required=True, min_len=1, max_len=255)
            checks.string(creds, "grantType", p + "grantType", required=True, min_len=1, max_len=255)
        elif kind is None:
            checks.add(f"{path}type", "must not be null when credentials are given")
        out["credentials"] = creds
        return out

    def security_find(acct: str, auth_id: str) -> Rec:
        rec = data.get(acct, SECURITY, auth_id)
        if rec is None:
            raise not_found()
        return rec

    def security_list(req: Request) -> Response:
        return Response.json(200, page_info(req, [r.wire for r in data.list(account(req), SECURITY)], 20, 100))

    def create_security_record(acct: str, body: dict, checks: Checks, path: str = "") -> Rec:
        auth_id = checks.string(body, "authId", f"{path}authId", required=True, min_len=1, max_len=255)
        fields = check_security(checks, body, path)
        checks.fail()
        return Rec(acct, SECURITY, auth_id, {"authId": auth_id, **fields})

    def security_create(req: Request) -> Response:
        acct = account(req)
        rec = create_security_record(acct, json_object(req), Checks())
        if not data.insert(rec):
            raise duplicate("Security settings", rec.id)
        return Response.json(201, {"authId": rec.id})

    def security_get(req: Request) -> Response:
        return Response.json(200, security_find(account(req), req.params["authId"]).wire)

    def security_update(req: Request) -> Response:
        body = json_object(req)
        checks = Checks()
        fields = check_security(checks, body, "")
        checks.fail()
        with data.store.transaction():
            rec = security_find(account(req), req.params["authId"])
            rec.wire = {"authId": rec.id, **fields}
            data.save(rec)
        return Response.json(200, {"authId": rec.id})

    def security_delete(req: Request) -> Response:
        acct = account(req)
        with data.store.transaction():
            rec = security_find(acct, req.params["authId"])
            users = [p.id for p in data.list(acct, PROFILE) if (p.wire.get("security") or {}).get("authId") == rec.id]
            if users:
                raise bad_request(f"Security settings {rec.id} are used by notification profile(s) {', '.join(users)}.")
            data.delete(acct, SECURITY, rec.id)
        return Response.json(200, {"authId": rec.id})

    # -- notification profiles ---------------------------------------------------------------------------------------
    def check_profile(checks: Checks, body: dict, path: str) -> dict:
        out: dict = {}
        webhook = checks.obj(body, "webhook", f"{path}webhook", required=True)
        if webhook is not None:
            url = checks.string(webhook, "notifyUrl", f"{path}webhook.notifyUrl", required=True, max_len=512)
            content_type = checks.string(webhook, "contentType", f"{path}webhook.contentType", max_len=255)
            out["webhook"] = {"contentType": content_type or "application/json", "notifyUrl": url}
        cert = checks.string(body, "clientCertificateId", f"{path}clientCertificateId", max_len=255)
        if cert is not None:
            out["clientCertificateId"] = cert
        for key, (lo, hi) in PROFILE_RANGES.items():
            value = checks.integer(body, key, f"{path}{key}", lo=lo, hi=hi)
            if value is not None:
                out[key] = value
        protocols = checks.array(body, "enabledSSLProtocols", f"{path}enabledSSLProtocols")
        if protocols is not None:
            if any(p not in SSL_PROTOCOLS for p in protocols) or len(set(protocols)) != len(protocols):
                checks.add(f"{path}enabledSSLProtocols", f"must be distinct values of [{', '.join(SSL_PROTOCOLS)}]")
            out["enabledSSLProtocols"] = protocols
        headers = checks.obj(body, "headers", f"{path}headers")
        if headers is not None:
            if not all(isinstance(v, str) for v in headers.values()):
                checks.add(f"{path}headers", "values must be strings")
            out["headers"] = headers
        for key in ("responseRegex", "responseBodyRegex"):
            value = checks.string(body, key, f"{path}{key}")
            if value is not None:
                out[key] = value
        return out

    def resolve_security(acct: str, value, checks: Checks, path: str, inline: bool) -> dict | None:
        """{"authId"} of an existing or (inline definition) new security settings item; None when absent."""
        if value is None:
            return None
        if not isinstance(value, dict):
            checks.add(path, "must be an object")
            checks.fail()
        auth_id = checks.string(value, "authId", f"{path}.authId", required=True, min_len=1, max_len=255)
        checks.fail()
        if data.get(acct, SECURITY, auth_id) is not None:
            return {"authId": auth_id}
        if not inline or not any(k in value for k in ("type", "credentials")):
            raise not_found(f"Security settings {auth_id} not found.")
        data.insert(create_security_record(acct, value, checks, f"{path}."))
        return {"authId": auth_id}

    def profile_find(acct: str, profile_id: str) -> Rec:
        rec = data.get(acct, PROFILE, profile_id)
        if rec is None:
            raise not_found()
        return rec

    def build_profile(acct: str, body: dict, checks: Checks, path: str = "", profile_id: str | None = None) -> Rec:
        if profile_id is None:
            profile_id = checks.string(body, "profileId", f"{path}profileId", required=True, min_len=1, max_len=255)
        fields = check_profile(checks, body, path)
        checks.fail()
        security = resolve_security(acct, body.get("security"), checks, f"{path}security", inline=True)
        wire = {"profileId": profile_id, **fields}
        if security is not None:
            wire["security"] = security
        return Rec(acct, PROFILE, profile_id, {k: wire[k] for k in PROFILE_ORDER if k in wire})

    def profile_list(req: Request) -> Response:
        return Response.json(200, page_info(req, [r.wire for r in data.list(account(req), PROFILE)], 20, 100))

    def profile_create(req: Request) -> Response:
        acct = account(req)
        body = json_object(req)
        with data.store.transaction():
            checks = Checks()
            profile_id = checks.string(body, "profileId", required=True, min_len=1, max_len=255)
            checks.fail()
            if data.get(acct, PROFILE, profile_id) is not None:
                raise duplicate("Notification profile", profile_id)
            rec = build_profile(acct, body, checks, profile_id=profile_id)
            data.insert(rec)
        return Response.json(201, id_only_profile(rec))

    def profile_get(req: Request) -> Response:
        return Response.json(200, profile_find(account(req), req.params["profileId"]).wire)

    def profile_update(req: Request) -> Response:
        acct = account(req)
        body = json_object(req)
        with data.store.transaction():
            current = profile_find(acct, req.params["profileId"])
            checks = Checks()
            fields = check_profile(checks, body, "")
            checks.fail()
            security = resolve_security(acct, body.get("security"), checks, "security", inline=False)
            wire = {"profileId": current.id, **fields}
            if security is not None:
                wire["security"] = security
            current.wire = {k: wire[k] for k in PROFILE_ORDER if k in wire}
            data.save(current)
        return Response.json(200, id_only_profile(current))

    def profile_delete(req: Request) -> Response:
        acct = account(req)
        with data.store.transaction():
            rec = profile_find(acct, req.params["profileId"])
            users = [
                s.wire["subscriptionId"]
                for s in data.list(acct, SUBSCRIPTION)
                if s.wire["profile"]["profileId"] == rec.id
            ]
            if users:
                raise bad_request(f"Notification profile {rec.id} is used by subscription(s) {', '.join(users)}.")
            data.delete(acct, PROFILE, rec.id)
        return Response.json(200, id_only_profile(rec))

    # -- subscriptions ---------------------------------------------------------------------------------------------
    def channel(req: Request) -> str:
        value = req.params["channel"]
        if value not in EVENTS:
            raise legacy_param_error("channel", f"must be one of [{', '.join(EVENTS)}]")
        return value

    def check_subscription(checks: Checks, body: dict, chan: str) -> dict:
        out: dict = {}
        name = checks.string(body, "name", min_len=1, max_len=255)
        if name is not None:
            out["name"] = name
        events = checks.array(body, "events", required=True, max_items=255)
        if events is not None:
            kept: list = []
            for i, event in enumerate(events):
                if isinstance(event, str):
                    item = event if event in EVENTS[chan] else None
                elif isinstance(event, dict):
                    if not isinstance(event.get("event"), str) or not isinstance(event.get("format"), str):
                        checks.add(f"events[{i}]", "event and format must not be null")
                        continue
                    ok = chan in FORMAT_AWARE and event["event"] in EVENTS[chan]
                    item = {"event": event["event"], "format": event["format"]} if ok else None
                else:
                    checks.add(f"events[{i}]", "must be a string or an object")
                    continue
                if item is not None and item not in kept:
                    kept.append(item)
            out["events"] = kept
        criteria = checks.array(body, "criteria", max_items=255)
        if criteria is not None:
            clean = []
            for i, pair in enumerate(criteria):
                if not isinstance(pair, dict):
                    checks.add(f"criteria[{i}]", "must be an object")
                    continue
                item = {}
                for key in ("applicationId", "entityId", "callsConfigurationId"):
                    value = checks.string(pair, key, f"criteria[{i}].{key}", max_len=255)
                    if value is not None:
                        item[key] = value
                clean.append(item)
            out["criteria"] = clean
        for key in ("resources", "users"):
            values = checks.array(body, key, max_items=255)
            if values is not None:
                if not all(isinstance(v, str) and len(v) <= 255 for v in values):
                    checks.add(key, "must be strings of at most 255 characters")
                out[key] = values
        return out

    def sub_find(req: Request) -> Rec:
        chan = channel(req)
        rec = data.get(account(req), SUBSCRIPTION, f"{chan}/{req.params['subscriptionId']}")
        if rec is None:
            raise not_found()
        return rec

    def sub_wire(sub_id: str, fields: dict, profile: Rec) -> dict:
        wire = {"subscriptionId": sub_id, **fields, "profile": id_only_profile(profile)}
        return {k: wire[k] for k in SUB_ORDER if k in wire}

    def sub_list(req: Request) -> Response:
        acct = account(req)
        chan = channel(req)
        recs = [r for r in data.list(acct, SUBSCRIPTION) if r.internal.get("channel") == chan]
        recs.reverse()  # newest first
        filters = {k: req.query.get(k, []) for k in ("applicationId", "entityId", "callsConfigurationId")}
        resources, users = req.query.get("resource", []), req.query.get("user", [])
        items = []
        for rec in recs:
            wire = rec.wire
            criteria = wire.get("criteria") or []
            if any(all(c.get(k) != v for c in criteria) for k, vals in filters.items() for v in vals):
                continue
            if any(r not in (wire.get("resources") or []) for r in resources):
                continue
            if any(u not in (wire.get("users") or []) for u in users):
                continue
            items.append(wire)
        return Response.json(200, page_info(req, items, 20, 100))

    def sub_create(req: Request) -> Response:
        acct = account(req)
        chan = channel(req)
        body = json_object(req)
        with data.store.transaction():
            checks = Checks()
            sub_id = checks.string(body, "subscriptionId", required=True, min_len=1, max_len=255)
            fields = check_subscription(checks, body, chan)
            profile_body = checks.obj(body, "profile", required=True)
            checks.fail()
            assert profile_body is not None and sub_id is not None
            if data.get(acct, SUBSCRIPTION, f"{chan}/{sub_id}") is not None:
                raise duplicate("Subscription", sub_id)
            profile_id = checks.string(profile_body, "profileId", "profile.profileId", required=True, max_len=255)
            checks.fail()
            profile = data.get(acct, PROFILE, profile_id)
            if profile is None:
                if "webhook" not in profile_body:
                    raise not_found(f"Notification profile {profile_id} not found.")
                profile = build_profile(acct, profile_body, checks, "profile.")
                data.insert(profile)
            wire = sub_wire(sub_id, fields, profile)
            data.insert(Rec(acct, SUBSCRIPTION, f"{chan}/{sub_id}", wire, {"channel": chan}))
        return Response.json(201, {"subscriptionId": sub_id, "profile": wire["profile"]})

    def sub_get(req: Request) -> Response:
        rec = sub_find(req)
        profile = data.get(rec.account, PROFILE, rec.wire["profile"]["profileId"])
        if profile is not None:  # the profile's security may have changed since
            rec.wire["profile"] = id_only_profile(profile)
        return Response.json(200, rec.wire)

    def sub_update(req: Request) -> Response:
        acct = account(req)
        body = json_object(req)
        with data.store.transaction():
            rec = sub_find(req)
            checks = Checks()
            fields = check_subscription(checks, body, rec.internal["channel"])
            profile_body = checks.obj(body, "profile", required=True)
            checks.fail()
            assert profile_body is not None
            profile_id = checks.string(profile_body, "profileId", "profile.profileId", required=True, max_len=255)
            checks.fail()
            profile = data.get(acct, PROFILE, profile_id)
            if profile is None:
                raise not_found(f"Notification profile {profile_id} not found.")
            rec.wire = sub_wire(rec.wire["subscriptionId"], fields, profile)
            data.save(rec)
        return Response.json(200, {"subscriptionId": rec.wire["subscriptionId"], "profile": rec.wire["profile"]})

    def sub_delete(req: Request) -> Response:
        with data.store.transaction():
            rec = sub_find(req)
            data.delete(rec.account, SUBSCRIPTION, rec.id)
        return Response.json(200, {"subscriptionId": rec.wire["subscriptionId"], "profile": rec.wire["profile"]})

    base = "/subscriptions/1"
    service.add("GET", base + "/security", "get-security-settings", security_list)
    service.add("POST", base + "/security", "create-security-settings", security_create)
    service.add("GET", base + "/security/{authId}", "get-security-setting", security_get)
    service.add("PUT", base + "/security/{authId}", "update-security-settings", security_update)
    service.add("DELETE", base + "/security/{authId}", "delete-security-settings", security_delete)
    service.add("GET", base + "/profiles", "get-profiles", profile_list)
    service.add("POST", base + "/profiles", "create-profile", profile_create)
    service.add("GET", base + "/profiles/{profileId}", "get-profile", profile_get)
    service.add("PUT", base + "/profiles/{profileId}", "update-profile", profile_update)
    service.add("DELETE", base + "/profiles/{profileId}", "delete-profile", profile_delete)
    service.add("GET", base + "/subscription/{channel}", "get-subscriptions", sub_list)
    service.add("POST", base + "/subscription/{channel}", "create-subscription", sub_create)
    service.add("GET", base + "/subscription/{channel}/{subscriptionId}", "get-subscription", sub_get)
    service.add("PUT", base + "/subscription/{channel}/{subscriptionId}", "update-subscription", sub_update)
    service.add("DELETE", base + "/subscription/{channel}/{subscriptionId}", "delete-subscription", sub_delete)
