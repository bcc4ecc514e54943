"""Sinch authentication (sinch.md §1.1): `POST /oauth2/token` on sinch.auth, and the check every project API runs.

- A project API accepts `Basic keyId:keySecret` or `Bearer <token>` where the token was issued by this sandbox
  (persisted in SQLite, so processes sharing a data dir share tokens). Tokens are opaque random strings; a
  locally minted JWT is unknown and therefore rejected.
- Tokens expire on the sandbox clock after SinchChoices.token_lifetime_seconds. An expired token gets 401 with
  `WWW-Authenticate: Bearer error="invalid_token", error_description="Jwt is expired"`: the official SDKs
  refresh once when that header contains "expired".
- Any non-empty key pair is accepted unless SandboxConfig.credentials["sinch"] pins {key_id, key_secret} (or a
  list of them). A pinned entry may add "project_id" (or "project_ids"): the key then only works for those
  projects (Numbers/Conversation: 403 permission-denied; Provisioning: 401 unauthorized_error, whose documented
  resolution is "Verify that projectId is correct.").
- Tokens are account data: POST /_sandbox/reset forgets them (clients then get 401 invalid-credentials).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

from .context import Context
from .router import Request, Response, Router
from .service import Service
from .sinch_common import PapiError, RpcError, Unrouted, match, random_token
from .sinch_data import SinchData

REGISTRY = "https://developers.sinch.com/docs/errors/registry"
# Challenge sent with invalid credentials; the registry pages show `Basic realm="Realm"` as a placeholder.
BASIC_CHALLENGE = 'Basic realm="sinch"'
EXPIRED_CHALLENGE = 'Bearer error="invalid_token", error_description="Jwt is expired"'


def registry(status: int, slug: str, title: str, detail: str, headers: dict | None = None) -> Response:
    """An error-registry body (developers.sinch.com/docs/errors)."""
    return Response.json(status, {"type": f"{REGISTRY}/{slug}", "title": title, "detail": detail}, headers=headers)


def invalid_credentials() -> Response:
    return registry(
        401,
        "invalid-credentials",
        "Invalid credentials",
        "The provided credentials are invalid. Use valid credentials from https://auth.sinch.com.",
        {"WWW-Authenticate": BASIC_CHALLENGE},
    )


def token_expired() -> Response:
    return registry(
        401,
        "access-token-expired",
        "Token expired",
        "The access token has expired. Generate a new token at https://auth.sinch.com.",
        {"WWW-Authenticate": EXPIRED_CHALLENGE},
    )


def permission_denied() -> Response:
    return registry(
        403,
        "permission-denied",
        "Permission denied",
        "The access key does not have permission to access the requested resource.",
    )


@dataclass(frozen=True)
class Key:
    secret: str
    projects: frozenset[str] | None  # None = every project


def _pinned(credentials: Mapping | None) -> dict[str, Key] | None:
    if not credentials or "sinch" not in credentials:
        return None
    entries = credentials["sinch"]
    if isinstance(entries, Mapping):
        entries = [entries]
    keys = {}
    for e in entries:
        projects = e.get("project_ids") or ([e["project_id"]] if e.get("project_id") else None)
        keys[str(e["key_id"])] = Key(str(e["key_secret"]), frozenset(projects) if projects else None)
    return keys


def _basic(header: str) -> tuple[str, str] | None:
    try:
        decoded = base64.b64decode(header.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    key, sep, secret = decoded.partition(":")
    return (key, secret) if sep else None


# Outcomes of SinchAuth.check.
OK, INVALID, EXPIRED, FORBIDDEN = "ok", "invalid", "expired", "forbidden"


class SinchAuth:
    def __init__(self, ctx: Context, data: SinchData) -> None:
        self.ctx = ctx
        self.data = data
        self.keys = _pinned(ctx.config.credentials)

    def valid_key(self, key_id: str | None, secret: str | None) -> bool:
        if not key_id or not secret:
            return False
        if self.keys is None:
            return True
        key = self.keys.get(key_id)
        return key is not None and hmac.compare_digest(key.secret.encode(), secret.encode())

    def _allowed(self, key_id: str, project: str) -> bool:
        if self.keys is None:
            return True
        key = self.keys.get(key_id)
        return key is not None and (key.projects is None or project in key.projects)

    def check(self, req: Request, project: str) -> str:
        scheme, _, value = (req.header("Authorization") or "").strip().partition(" ")
        scheme = scheme.lower()
        if scheme == "basic":
            creds = _basic(value)
            if creds is None or not self.valid_key(*creds):
                return INVALID
            key_id = creds[0]
        elif scheme == "bearer" and value.strip():
            found = self.data.token(value.strip())
            if found is None:
                return INVALID
            key_id, expires_at = found
            if self.ctx.clock.now() >= expires_at:
                return EXPIRED
        else:
            return INVALID
        req.account = key_id
        return OK if self._allowed(key_id, project) else FORBIDDEN

    def issue(self, key_id: str) -> dict:
        lifetime = self.ctx.config.sinch.token_lifetime_seconds
        token = random_token(32)
        self.data.add_token(token, key_id, self.ctx.clock.now() + lifetime)
        return {"access_token": token, "token_type": "Bearer", "expires_in": lifetime, "scope": ""}


def _spring_error(status: int, error: str, path: str, message: str = "") -> Response:
    # auth.sinch.com's own errors outside the token contract: the Spring Boot default shape (sandbox choice).
    return Response.json(status, {"status": status, "error": error, "message": message, "path": path})


class SinchAuthService(Service):
    """auth.sinch.com: POST /oauth2/token, client_credentials only.

    Credentials come from Basic auth, or (RFC 6749 §2.3.1, lenient) client_id/client_secret form fields.
    Bad credentials: 401 invalid-credentials registry body. A missing or other grant_type: 400 with the RFC 6749
    §5.2 body {"error": "unsupported_grant_type" | "invalid_request", "error_description"}.
    """

    api = "sinch.auth"

    def __init__(self, ctx: Context, auth: SinchAuth) -> None:
        self.ctx = ctx
        self.auth = auth

    def handle(self, req: Request) -> Response:
        if req.path.rstrip("/") != "/oauth2/token":
            return _spring_error(404, "Not Found", req.path)
        if req.method != "POST":
            resp = _spring_error(405, "Method Not Allowed", req.path)
            resp.headers["Allow"] = "POST"
            return resp
        form = dict(parse_qsl(req.body.decode("utf-8", errors="replace"), keep_blank_values=True))
        scheme, _, value = (req.header("Authorization") or "").strip().partition(" ")
        if scheme.lower() == "basic":
            creds = _basic(value)
        elif not scheme:
            creds = (form.get("client_id"), form.get("client_secret"))
        else:
            creds = None
        if creds is None or not self.auth.valid_key(*creds):
            return invalid_credentials()
        grant = form.get("grant_type")
        if not grant:
            return Response.json(400, {"error": "invalid_request", "error_description": "Missing grant_type parameter"})
        if grant != "client_credentials":
            return Response.json(
                400,
                {"error": "unsupported_grant_type", "error_description": f"Unsupported grant type: {grant}"},
            )
        return Response.json(
            200, self.auth.issue(creds[0]), headers={"Cache-Control": "no-store", "Pragma": "no-cache"}
        )

    def throttled(self, retry_after: int) -> Response:
        return _spring_error(429, "Too Many Requests", "/oauth2/token")

    def failure(self, status: int) -> Response:
        return _spring_error(status, "Internal Server Error" if status == 500 else "Error", "/oauth2/token")


class ProjectService(Service):
    """Skeleton of a project-scoped Sinch API (`/v1/projects/{project}/...`): route on the decoded path, then
    authenticate, then run the handler. Routing comes first so an unknown path is a 404 whatever the credentials
    (sandbox choice; the real order is not documented). Handlers raise PapiError/RpcError for errors."""

    def __init__(self, ctx: Context, auth: SinchAuth) -> None:
        self.ctx = ctx
        self.auth = auth
        self.router = Router()

    def handle(self, req: Request) -> Response:
        try:
            handler = match(self.router, req)
        except Unrouted as exc:
            return self.unrouted(req, exc.allowed)
        outcome = self.auth.check(req, req.params.get("project", ""))
        if outcome != OK:
            return self.auth_failure(outcome)
        try:
            self.precheck(req)
            return handler(req)
        except (PapiError, RpcError) as exc:
            return exc.response()

    def precheck(self, req: Request) -> None:
        """Checks that run after authentication and before the route (raise to answer)."""

    def unrouted(self, req: Request, allowed: list[str] | None) -> Response:
        raise NotImplementedError

    def auth_failure(self, outcome: str) -> Response:
        """Numbers and Conversation answer with the error-registry bodies."""
        if outcome == EXPIRED:
            return token_expired()
        if outcome == FORBIDDEN:
            return permission_denied()
        return invalid_credentials()
