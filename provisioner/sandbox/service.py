"""Base class of an emulated provider API (one listener each) and the placeholder for APIs not built yet."""

from __future__ import annotations

from .router import Request, Response


class Service:
    """One provider API: answers requests, and formats the sandbox's own throttling and faults its way."""

    api: str = ""
    server_header: str = "provisioner-sandbox"

    def handle(self, req: Request) -> Response:
        raise NotImplementedError

    def throttled(self, retry_after: int) -> Response:
        """429 from a rate limit, in the provider's format; the caller adds Retry-After."""
        return Response.json(429, {"error": "rate limited", "status": 429})

    def failure(self, status: int) -> Response:
        """An injected fault (or an internal error) in the provider's format."""
        return Response.json(status, {"error": "injected fault", "status": status})


class NotBuiltService(Service):
    """A listener whose routes are not emulated yet: every request gets a JSON 404, no auth required."""

    def __init__(self, api: str) -> None:
        self.api = api

    def handle(self, req: Request) -> Response:
        return Response.json(
            404,
            {
                "error": "not found",
                "detail": f"{self.api} has no route {req.method} {req.path} in this sandbox version",
                "status": 404,
            },
        )
