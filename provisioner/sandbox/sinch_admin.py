"""Out-of-band edits of Sinch projects (someone using the dashboard, or Meta/Google/carriers deciding now): admin
routes under /_sandbox/sinch/{project}/. They bypass validation and never appear in the request log.

A record is shown as its wire object plus `_sandbox`: the sandbox's bookkeeping (webhook secret, sender OTP,
scheduled transitions, ...) and `due`, the sandbox time of its next transition. PATCH is a JSON merge patch
(RFC 7386) of that view; identity fields cannot change.

    GET    /_sandbox/sinch/{project}/{collection}                  every record
    GET|PATCH|DELETE /_sandbox/sinch/{project}/{collection}/{id}   one record (templates: {name}/{language})
    POST   /_sandbox/sinch/{project}/{collection}/{id}/settle      every pending transition happens now
    POST   /_sandbox/sinch/{project}/apps                          an app created outside the API
    POST   /_sandbox/sinch/{project}/numbers                       a number given to the project (any region)
    GET    /_sandbox/sinch/{project}/senders/{id}/otp              the OTP /register "sent"
    POST   /_sandbox/sinch/{project}/templates/{name}/{lang}/review
           {"outcome": "APPROVED"|"REJECTED", "rejection_code"?}
    POST   /_sandbox/sinch/{project}/numbers/{phone}/provisioning
           {"sms"?: "SUCCEEDED"|"FAILED", "voice"?: ..., "error_codes"?: [...]}
    POST   /_sandbox/sinch/{project}/apps/{id}/credentials
           {"status"?: "ACTIVE"|"FAILING", "description"?, "channel"?}

Collections: webhooks (Provisioning), templates, template-locks, senders (WhatsApp), rcs-senders, apps,
conversation-webhooks, numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from . import sinch_inventory as inv
from .admin import AdminError, json_object, ok
from .context import Context
from .merge_patch import merge_patch
from .router import Request, Response, Router
from .sinch_conversation import ConversationModel
from .sinch_data import (
    APP,
    CONV_WEBHOOK,
    NUMBER,
    PAPI_WEBHOOK,
    RCS_SENDER,
    TEMPLATE,
    TOMBSTONE,
    WA_SENDER,
    Rec,
    SinchData,
    next_due,
)
from .sinch_numbers import NumbersModel
from .sinch_rcs import RcsModel
from .sinch_templates import TemplatesModel, admin_review
from .sinch_wa_senders import SendersModel

PREFIX = "/_sandbox/sinch/{project}"


@dataclass
class Models:
    numbers: NumbersModel
    templates: TemplatesModel
    senders: SendersModel
    rcs: RcsModel
    conversation: ConversationModel


@dataclass
class Collection:
    kind: str
    identity: tuple[str, ...]  # wire members that cannot change
    due: Callable[[Rec], float | None]
    settle_now: Callable[[Rec, float], Rec | None] | None = None


def register(router: Router, ctx: Context, data: SinchData, models: Models) -> None:
    def review_due(rec: Rec) -> float | None:
        return (rec.internal.get("review") or {}).get("due")

    def template_now(rec: Rec, now: float) -> Rec:
        if rec.internal.get("review"):
            rec.internal["review"]["due"] = now
        return models.templates.settle(rec, now)

    collections = {
        "webhooks": Collection(PAPI_WEBHOOK, ("id",), lambda rec: None),
        "templates": Collection(TEMPLATE, ("name", "language"), review_due, template_now),
        "template-locks": Collection(TOMBSTONE, ("name", "language"), lambda rec: rec.due),
        "senders": Collection(
            WA_SENDER,
            ("id",),
            lambda rec: next_due(*(rec.internal.get(k) for k in ("processing_at", "update_at", "purge_at"))),
            models.senders.finish_pending,
        ),
        "rcs-senders": Collection(RCS_SENDER, ("id",), models.rcs.due, models.rcs.finish_pending),
        "apps": Collection(
            APP,
            ("id",),
            models.conversation.due,
            lambda rec, now: models.conversation.force(rec, now, None, None, None),
        ),
        "conversation-webhooks": Collection(CONV_WEBHOOK, ("id",), lambda rec: None),
        "numbers": Collection(
            NUMBER,
            ("phoneNumber",),
            models.numbers.due,
            lambda rec, now: models.numbers.force(rec, now, None, None, None),
        ),
    }

    def view(rec: Rec) -> dict:
        return {**rec.wire, "_sandbox": {**rec.internal, "due": None if rec.due is None else ctx.clock.iso(rec.due)}}

    def record_id(name: str, req: Request) -> str:
        if name in ("templates", "template-locks"):
            return f"{unquote(req.params['name'])}/{unquote(req.params['lang']).upper()}"
        return unquote(req.params["id"])

    def load(name: str, req: Request) -> Rec:
        rec = data.get(unquote(req.params["project"]), collections[name].kind, record_id(name, req))
        if rec is None:
            raise AdminError(404, f"no {name} record {record_id(name, req)} in project {req.params['project']}")
        return rec

    def routes(name: str, coll: Collection) -> None:
        one = PREFIX + f"/{name}/" + ("{name}/{lang}" if name in ("templates", "template-locks") else "{id}")

        def listing(req: Request) -> Response:
            return ok([view(r) for r in data.list(unquote(req.params["project"]), coll.kind)])

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
            data.settle(coll.kind, rec.project)  # a transition moved into the past happens now
            return ok(view(data.get(rec.project, coll.kind, rec.id) or rec))

        def delete(req: Request) -> Response:
            with data.store.transaction():
                rec = load(name, req)
                data.delete(rec.project, coll.kind, rec.id)
                if coll.kind == APP:
                    for hook in data.list(rec.project, CONV_WEBHOOK):
                        if hook.wire.get("app_id") == rec.id:
                            data.delete(rec.project, CONV_WEBHOOK, hook.id)
            return Response.empty(204)

        router.add("GET", PREFIX + f"/{name}", listing)
        router.add("GET", one, get)
        router.add("PATCH", one, patch)
        router.add("DELETE", one, delete)
        if coll.settle_now is not None:

            def settle(req: Request) -> Response:
                with data.store.transaction():
                    rec = load(name, req)
                    done = coll.settle_now(rec, ctx.clock.now())
                    if done is None:
                        data.delete(rec.project, coll.kind, rec.id)
                        return Response.empty(204)
                    data.save(done)
                return ok(view(done))

            router.add("POST", one + "/settle", settle)

    for name, coll in collections.items():
        routes(name, coll)

    # -- creations outside the API ---------------------------------------------------------------------------
    @router.route("POST", PREFIX + "/apps")
    def create_app(req: Request) -> Response:
        body = json_object(req)
        rec = models.conversation.new_app(unquote(req.params["project"]), body, ctx.clock.now())
        data.insert(rec)
        return ok(view(rec), 201)

    @router.route("POST", PREFIX + "/numbers")
    def give_number(req: Request) -> Response:
        body = json_object(req)
        phone = body.get("phoneNumber")
        if not isinstance(phone, str) or not phone.startswith("+"):
            raise AdminError(400, "phoneNumber (+E164) is required")
        project = unquote(req.params["project"])
        avail = inv.lookup(phone, ctx.config.sinch.inventory_size)
        if avail is None:
            region, kind = body.get("regionCode"), body.get("type")
            if not region or kind not in inv.TYPES:
                raise AdminError(400, f"{phone} is not in the inventory: give regionCode and type")
            block = inv.Block(region, kind, phone, 0, "USD", "0.00", "1.00", False)
            avail = inv.Available(phone, block, tuple(body.get("capability") or ("SMS", "VOICE")))
        with data.store.transaction():
            if data.owner(NUMBER, phone) is not None:
                raise AdminError(409, f"{phone} is already active in a project")
            now = ctx.clock.now()
            wire = merge_patch(models.numbers.new_wire(project, avail, now), body)
            rec = Rec(project, NUMBER, phone, wire)
            data.insert(rec)
        return ok(view(rec), 201)

    # -- outcomes decided now --------------------------------------------------------------------------------
    @router.route("GET", PREFIX + "/senders/{id}/otp")
    def sender_otp(req: Request) -> Response:
        rec = load("senders", req)
        registration = rec.internal.get("registration")
        if registration is None:
            raise AdminError(404, f"sender {rec.id} has no pending verification code (call /register first)")
        return ok(registration)

    @router.route("POST", PREFIX + "/templates/{name}/{lang}/review")
    def review(req: Request) -> Response:
        body = json_object(req)
        with data.store.transaction():
            rec = load("templates", req)
            try:
                admin_review(ctx, data, models.templates, rec, body.get("outcome"), body.get("rejection_code"))
            except ValueError as exc:
                raise AdminError(400, str(exc)) from None
            except LookupError as exc:
                raise AdminError(409, str(exc)) from None
        return ok(view(rec))

    @router.route("POST", PREFIX + "/numbers/{id}/provisioning")
    def provisioning(req: Request) -> Response:
        body = json_object(req)
        for key in ("sms", "voice"):
            if body.get(key) not in (None, "SUCCEEDED", "FAILED"):
                raise AdminError(400, f"{key} must be SUCCEEDED or FAILED")
        with data.store.transaction():
            rec = load("numbers", req)
            if not rec.internal.get("sms") and not rec.internal.get("voice"):
                raise AdminError(409, f"{rec.id} has no scheduled provisioning")
            rec = models.numbers.force(
                rec, ctx.clock.now(), body.get("sms"), body.get("voice"), body.get("error_codes")
            )
            data.save(rec)
        return ok(view(rec))

    @router.route("POST", PREFIX + "/apps/{id}/credentials")
    def credentials(req: Request) -> Response:
        body = json_object(req)
        if body.get("status") not in (None, "ACTIVE", "FAILING"):
            raise AdminError(400, "status must be ACTIVE or FAILING")
        with data.store.transaction():
            rec = load("apps", req)
            rec = models.conversation.force(
                rec, ctx.clock.now(), body.get("status"), body.get("description"), body.get("channel")
            )
            data.save(rec)
        return ok(view(rec))
