"""Out-of-band edits of Infobip accounts (someone using the portal, Meta or Google deciding now): admin routes under
/_sandbox/infobip/{api_key}/. They bypass validation and never appear in the request log. {api_key} is the account
(the key of `Authorization: App <key>`, or the Basic username when no key is pinned).

A record is shown as its wire object plus `_sandbox`: the sandbox's bookkeeping (pending review, edit history, owner
links, ...) and `due`, the sandbox time of its next transition. PATCH is a JSON merge patch (RFC 7386) of that view;
identity members cannot change.

    GET    /_sandbox/infobip/{key}/{collection}                 every record of the account
    POST   /_sandbox/infobip/{key}/{collection}                 a record made outside the API (body = wire object;
                                                                server ids are generated when absent) -> 201
    GET|PATCH|DELETE /_sandbox/infobip/{key}/{collection}/{id}  one record (subscriptions: {channel}/{subscriptionId})
    POST   /_sandbox/infobip/{key}/{collection}/{id}/settle     every pending transition happens now
    POST   /_sandbox/infobip/{key}/whatsapp-templates/{id}/review  {"outcome": "APPROVED"|"REJECTED", "reason"?}
    POST   /_sandbox/infobip/{key}/rcs-senders/{name}/status       {"senderStatus": ..., "coverage"?: [...]}
    POST   /_sandbox/infobip/{key}/resource-requests/{id}/status   {"status": ..., "requirementsFeedback"?: [...]}

Collections: numbers, inbound-configurations, applications, entities, calls-configurations, masking-configurations,
tfa-applications, tfa-messages, whatsapp-templates, whatsapp-name-blocks, whatsapp-senders, security, profiles,
subscriptions, rcs-senders, resource-requests.
POST numbers takes {"number", "country"?, ...}: an inventory number keeps its numberKey and details, any other number
needs `country` (409 when an account owns it). DELETE of a number, application or entity applies the API's side
effects (inbound configurations deleted, linked numbers reset).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from . import infobip_inventory as inv
from .admin import AdminError, json_object, ok
from .context import Context
from .infobip_2fa import DEFAULT_CONFIGURATION
from .infobip_common import hex_key, legacy_time, local_time, object_id
from .infobip_data import (
    APPLICATION,
    CALLS_CONFIG,
    ENTITY,
    INBOUND,
    MASKING,
    NUMBER,
    PROFILE,
    RCS_SENDER,
    RESOURCE_REQUEST,
    SECURITY,
    SUBSCRIPTION,
    TFA_APP,
    TFA_MESSAGE,
    WA_NAME_BLOCK,
    WA_SENDER,
    WA_TEMPLATE,
    InfobipData,
    Rec,
)
from .infobip_numbers import NumbersModel
from .infobip_rcs import STATUSES as RCS_STATUSES
from .infobip_rcs import RcsModel
from .infobip_rcs import ordered as rcs_ordered
from .infobip_resources import STATUSES as REQUEST_STATUSES
from .infobip_resources import ResourcesModel
from .infobip_whatsapp import WhatsAppModel
from .merge_patch import merge_patch
from .router import Request, Response, Router

PREFIX = "/_sandbox/infobip/{api_key}"


@dataclass
class Models:
    numbers: NumbersModel
    whatsapp: WhatsAppModel
    rcs: RcsModel
    resources: ResourcesModel


@dataclass
class Collection:
    kind: str
    identity: tuple[str, ...]  # wire members that cannot change
    create: Callable[[str, dict, float], Rec]  # (account, body, now) -> a new record
    due: Callable[[Rec], float | None] = lambda rec: None
    settle_now: Callable[[Rec, float], Rec | None] | None = None
    on_delete: Callable[[Rec], None] | None = None
    two_segments: bool = False  # id = "{a}/{b}" in the path


def _need(body: dict, *keys: str) -> None:
    missing = [k for k in keys if body.get(k) in (None, "")]
    if missing:
        raise AdminError(400, f"{', '.join(missing)} required")


def register(router: Router, ctx: Context, data: InfobipData, models: Models) -> None:
    clock = ctx.clock

    # -- record builders (admin bodies are trusted: little validation) -----------------------------------------------
    def simple(kind: str, id_field: str, generate: Callable[[], str] | None = None):
        def create(acct: str, body: dict, now: float) -> Rec:
            if generate is not None and not body.get(id_field):
                body = {id_field: generate(), **body}
            _need(body, id_field)
            return Rec(acct, kind, str(body[id_field]), body)

        return create

    def number(acct: str, body: dict, now: float) -> Rec:
        _need(body, "number")
        digits = str(body["number"]).lstrip("+")
        avail = inv.by_number(digits, ctx.config.infobip.inventory_size)
        if avail is None:
            country = body.get("country") or inv.country_of(digits)
            if not country:
                raise AdminError(400, f"{digits} is not in the inventory: give its country")
            block = inv.Block("", 0, inv.MOBILE, "Sandbox", 1.0, 0.0)
            avail = inv.Available(digits, country, block, tuple(body.get("capabilities") or ("SMS", "VOICE")))
        if data.owner(NUMBER, avail.key) is not None:
            raise AdminError(409, f"{digits} is already owned by an account")
        wire = merge_patch(models.numbers.new_wire(avail, None, None), {**body, "number": digits})
        wire["numberKey"] = avail.key
        return Rec(acct, NUMBER, avail.key, wire)

    def inbound(acct: str, body: dict, now: float) -> Rec:
        _need(body, "channel")
        body = dict(body)
        internal = {}
        for key in ("numberKey", "resource"):
            if key in body:
                internal[key] = body.pop(key)
        body.setdefault("configurationKey", hex_key())
        return Rec(acct, INBOUND, body["configurationKey"], body, internal)

    def masking(acct: str, body: dict, now: float) -> Rec:
        stamp = local_time(now)
        wire = {"key": hex_key(), **body}
        wire.setdefault("insertDateTime", stamp)
        wire.setdefault("updateDateTime", stamp)
        return Rec(acct, MASKING, wire["key"], wire)

    def tfa_app(acct: str, body: dict, now: float) -> Rec:
        _need(body, "name")
        wire = {"applicationId": hex_key(), "enabled": True, **body}
        wire["configuration"] = {**DEFAULT_CONFIGURATION, **(body.get("configuration") or {})}
        return Rec(acct, TFA_APP, wire["applicationId"], wire)

    def tfa_message(acct: str, body: dict, now: float) -> Rec:
        _need(body, "applicationId")
        wire = {"messageId": hex_key(), **body}
        return Rec(acct, TFA_MESSAGE, wire["messageId"], wire)

    def template(acct: str, body: dict, now: float) -> Rec:
        _need(body, "name", "language", "category")
        fields = {"status": "APPROVED", "structure": {"body": {"text": body["name"]}, "type": "TEXT"}, **body}
        template_id = fields.pop("id", None)
        rec = models.whatsapp.new(acct, fields, now, str(template_id) if template_id else None)
        if rec.wire["status"] == "APPROVED":
            rec.internal["ever_approved"] = True
        return rec

    def name_block(acct: str, body: dict, now: float) -> Rec:
        _need(body, "name")
        until = now + float(body.get("days", ctx.config.infobip.whatsapp_name_block_days)) * 86400
        wire = {"name": body["name"], "deletedAt": legacy_time(now), "blockedUntil": legacy_time(until)}
        return Rec(acct, WA_NAME_BLOCK, body["name"], wire, {"until": until}, until)

    def subscription(acct: str, body: dict, now: float) -> Rec:
        _need(body, "channel", "subscriptionId")
        body = dict(body)
        channel = body.pop("channel")
        return Rec(acct, SUBSCRIPTION, f"{channel}/{body['subscriptionId']}", body, {"channel": channel})

    def rcs_sender(acct: str, body: dict, now: float) -> Rec:
        _need(body, "senderName")
        if data.owner(RCS_SENDER, body["senderName"]) is not None:
            raise AdminError(409, f"sender {body['senderName']} exists")
        wire = {"senderStatus": "READY_FOR_TESTING", "updatedAt": legacy_time(now), **body}
        rec = Rec(acct, RCS_SENDER, body["senderName"], rcs_ordered(wire))
        models.rcs.set_status(rec, rec.wire["senderStatus"], now)
        return rec

    def resource_request(acct: str, body: dict, now: float) -> Rec:
        _need(body, "type")
        wire = {"id": str(uuid.uuid4()), "status": "COMPLETED", "requestedDate": legacy_time(now), **body}
        return Rec(acct, RESOURCE_REQUEST, wire["id"], wire, {"requested": now, "modified": now})

    def reset_app(rec: Rec) -> None:
        models.numbers.reset_platform(rec.account, application_id=rec.id)

    def reset_entity(rec: Rec) -> None:
        models.numbers.reset_platform(rec.account, entity_id=rec.id)

    def release_number(rec: Rec) -> None:
        models.numbers.release(rec.account, rec.id)

    def review_now(rec: Rec, now: float) -> Rec:
        if rec.internal.get("review"):
            rec.internal["review"]["due"] = now
        return models.whatsapp.settle(rec, now)

    def rcs_now(rec: Rec, now: float) -> Rec:
        if rec.internal.get("ready_at") is not None:
            rec.internal["ready_at"] = now
        return models.rcs.settle(rec, now)

    collections = {
        "numbers": Collection(NUMBER, ("numberKey", "number"), number, on_delete=release_number),
        "inbound-configurations": Collection(INBOUND, ("configurationKey",), inbound),
        "applications": Collection(
            APPLICATION, ("applicationId",), simple(APPLICATION, "applicationId"), on_delete=reset_app
        ),
        "entities": Collection(ENTITY, ("entityId",), simple(ENTITY, "entityId"), on_delete=reset_entity),
        "calls-configurations": Collection(CALLS_CONFIG, ("id",), simple(CALLS_CONFIG, "id", object_id)),
        "masking-configurations": Collection(MASKING, ("key",), masking),
        "tfa-applications": Collection(TFA_APP, ("applicationId",), tfa_app),
        "tfa-messages": Collection(TFA_MESSAGE, ("messageId",), tfa_message),
        "whatsapp-templates": Collection(
            WA_TEMPLATE,
            ("id", "name", "language"),
            template,
            lambda rec: (rec.internal.get("review") or {}).get("due"),
            review_now,
        ),
        "whatsapp-name-blocks": Collection(WA_NAME_BLOCK, ("name",), name_block, lambda rec: rec.internal.get("until")),
        "whatsapp-senders": Collection(WA_SENDER, ("sender",), simple(WA_SENDER, "sender")),
        "security": Collection(SECURITY, ("authId",), simple(SECURITY, "authId")),
        "profiles": Collection(PROFILE, ("profileId",), simple(PROFILE, "profileId")),
        "subscriptions": Collection(SUBSCRIPTION, ("subscriptionId",), subscription, two_segments=True),
        "rcs-senders": Collection(
            RCS_SENDER, ("senderName",), rcs_sender, lambda rec: rec.internal.get("ready_at"), rcs_now
        ),
        "resource-requests": Collection(
            RESOURCE_REQUEST,
            ("id", "type"),
            resource_request,
            lambda rec: rec.internal.get("next_at"),
            models.resources.finish_pending,
        ),
    }

    def view(rec: Rec) -> dict:
        return {**rec.wire, "_sandbox": {**rec.internal, "due": None if rec.due is None else clock.iso(rec.due)}}

    def acct_of(req: Request) -> str:
        return unquote(req.params["api_key"])

    def record_id(coll: Collection, req: Request) -> str:
        if coll.two_segments:
            return f"{unquote(req.params['a'])}/{unquote(req.params['b'])}"
        return unquote(req.params["id"])

    def load(name: str, req: Request) -> Rec:
        coll = collections[name]
        rec = data.get(acct_of(req), coll.kind, record_id(coll, req))
        if rec is None:
            raise AdminError(404, f"no {name} record {record_id(coll, req)} in account {acct_of(req)}")
        return rec

    def routes(name: str, coll: Collection) -> None:
        many = PREFIX + f"/{name}"
        one = many + ("/{a}/{b}" if coll.two_segments else "/{id}")

        def listing(req: Request) -> Response:
            return ok([view(r) for r in data.list(acct_of(req), coll.kind)])

        def create(req: Request) -> Response:
            body = json_object(req)
            with data.store.transaction():
                rec = coll.create(acct_of(req), body, clock.now())
                if not data.insert(rec):
                    raise AdminError(409, f"{name} record {rec.id} exists in account {rec.account}")
            return ok(view(rec), 201)

        def get(req: Request) -> Response:
            return ok(view(load(name, req)))

        def patch(req: Request) -> Response:
            body = json_object(req)
            with data.store.transaction():
                rec = load(name, req)
                patched = merge_patch(view(rec), body)
                if any(patched.get(k) != rec.wire.get(k) for k in coll.identity):
                    raise AdminError(400, f"{', '.join(coll.identity)} cannot change")
                internal = patched.pop("_sandbox", None) or {}
                internal.pop("due", None)
                rec.wire, rec.internal = patched, internal
                rec.due = coll.due(rec)
                data.save(rec)
            return ok(view(data.get(rec.account, coll.kind, rec.id) or rec))  # a transition now due happens

        def delete(req: Request) -> Response:
            with data.store.transaction():
                rec = load(name, req)
                if coll.on_delete is not None:
                    coll.on_delete(rec)
                data.delete(rec.account, coll.kind, rec.id)
            return Response.empty(204)

        router.add("GET", many, listing)
        router.add("POST", many, create)
        router.add("GET", one, get)
        router.add("PATCH", one, patch)
        router.add("DELETE", one, delete)
        if coll.settle_now is not None:

            def settle(req: Request) -> Response:
                with data.store.transaction():
                    rec = load(name, req)
                    done = coll.settle_now(rec, clock.now())
                    if done is None:
                        data.delete(rec.account, coll.kind, rec.id)
                        return Response.empty(204)
                    data.save(done)
                return ok(view(done))

            router.add("POST", one + "/settle", settle)

    for name, coll in collections.items():
        routes(name, coll)

    # -- outcomes decided now ------------------------------------------------------------------------------------
    @router.route("POST", PREFIX + "/whatsapp-templates/{id}/review")
    def review(req: Request) -> Response:
        body = json_object(req)
        outcome = body.get("outcome")
        if outcome not in ("APPROVED", "REJECTED"):
            raise AdminError(400, "outcome must be APPROVED or REJECTED")
        with data.store.transaction():
            rec = load("whatsapp-templates", req)
            if rec.wire.get("status") != "PENDING":
                raise AdminError(409, f"template {rec.id} is {rec.wire.get('status')}, not under review")
            models.whatsapp.decide(rec, outcome, body.get("reason"), clock.now())
            data.save(rec)
        return ok(view(rec))

    @router.route("POST", PREFIX + "/rcs-senders/{id}/status")
    def rcs_status(req: Request) -> Response:
        body = json_object(req)
        status = body.get("senderStatus")
        if status not in RCS_STATUSES:
            raise AdminError(400, f"senderStatus must be one of {', '.join(RCS_STATUSES)}")
        with data.store.transaction():
            rec = load("rcs-senders", req)
            models.rcs.set_status(rec, status, clock.now())
            if isinstance(body.get("coverage"), list):
                rec.internal["coverage"] = body["coverage"]
            data.save(rec)
        return ok(view(rec))

    @router.route("POST", PREFIX + "/resource-requests/{id}/status")
    def request_status(req: Request) -> Response:
        body = json_object(req)
        status = body.get("status")
        if status not in REQUEST_STATUSES:
            raise AdminError(400, f"status must be one of {', '.join(REQUEST_STATUSES)}")
        feedback = body.get("requirementsFeedback")
        if feedback is not None and not isinstance(feedback, list):
            raise AdminError(400, "requirementsFeedback must be a list")
        with data.store.transaction():
            rec = load("resource-requests", req)
            models.resources.force(rec, status, feedback, clock.now())
            data.save(rec)
        return ok(view(rec))
