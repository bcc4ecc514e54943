"""rest.nexmo.com: the legacy style (vonage.md §1, §3): form-encoded POST bodies, credentials in Basic auth,
query or form, errors as {"error-code", "error-code-label"} with HTTP status = code.

Check order: 401 auth, then 404/405 routing, then the route. Every response carries the observed headers.
"""

from __future__ import annotations

import uuid

from .context import Context
from .router import MethodNotAllowed, Request, Response, Router
from .service import Service
from .vonage_auth import Malformed, VonageAuth, basic_credentials
from .vonage_data import VonageData
from .vonage_legacy import legacy, request_fields
from .vonage_numbers import register as register_numbers


class VonageRestService(Service):
    api = "vonage.rest"
    server_header = "nginx"

    def __init__(self, ctx: Context, data: VonageData) -> None:
        self.ctx = ctx
        self.auth = VonageAuth(ctx.config.credentials)
        self.router = Router()
        register_numbers(self.router, ctx, data)

    def _credentials(self, req: Request) -> tuple[str, str] | None:
        """Basic wins when present (a malformed header fails); else api_key/api_secret from query or form."""
        try:
            basic = basic_credentials(req.header("Authorization"))
        except Malformed:
            return None
        if basic is not None:
            return basic
        fields = request_fields(req)
        return fields.get("api_key"), fields.get("api_secret")

    def handle(self, req: Request) -> Response:
        creds = self._credentials(req)
        if creds is None or not self.auth.valid(*creds):
            return self._decorate(legacy(401))
        req.account = creds[0]
        try:
            matched = self.router.match(req.method, req.path)
        except MethodNotAllowed as exc:
            resp = legacy(405)
            resp.headers["Allow"] = ", ".join(exc.allowed)
            return self._decorate(resp)
        if matched is None:
            return self._decorate(legacy(404))
        handler, req.params = matched
        return self._decorate(handler(req))

    @staticmethod
    def _decorate(resp: Response) -> Response:
        # Headers observed on real responses (nexmo-cli#233); `server: nginx` comes from server_header.
        resp.headers.setdefault("x-nexmo-trace-id", uuid.uuid4().hex)
        resp.headers.setdefault("content-disposition", 'attachment; filename="api.txt"')
        return resp

    def throttled(self, retry_after: int) -> Response:
        return self._decorate(legacy(429))

    def failure(self, status: int) -> Response:
        return self._decorate(legacy(status))
