"""Calls configurations (infobip.md §3.2) and Number Masking configurations (§3.4), infobip-voice-openapi.json.

Calls configurations (/calls/1/configurations)
- POST {id? (1..128, ^[a-zA-Z0-9_-]*$), name? (1..128)} -> 201 {id, name}; without id a 24-hex id is generated.
  An existing id -> 400 BAD_REQUEST "Request is invalid." with validationErrors.id (the spec declares no 409).
- GET list: PageInfo paging, size 1..100 (default 20), creation order. GET/PUT {name}/DELETE by id -> 200 {id, name}
  (DELETE returns the deleted object); unknown -> 404 NOT_FOUND "Resource was not found.".
- A configuration without a name is returned without `name`.

Number Masking (/voice/masking/2/config)
- POST SetupBody {name* ([a-zA-Z0-9 ]+, ≤100, unique in the account), callbackUrl*, statusUrl, backupCallbackUrl,
  backupStatusUrl, description ([a-zA-Z0-9 ]*)} -> 200 SetupResponse with `key` (32 hex) and
  insertDateTime/updateDateTime like "2019-08-16T09:11:36.573" (UTC, no offset).
- GET list -> bare array; with no configuration at all 404 "Masking configurations not found." as the spec's
  example shows (InfobipChoices.masking_empty_list_404).
- GET/PUT/DELETE /{key}: a key that is not 32 hex chars -> 400 "Make sure you provided a valid key parameter.";
  unknown -> 404 "Masking configuration not found.". PUT replaces every field (updateDateTime changes); DELETE ->
  200 without body.
"""

from __future__ import annotations

import re

from .context import Context
from .infobip_common import (
    Checks,
    bad_request,
    hex_key,
    json_object,
    legacy,
    local_time,
    not_found,
    object_id,
    page_info,
)
from .infobip_data import CALLS_CONFIG, MASKING, InfobipData, Rec
from .infobip_service import InfobipService, account
from .router import Request, Response

CALLS_BASE = "/calls/1/configurations"
MASKING_BASE = "/voice/masking/2/config"
SETUP_FIELDS = ("name", "callbackUrl", "statusUrl", "backupCallbackUrl", "backupStatusUrl", "description")
SETUP_ORDER = ("key", *SETUP_FIELDS, "insertDateTime", "updateDateTime")


def register(service: InfobipService, ctx: Context, data: InfobipData) -> None:
    # -- calls configurations ------------------------------------------------------------------------------------
    def calls_invalid(errors: dict | None = None):
        return bad_request("Request is invalid.", errors)

    def calls_find(req: Request) -> Rec:
        rec = data.get(account(req), CALLS_CONFIG, req.params["id"])
        if rec is None:
            raise not_found("Resource was not found.")
        return rec

    def calls_list(req: Request) -> Response:
        items = [r.wire for r in data.list(account(req), CALLS_CONFIG)]
        return Response.json(200, page_info(req, items, 20, 100))

    def calls_create(req: Request) -> Response:
        body = json_object(req, allow_empty=True)
        checks = Checks(text="Request is invalid.")
        ident = checks.string(body, "id", min_len=1, max_len=128, pattern="[a-zA-Z0-9_-]*")
        name = checks.string(body, "name", min_len=1, max_len=128)
        checks.fail()
        wire = {"id": ident or object_id()}
        if name is not None:
            wire["name"] = name
        if not data.insert(Rec(account(req), CALLS_CONFIG, wire["id"], wire)):
            raise calls_invalid({"id": [f"Calls configuration with id {wire['id']} already exists."]})
        return Response.json(201, wire)

    def calls_get(req: Request) -> Response:
        return Response.json(200, calls_find(req).wire)

    def calls_update(req: Request) -> Response:
        body = json_object(req, allow_empty=True)
        checks = Checks(text="Bad request")
        name = checks.string(body, "name", min_len=1, max_len=128)
        checks.fail()
        with data.store.transaction():
            rec = calls_find(req)
            rec.wire = {"id": rec.id, **({"name": name} if name is not None else {})}
            data.save(rec)
        return Response.json(200, rec.wire)

    def calls_delete(req: Request) -> Response:
        with data.store.transaction():
            rec = calls_find(req)
            data.delete(rec.account, CALLS_CONFIG, rec.id)
        return Response.json(200, rec.wire)

    service.add("GET", CALLS_BASE, "get-calls-configurations", calls_list)
    service.add("POST", CALLS_BASE, "create-calls-configuration", calls_create)
    service.add("GET", CALLS_BASE + "/{id}", "get-calls-configuration", calls_get)
    service.add("PUT", CALLS_BASE + "/{id}", "update-calls-configuration", calls_update)
    service.add("DELETE", CALLS_BASE + "/{id}", "delete-calls-configuration", calls_delete)

    # -- number masking ------------------------------------------------------------------------------------------
    def setup(body: dict, acct: str, own_key: str | None) -> dict:
        checks = Checks()
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            checks.add("name", "Setup name is required.")
        elif len(name) > 100 or not re.fullmatch(r"[a-zA-Z0-9 ]+", name):
            checks.add("name", "Setup name must be alphanumeric, up to 100 characters.")
        if not isinstance(body.get("callbackUrl"), str) or not body["callbackUrl"].strip():
            checks.add("callbackUrl", "Callback URL is required.")
        for key in ("statusUrl", "backupCallbackUrl", "backupStatusUrl"):
            checks.string(body, key)
        description = checks.string(body, "description")
        if description is not None and not re.fullmatch(r"[a-zA-Z0-9 ]*", description):
            checks.add("description", "Description must be alphanumeric.")
        if isinstance(name, str) and not checks.errors:
            for rec in data.list(acct, MASKING):
                if rec.wire["name"] == name and rec.id != own_key:
                    checks.add("name", "Setup name must be unique.")
        checks.fail()
        return {k: body[k] for k in SETUP_FIELDS if body.get(k) is not None}

    def masking_find(req: Request) -> Rec:
        key = req.params["key"]
        if not re.fullmatch(r"[0-9A-Fa-f]{32}", key):
            raise bad_request("Make sure you provided a valid key parameter.")
        rec = data.get(account(req), MASKING, key.upper())
        if rec is None:
            raise not_found("Masking configuration not found.")
        return rec

    def ordered(wire: dict) -> dict:
        return {k: wire[k] for k in SETUP_ORDER if k in wire}

    def masking_list(req: Request) -> Response:
        items = [r.wire for r in data.list(account(req), MASKING)]
        if not items and ctx.config.infobip.masking_empty_list_404:
            raise legacy(404, "NOT_FOUND", "Masking configurations not found.")
        return Response.json(200, items)

    def masking_create(req: Request) -> Response:
        acct = account(req)
        body = json_object(req)
        with data.store.transaction():
            fields = setup(body, acct, None)
            stamp = local_time(ctx.clock.now())
            key = hex_key()
            wire = ordered({"key": key, **fields, "insertDateTime": stamp, "updateDateTime": stamp})
            data.insert(Rec(acct, MASKING, key, wire))
        return Response.json(200, wire)

    def masking_get(req: Request) -> Response:
        return Response.json(200, masking_find(req).wire)

    def masking_update(req: Request) -> Response:
        body = json_object(req)
        with data.store.transaction():
            rec = masking_find(req)
            fields = setup(body, rec.account, rec.id)
            rec.wire = ordered(
                {
                    "key": rec.id,
                    **fields,
                    "insertDateTime": rec.wire["insertDateTime"],
                    "updateDateTime": local_time(ctx.clock.now()),
                }
            )
            data.save(rec)
        return Response.json(200, rec.wire)

    def masking_delete(req: Request) -> Response:
        with data.store.transaction():
            rec = masking_find(req)
            data.delete(rec.account, MASKING, rec.id)
        return Response.empty(200)

    service.add("GET", MASKING_BASE, "get-number-masking-configurations", masking_list)
    service.add("POST", MASKING_BASE, "create-number-masking-configuration", masking_create)
    service.add("GET", MASKING_BASE + "/{key}", "get-number-masking-configuration", masking_get)
    service.add("PUT", MASKING_BASE + "/{key}", "update-number-masking-configuration", masking_update)
    service.add("DELETE", MASKING_BASE + "/{key}", "delete-number-masking-configuration", masking_delete)
