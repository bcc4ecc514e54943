"""Out-of-band edits of Vonage accounts (someone using the dashboard): admin routes under /_sandbox/vonage/.

They change the stored wire objects directly, bypass validation, and never appear in the request log.
"""

from __future__ import annotations

from .admin import AdminError, json_object, ok
from .context import Context
from .merge_patch import merge_patch
from .router import Request, Response, Router
from .vonage_applications import render
from .vonage_data import VonageData, ordered_number

PREFIX = "/_sandbox/vonage/{api_key}"


def register(router: Router, ctx: Context, data: VonageData) -> None:
    def app_or_404(req: Request) -> dict:
        app = data.get_app(req.params["api_key"], req.params["id"])
        if app is None:
            raise AdminError(404, f"no application {req.params['id']} in account {req.params['api_key']}")
        return app

    @router.route("GET", PREFIX + "/applications/{id}")
    def get_app(req: Request) -> Response:
        return ok(render(app_or_404(req)))

    @router.route("PATCH", PREFIX + "/applications/{id}")
    def patch_app(req: Request) -> Response:
        with data.store.transaction():
            app = app_or_404(req)
            patched = merge_patch(app, json_object(req))
            if patched.get("id") != app["id"]:
                raise AdminError(400, "id cannot change")
            data.replace_app(req.params["api_key"], patched)
        return ok(render(patched))

    @router.route("DELETE", PREFIX + "/applications/{id}")
    def delete_app(req: Request) -> Response:
        api_key, app_id = req.params["api_key"], req.params["id"]
        if not data.delete_app(api_key, app_id):
            raise AdminError(404, f"no application {app_id} in account {api_key}")
        if ctx.config.vonage.delete_app_unlinks_numbers:  # same backend rule as the API's DELETE
            data.unlink_app(api_key, app_id)
        return Response.empty(204)

    def number_or_404(req: Request) -> dict:
        wire = data.get_owned(req.params["api_key"], req.params["msisdn"])
        if wire is None:
            raise AdminError(404, f"account {req.params['api_key']} does not own {req.params['msisdn']}")
        return wire

    @router.route("GET", PREFIX + "/numbers/{msisdn}")
    def get_number(req: Request) -> Response:
        return ok(ordered_number(number_or_404(req)))

    @router.route("PATCH", PREFIX + "/numbers/{msisdn}")
    def patch_number(req: Request) -> Response:
        with data.store.transaction():
            wire = number_or_404(req)
            patched = merge_patch(wire, json_object(req))
            if patched.get("msisdn") != wire["msisdn"]:
                raise AdminError(400, "msisdn cannot change")
            data.save_owned(req.params["api_key"], patched)
        return ok(ordered_number(patched))

    @router.route("DELETE", PREFIX + "/numbers/{msisdn}")
    def delete_number(req: Request) -> Response:
        # The number leaves the account and goes back to the inventory, as after a cancel.
        if not data.cancel(req.params["api_key"], None, req.params["msisdn"]):
            raise AdminError(404, f"account {req.params['api_key']} does not own {req.params['msisdn']}")
        return Response.empty(204)

    @router.route("POST", PREFIX + "/numbers")
    def give_number(req: Request) -> Response:
        body = json_object(req)
        if not isinstance(body.get("country"), str) or not isinstance(body.get("msisdn"), str):
            raise AdminError(400, "country and msisdn (strings) are required")
        body["country"] = body["country"].upper()
        wire = data.give(req.params["api_key"], {k: v for k, v in body.items() if v is not None})
        if wire is None:
            raise AdminError(409, f"{body['msisdn']} is already owned")
        return ok(wire, 201)
