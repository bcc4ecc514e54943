"""Admin API (its own listener, never logged, never faulted): endpoints, request log, clock, reset, faults and
rate limits. Provider modules add their out-of-band edit routes to the same router (see vonage_admin.py).
"""

from __future__ import annotations

from .context import Context
from .faults import Faults, RateLimits
from .router import MethodNotAllowed, Request, Response, Router
from .service import Service


class AdminError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def ok(obj, status: int = 200) -> Response:
    return Response.json(status, obj)


def json_body(req: Request):
    try:
        return req.json()
    except ValueError:
        raise AdminError(400, "body must be JSON") from None


def json_object(req: Request) -> dict:
    body = json_body(req)
    if not isinstance(body, dict):
        raise AdminError(400, "body must be a JSON object")
    return body


def register_core(router: Router, ctx: Context) -> None:
    @router.route("GET", "/_sandbox/health")
    def health(req: Request) -> Response:
        return ok({"ok": True})

    @router.route("GET", "/_sandbox/endpoints")
    def endpoints(req: Request) -> Response:
        return ok(ctx.endpoints)

    @router.route("GET", "/_sandbox/requests")
    def requests(req: Request) -> Response:
        return ok(ctx.store.requests(req.arg("api")))

    @router.route("DELETE", "/_sandbox/requests")
    def clear_requests(req: Request) -> Response:
        ctx.store.clear_requests()
        return Response.empty(204)

    @router.route("GET", "/_sandbox/clock")
    def clock(req: Request) -> Response:
        return ok(ctx.clock.snapshot())

    @router.route("POST", "/_sandbox/clock")
    def advance_clock(req: Request) -> Response:
        seconds = json_object(req).get("advance_seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise AdminError(400, "advance_seconds must be a number")
        try:
            ctx.clock.advance(seconds)
        except ValueError as exc:
            raise AdminError(400, str(exc)) from None
        return ok(ctx.clock.snapshot())

    @router.route("POST", "/_sandbox/reset")
    def reset(req: Request) -> Response:
        ctx.reset()
        return Response.empty(204)

    for path, rules in (("/_sandbox/faults", ctx.faults), ("/_sandbox/ratelimits", ctx.rate_limits)):
        _register_rules(router, path, rules)


def _register_rules(router: Router, path: str, rules: Faults | RateLimits) -> None:
    """GET lists, POST sets one rule per API (replacing), DELETE clears all or ?api=NAME."""

    def listing(req: Request) -> Response:
        return ok(rules.listing())

    def add(req: Request) -> Response:
        try:
            rule = rules.set(json_object(req))
        except ValueError as exc:
            raise AdminError(400, str(exc)) from None
        return ok(rule, 201)

    def clear(req: Request) -> Response:
        rules.clear(req.arg("api"))
        return Response.empty(204)

    router.add("GET", path, listing)
    router.add("POST", path, add)
    router.add("DELETE", path, clear)


class AdminService(Service):
    api = "admin"

    def __init__(self, router: Router) -> None:
        self.router = router

    def handle(self, req: Request) -> Response:
        try:
            matched = self.router.match(req.method, req.path)
            if matched is None:
                raise AdminError(404, f"no admin route {req.path}")
            handler, req.params = matched
            return handler(req)
        except MethodNotAllowed as exc:
            return Response.json(405, {"error": f"method {req.method} not allowed", "allowed": exc.allowed})
        except AdminError as exc:
            return Response.json(exc.status, {"error": str(exc)})
