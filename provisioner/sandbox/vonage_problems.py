"""RFC 7807 problem details as api.nexmo.com writes them (vonage.md §2.4)."""

from __future__ import annotations

import uuid

from .router import Response

ERRORS = "https://developer.vonage.com/api-errors"
APPLICATION_ERRORS = "https://developer.vonage.com/api-errors/application"


def problem(
    status: int, type_: str, title: str, detail: str, headers: dict | None = None, **extra
) -> Response:
    body = {"type": type_, "title": title, "detail": detail, "instance": uuid.uuid4().hex, **extra}
    return Response.json(status, body, headers=headers)


def unauthorized() -> Response:
    return problem(
        401,
        f"{ERRORS}#unauthorized",
        "Invalid credentials supplied",
        "You did not provide correct credentials.",
    )


def not_found(detail: str) -> Response:
    return problem(404, f"{ERRORS}#not-found", "Not Found", detail)


def validation_failed(kind: str, invalid: list[dict]) -> Response:
    """400 with invalid_parameters; kind is 'payload-validation' or 'list-validation'."""
    return problem(
        400,
        f"{APPLICATION_ERRORS}#{kind}",
        "Bad Request",
        "The request failed due to validation errors",
        invalid_parameters=invalid,
    )
