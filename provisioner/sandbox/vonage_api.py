"""api.nexmo.com: JSON REST with RFC 7807 problem details (vonage.md §1, §2.4).

Check order for every request (the real order is not documented): 401 auth, then 404 unknown path / 405 wrong
verb, then 406 Accept, then 415 Content-Type (POST/PUT/PATCH), then the route's own checks.
"""

from __future__ import annotations

from .context import Context
from .router import JSON, MethodNotAllowed, Request, Response, Router
from .service import Service
from .vonage_applications import register as register_applications
from .vonage_auth import Malformed, VonageAuth, basic_credentials
from .vonage_data import VonageData
from .vonage_problems import ERRORS, not_found, problem, unauthorized


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def accepts_json(accept: str | None) -> bool:
    """Absent Accept, */*, application/* or application/json (without q=0) are fine."""
    if accept is None or not accept.strip():
        return True
    for item in accept.split(","):
        media, *params = [p.strip() for p in item.split(";")]
        if any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params):
            continue
        if media.lower() in ("*/*", "application/*", JSON):
            return True
    return False


class VonageApiService(Service):
    api = "vonage.api"

    def __init__(self, ctx: Context, data: VonageData) -> None:
        self.ctx = ctx
        self.data = data
        self.auth = VonageAuth(ctx.config.credentials)
        self.router = Router()
        register_applications(self.router, ctx, data)  # future api.nexmo.com APIs register here too

    def handle(self, req: Request) -> Response:
        try:
            creds = basic_credentials(req.header("Authorization"))
        except Malformed:
            creds = None
        if creds is None or not self.auth.valid(*creds):
            return unauthorized()
        req.account = creds[0]
        try:
            matched = self.router.match(req.method, req.path)
        except MethodNotAllowed as exc:
            return problem(
                405,
                f"{ERRORS}#wrong-verb",
                "Request method not allowed",
                f"Request method '{req.method}' not supported",
                headers={"Allow": ", ".join(exc.allowed)},
            )
        if matched is None:
            return not_found(f"The requested resource '{req.path}' does not exist")
        if not accepts_json(req.header("Accept")):
            return problem(
                406,
                f"{ERRORS}#accept-header",
                "Invalid Accept header",
                "Invalid Accept header provided. Must be one of the following: 'application/json'",
            )
        if req.method in ("POST", "PUT", "PATCH") and _media_type(req.header("Content-Type") or "") != JSON:
            return problem(
                415,
                f"{ERRORS}#content-type-header",
                "Unsupported Content-Type header",
                "Unsupported Content-Type header provided. Must be one of the following: 'application/json'",
            )
        handler, req.params = matched
        return handler(req)

    def throttled(self, retry_after: int) -> Response:
        return problem(429, f"{ERRORS}#rate-limit", "Rate Limit Hit", "Please wait, then retry your request")

    def failure(self, status: int) -> Response:
        # Only 429 has a documented body; other statuses reuse the problem-details shape (sandbox choice).
        if status == 429:
            return self.throttled(0)
        titles = {
            500: "Internal Server Error",
            502: "Bad Gateway",
            503: "Service Unavailable",
            504: "Gateway Timeout",
        }
        title = titles.get(status, "Error")
        return problem(
            status, f"{ERRORS}#{title.lower().replace(' ', '-')}", title, "The sandbox injected this failure"
        )
