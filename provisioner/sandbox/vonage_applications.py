"""Vonage Application API v2 routes: /v2/applications (vonage.md §2)."""

from __future__ import annotations

import math
import uuid

from .context import Context
from .router import Request, Response, Router
from .vonage_app_schema import normalize
from .vonage_data import VonageData
from .vonage_problems import not_found, validation_failed

BASE = "/v2/applications"


def _missing(app_id: str) -> Response:
    return not_found(f"ID '{app_id}' does not exist, or you do not have access")


def render(app: dict, private_key: str | None = None, links: bool = True) -> dict:
    """Wire form: id, name, keys, privacy, capabilities[, _links]; private_key only on create."""
    out = dict(app)
    if private_key is not None:
        out["keys"] = {"private_key": private_key, **out.get("keys", {})}
    if links:
        out["_links"] = {"self": {"href": f"{BASE}/{app['id']}"}}
    return out


def _int_arg(req: Request, name: str) -> int | None:
    raw = req.arg(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return -1  # reported as out of range


def register(router: Router, ctx: Context, data: VonageData) -> None:
    choices = ctx.config.vonage

    def body_fields(req: Request) -> tuple[dict | None, Response | None]:
        try:
            body = req.json()
        except ValueError:
            return None, validation_failed(
                "payload-validation", [{"name": "body", "reason": "must be valid JSON"}]
            )
        fields, errors = normalize(body, choices)
        if errors:
            return None, validation_failed("payload-validation", errors)
        return fields, None

    @router.route("GET", BASE)
    def list_applications(req: Request) -> Response:
        page_size, page = _int_arg(req, "page_size"), _int_arg(req, "page")
        invalid = []
        if page_size is not None and not 1 <= page_size <= 100:
            invalid.append({"name": "page_size", "reason": "must be between 1 and 100"})
        if page is not None and page < 1:
            invalid.append({"name": "page", "reason": "must be greater than or equal to 1"})
        if invalid:
            return validation_failed("list-validation", invalid)
        page_size = page_size or choices.app_page_size_default
        page = page or 1
        total, apps = data.list_apps(req.account, (page - 1) * page_size, page_size)
        total_pages = math.ceil(total / page_size) if total else choices.empty_app_list_total_pages
        # `first` omits page (as recorded); `last` never points below page 1, even with total_pages 0.
        href = f"{BASE}?page_size={page_size}"
        links = {
            "self": {"href": f"{href}&page={page}"},
            "first": {"href": href},
            "last": {"href": f"{href}&page={max(total_pages, 1)}"},
        }
        if page < total_pages:
            links["next"] = {"href": f"{href}&page={page + 1}"}
        if page > 1:
            links["prev"] = {"href": f"{href}&page={page - 1}"}
        return Response.json(
            200,
            {
                "page_size": page_size,
                "page": page,
                "total_items": total,
                "total_pages": total_pages,
                "_embedded": {"applications": [render(a, links=False) for a in apps]},
                "_links": links,
            },
        )

    @router.route("POST", BASE)
    def create_application(req: Request) -> Response:
        fields, error = body_fields(req)
        if error:
            return error
        private_key = None
        public_key = fields["public_key"]
        if not public_key:
            private_key, public_key = ctx.keys.next_pair()
        app = {
            "id": str(uuid.uuid4()),
            "name": fields["name"],
            "keys": {"public_key": public_key},
            "privacy": fields["privacy"],
            "capabilities": fields["capabilities"],
        }
        data.create_app(req.account, app)
        return Response.json(201, render(app, private_key=private_key))

    @router.route("GET", BASE + "/{id}")
    def get_application(req: Request) -> Response:
        app = data.get_app(req.account, req.params["id"])
        return _missing(req.params["id"]) if app is None else Response.json(200, render(app))

    @router.route("PUT", BASE + "/{id}")
    def update_application(req: Request) -> Response:
        # Lookup before validation: an unknown id is 404 whatever the body (sandbox choice).
        current = data.get_app(req.account, req.params["id"])
        if current is None:
            return _missing(req.params["id"])
        fields, error = body_fields(req)
        if error:
            return error
        # Full replacement, except that a PUT without keys.public_key keeps the current key.
        app = {"id": current["id"], "name": fields["name"]}
        public_key = fields["public_key"] or current.get("keys", {}).get("public_key")
        if public_key:
            app["keys"] = {"public_key": public_key}
        app.update(privacy=fields["privacy"], capabilities=fields["capabilities"])
        if not data.replace_app(req.account, app):  # deleted meanwhile
            return _missing(req.params["id"])
        return Response.json(200, render(app))

    @router.route("DELETE", BASE + "/{id}")
    def delete_application(req: Request) -> Response:
        app_id = req.params["id"]
        if not data.delete_app(req.account, app_id):
            return _missing(app_id)
        if choices.delete_app_unlinks_numbers:
            data.unlink_app(req.account, app_id)
        return Response.empty(204)
