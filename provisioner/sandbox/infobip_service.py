"""The Infobip listener (one base URL for every product, like https://{xxxxx}.api.infobip.com).

Pipeline of one request, after the server's fault injection and admin rate limits:
route (on the percent-decoded path) -> authenticate -> per-operation throttle -> handler.
- Routing comes first: an unknown path is a 404 `E404` ApiError whatever the credentials; a known path with another
  verb is 405 `E405` with Allow (sandbox choices: the real gateway's answers are not documented).
- Each route names its operationId (throttling key) and its error family (LEGACY or API_ERROR): 401 and 429 are
  answered in that family's shape.
- Handlers raise infobip_common.Fail for errors.
The product modules (infobip_numbers, ...) add their routes with `InfobipService.add`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from .context import Context
from .infobip_auth import InfobipAuth
from .infobip_common import API_ERROR, LEGACY, Fail, api_error_body, family_error, legacy_status
from .infobip_throttle import Throttle
from .router import MethodNotAllowed, Request, Response, Router
from .service import Service


@dataclass
class Route:
    op: str  # operationId, the throttling key
    family: str
    fn: Callable[[Request], Response]
    public: bool = False  # no Authorization needed (the token endpoints)

    def __call__(self, req: Request) -> Response:
        return self.fn(req)


class InfobipService(Service):
    api = "infobip"

    def __init__(self, ctx: Context, auth: InfobipAuth, throttle: Throttle) -> None:
        self.ctx = ctx
        self.auth = auth
        self.throttle = throttle
        self.router = Router()
        self.add("POST", "/auth/1/session", "create-session", auth.create_session, public=True)
        self.add("DELETE", "/auth/1/session", "destroy-session", auth.destroy_session, public=True)
        self.add("POST", "/auth/1/oauth2/token", "create-oauth2-token", auth.create_token, public=True)

    def add(
        self,
        method: str,
        pattern: str,
        op: str,
        fn: Callable[[Request], Response],
        family: str = LEGACY,
        public: bool = False,
    ) -> None:
        self.router.add(method, pattern, Route(op, family, fn, public))

    def handle(self, req: Request) -> Response:
        try:
            matched = self.router.match(req.method, unquote(req.path))
        except MethodNotAllowed as exc:
            return Response.json(405, api_error_body(405), headers={"Allow": ", ".join(exc.allowed)})
        if matched is None:
            return Response.json(404, api_error_body(404))
        route, req.params = matched
        assert isinstance(route, Route)
        try:
            if not route.public:
                account = self.auth.authenticate(req)
                if account is None:
                    return family_error(route.family, 401, self.ctx.config.infobip.unauthorized_text)
                req.account = account
            wait = self.throttle.acquire(req.account or "", route.op)
            if wait is not None:
                resp = family_error(route.family, 429)
                if self.ctx.config.infobip.throttle_retry_after:
                    resp.headers["Retry-After"] = str(wait)
                return resp
            return route(req)
        except Fail as exc:
            return exc.response

    # -- the server's own throttling (admin rate limits) and injected faults: legacy shape ---------------------------
    def throttled(self, retry_after: int) -> Response:
        return legacy_status(429)

    def failure(self, status: int) -> Response:
        return legacy_status(status)


def account(req: Request) -> str:
    assert req.account is not None
    return req.account


__all__ = ["API_ERROR", "LEGACY", "InfobipService", "Route", "account"]
