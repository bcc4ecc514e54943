"""Response and request conventions of rest.nexmo.com (vonage.md §1, §3, §8.1)."""

from __future__ import annotations

from .router import Request, Response

CONTENT_TYPE = "application/json;charset=UTF-8"
_LABELS = {
    200: "success",
    401: "authentication failed",
    404: "not found",
    405: "method not allowed",
    420: "method failed",
    429: "too many requests",
    500: "internal error",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
}


def legacy(status: int, label: str | None = None) -> Response:
    """{"error-code": "<status>", "error-code-label": label} with HTTP status = code (200 included)."""
    return Response.json(
        status,
        {"error-code": str(status), "error-code-label": label or _LABELS.get(status, "error")},
        content_type=CONTENT_TYPE,
    )


def request_fields(req: Request) -> dict[str, str]:
    """Query parameters overlaid with form fields (POST): old clients send either."""
    fields = {k: v[0] for k, v in req.query.items()}
    if req.method == "POST":
        fields.update(req.form())
    return fields
