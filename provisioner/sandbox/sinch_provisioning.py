"""Sinch Provisioning API v1 (provisioning.api.sinch.com, sinch.md §2): the service and the project webhooks
(§2.3). WhatsApp templates, WhatsApp senders and RCS senders live in their own modules and register here.

Choices where the contract is silent:
- Errors are PAPI bodies. An unknown path (or a wrong verb) gets the NestJS default
  `{"statusCode":404,"message":"Cannot GET /x","error":"Not Found"}`, before authentication.
- Bad credentials, an unknown/expired token or a key pinned to another project: 401 unauthorized_error with a
  WWW-Authenticate challenge (containing "expired" for an expired token).
- Projects are initialised; SinchChoices.uninitialized_projects get 400 project_not_initialized on /whatsapp/*
  and /rcs/* routes.
- Webhooks: ids are UUIDs (another shape is 400 invalid_id_format); a duplicate target is checked before the
  limit (409 webhook_exists before 424 webhook_limit_reached); targets compare exactly; DELETE answers 204; the
  secret is write-only on the wire and kept in the record's `_sandbox.secret` (admin API).
"""

from __future__ import annotations

from urllib.parse import unquote

from .context import Context
from .router import Request, Response
from .sinch_auth import BASIC_CHALLENGE, EXPIRED, EXPIRED_CHALLENGE, ProjectService, SinchAuth
from .sinch_common import PapiError, is_uuid, new_uuid
from .sinch_data import PAPI_WEBHOOK, Rec, SinchData
from .sinch_papi import Checks, body_object, not_found, page

BASE = "/v1/projects/{project}"
WEBHOOK_LIMIT = 15
TRIGGERS = (
    "ALL",
    "BUNDLE_DONE",
    "KAKAOTALK_SENDER_ACTIVE",
    "KAKAOTALK_SENDER_COMMENT_ADDED",
    "KAKAOTALK_SENDER_INACTIVE",
    "KAKAOTALK_SENDER_REJECTED",
    "KAKAOTALK_TEMPLATE_APPROVED",
    "KAKAOTALK_TEMPLATE_COMMENT_ADDED",
    "KAKAOTALK_TEMPLATE_REJECTED",
    "RCS_BRAND_REGISTRATION_PROCESS_STATUS_UPDATED",
    "RCS_SENDER_COMMENT_ADDED",
    "RCS_SENDER_OPERATOR_STATUS_UPDATED",
    "RCS_SENDER_STATUS_UPDATED",
    "RCS_ACCOUNT_COMMENT_ADDED",
    "WHATSAPP_ACCOUNT_COMMENT_ADDED",
    "WHATSAPP_ACCOUNT_DAILY_LIMIT_CHANGED",
    "WHATSAPP_ACCOUNT_ONBOARDED",
    "WHATSAPP_ACCOUNT_PENDING_VERIFICATION",
    "WHATSAPP_ACCOUNT_REJECTED",
    "WHATSAPP_WABA_ACCOUNT_CHANGED",
    "WHATSAPP_SENDER_ACTIVE",
    "WHATSAPP_SENDER_COMMENT_ADDED",
    "WHATSAPP_SENDER_DAILY_LIMIT_CHANGED",
    "WHATSAPP_SENDER_DELETED",
    "WHATSAPP_SENDER_ERROR",
    "WHATSAPP_SENDER_INACTIVE",
    "WHATSAPP_SENDER_PENDING_VERIFICATION",
    "WHATSAPP_SENDER_QUALITY_RATING_CHANGED",
    "WHATSAPP_SENDER_REJECTED",
    "WHATSAPP_TEMPLATE_APPROVED",
    "WHATSAPP_TEMPLATE_CATEGORY_FUTURE_UPDATE",
    "WHATSAPP_TEMPLATE_CATEGORY_UPDATED",
    "WHATSAPP_TEMPLATE_COMMENT_ADDED",
    "WHATSAPP_TEMPLATE_DELETED",
    "WHATSAPP_TEMPLATE_QUALITY_SCORE_UPDATED",
    "WHATSAPP_TEMPLATE_REJECTED",
    "WHATSAPP_TEMPLATE_STATUS_UPDATED",
)
_PAPI_5XX = (
    "internal_error",
    "Internal server error.",
    "Please wait and try again, if the error persist please contact support.",
)


class SinchProvisioningService(ProjectService):
    api = "sinch.provisioning"

    def __init__(self, ctx: Context, auth: SinchAuth, data: SinchData) -> None:
        super().__init__(ctx, auth)
        self.data = data
        r = self.router
        r.add("GET", BASE + "/webhooks", self.list_webhooks)
        r.add("POST", BASE + "/webhooks", self.create_webhook)
        r.add("GET", BASE + "/webhooks/{webhook}", self.get_webhook)
        r.add("PUT", BASE + "/webhooks/{webhook}", self.replace_webhook)
        r.add("PATCH", BASE + "/webhooks/{webhook}", self.update_webhook)
        r.add("DELETE", BASE + "/webhooks/{webhook}", self.delete_webhook)

    # -- plumbing --------------------------------------------------------------------------------------------
    def precheck(self, req: Request) -> None:
        project = req.params.get("project", "")
        product = unquote(req.path).split(f"/projects/{project}/", 1)[-1].split("/", 1)[0]
        if project in self.ctx.config.sinch.uninitialized_projects and product in ("whatsapp", "rcs"):
            name = "WhatsApp" if product == "whatsapp" else "RCS"
            raise PapiError(
                400,
                "project_not_initialized",
                f"Project not initialized for {name}.",
                f"Verify that the project ID is correct and that it has been onboarded for {name}.",
                {"projectId": project},
            )

    def unrouted(self, req: Request, allowed: list[str] | None) -> Response:
        return Response.json(
            404, {"statusCode": 404, "message": f"Cannot {req.method} {req.path}", "error": "Not Found"}
        )

    def auth_failure(self, outcome: str) -> Response:
        resp = PapiError(
            401, "unauthorized_error", "Unauthorized error.", "Verify that projectId is correct."
        ).response()
        resp.headers["WWW-Authenticate"] = EXPIRED_CHALLENGE if outcome == EXPIRED else BASIC_CHALLENGE
        return resp

    def throttled(self, retry_after: int) -> Response:
        return PapiError(429, "too_many_requests", "Too many requests.", "Please wait and try again.").response()

    def failure(self, status: int) -> Response:
        codes = {
            400: ("invalid_input", "Invalid input.", "Correct the validation errors and submit again."),
            401: ("unauthorized_error", "Unauthorized error.", "Verify that projectId is correct."),
            404: ("not_found", "Not found.", "Verify the request path."),
            429: ("too_many_requests", "Too many requests.", "Please wait and try again."),
        }
        code, message, resolution = codes.get(status, _PAPI_5XX)
        return PapiError(status, code, message, resolution).response()

    # -- webhooks ----------------------------------------------------------------------------------------------
    def _check_webhook(self, body: dict, partial: bool) -> None:
        checks = Checks()
        for key in ("target", "secret"):
            if not partial or key in body:
                checks.string(body, key, url=key == "target")
        if not partial or "triggers" in body:
            triggers = checks.enum_list(body, "triggers", TRIGGERS)
            if triggers and "ALL" in triggers and len(triggers) > 1:
                checks.add("triggers ALL cannot be combined with other triggers")
        checks.raise_if_any()

    def _webhook(self, req: Request) -> Rec:
        webhook_id = req.params["webhook"]
        if not is_uuid(webhook_id):
            raise PapiError(
                400,
                "invalid_id_format",
                "Id is not in the expected format.",
                "Correct the id and try again.",
                {"webhookId": webhook_id},
            )
        rec = self.data.get(req.params["project"], PAPI_WEBHOOK, webhook_id)
        if rec is None:
            raise not_found("Webhook", {"webhookId": webhook_id})
        return rec

    def _unique_target(self, project: str, target: str, own_id: str | None) -> None:
        for rec in self.data.list(project, PAPI_WEBHOOK):
            if rec.wire["target"] == target and rec.id != own_id:
                raise PapiError(
                    409,
                    "webhook_exists",
                    "Webhook with the provided target already exists.",
                    "Webhooks must have a unique target. Change the target and submit again.",
                    {"webhookId": rec.id},
                )

    def list_webhooks(self, req: Request) -> Response:
        webhooks = sorted(
            (r.wire for r in self.data.list(req.params["project"], PAPI_WEBHOOK)), key=lambda w: (w["target"], w["id"])
        )
        return Response.json(200, page(req, webhooks, "webhooks", "papi-webhooks", 1, WEBHOOK_LIMIT, WEBHOOK_LIMIT))

    def create_webhook(self, req: Request) -> Response:
        body = body_object(req, ("target", "secret", "triggers"))
        self._check_webhook(body, partial=False)
        project = req.params["project"]
        with self.data.store.transaction():
            self._unique_target(project, body["target"], None)
            if self.data.count(project, PAPI_WEBHOOK) >= WEBHOOK_LIMIT:
                raise PapiError(
                    424,
                    "webhook_limit_reached",
                    "Number of webhooks has reached the limit.",
                    "Delete some webhooks to be able to add more.",
                )
            webhook_id = new_uuid()
            wire = {"id": webhook_id, "target": body["target"], "projectId": project, "triggers": body["triggers"]}
            now = self.ctx.clock.iso()
            self.data.insert(
                Rec(project, PAPI_WEBHOOK, webhook_id, wire, {"secret": body["secret"], "secret_set_at": now})
            )
        return Response.json(201, wire)

    def get_webhook(self, req: Request) -> Response:
        return Response.json(200, self._webhook(req).wire)

    def _write(self, req: Request, partial: bool) -> Response:
        body = body_object(req, ("target", "secret", "triggers"))
        self._check_webhook(body, partial=partial)
        with self.data.store.transaction():
            rec = self._webhook(req)
            if "target" in body:
                self._unique_target(rec.project, body["target"], rec.id)
                rec.wire["target"] = body["target"]
            if "triggers" in body:
                rec.wire["triggers"] = body["triggers"]
            if "secret" in body:
                rec.internal.update(secret=body["secret"], secret_set_at=self.ctx.clock.iso())
            self.data.save(rec)
        return Response.json(200, rec.wire)

    def replace_webhook(self, req: Request) -> Response:
        return self._write(req, partial=False)

    def update_webhook(self, req: Request) -> Response:
        return self._write(req, partial=True)

    def delete_webhook(self, req: Request) -> Response:
        with self.data.store.transaction():
            rec = self._webhook(req)
            self.data.delete(rec.project, PAPI_WEBHOOK, rec.id)
        return Response.empty(204)
