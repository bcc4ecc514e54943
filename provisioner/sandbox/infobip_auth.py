"""Infobip authentication (infobip.md §1.2): one `Authorization` header, four schemes, and the two token endpoints.

- `App <apiKey>`: the key is the account. Any non-empty key works unless SandboxConfig.credentials["infobip"] pins
  entries `{api_key}` / `{username, password}` (a dict or a list). One entry = one account: when an entry has both,
  Basic/IBSSO/Bearer logins of its user see the api_key's data.
- `Basic base64(user:pass)`: unpinned, any non-empty pair; the account is the username (or the pinned entry's key).
- `IBSSO <token>` from `POST /auth/1/session {"username","password"}` -> 200 `{"token"}`; the token dies after
  InfobipChoices.session_idle_seconds without use (sandbox clock); `DELETE /auth/1/session` ends it (200, no body).
- `Bearer <token>` from `POST /auth/1/oauth2/token` (form: client_id, client_secret, grant_type=client_credentials)
  -> 200 `{"access_token","expires_in","token_type":"Bearer"}`; expires on the sandbox clock. Only tokens this
  sandbox issued are accepted; POST /_sandbox/reset forgets them.
Failures: 401 in the route family's shape (legacy `UNAUTHORIZED` with InfobipChoices.unauthorized_text, or E401).
Scopes (`x-scopes`) are not enforced: every key may call every operation.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

from .context import Context
from .infobip_common import LEGACY, Fail, bad_request, json_object, legacy
from .infobip_data import InfobipData
from .router import Request, Response

OAUTH, SESSION = "oauth", "session"


@dataclass(frozen=True)
class Entry:
    api_key: str | None
    username: str | None
    password: str | None

    @property
    def account(self) -> str:
        return self.api_key or self.username or ""


def _pinned(credentials: Mapping | None) -> list[Entry] | None:
    if not credentials or "infobip" not in credentials:
        return None
    entries = credentials["infobip"]
    if isinstance(entries, Mapping):
        entries = [entries]
    out = []
    for e in entries:
        out.append(
            Entry(
                str(e["api_key"]) if e.get("api_key") else None,
                str(e["username"]) if e.get("username") else None,
                str(e["password"]) if e.get("password") is not None else None,
            )
        )
    return out


def _eq(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def decode_basic(value: str) -> tuple[str, str] | None:
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


class InfobipAuth:
    def __init__(self, ctx: Context, data: InfobipData) -> None:
        self.ctx = ctx
        self.data = data
        self.choices = ctx.config.infobip
        self.entries = _pinned(ctx.config.credentials)

    # -- credentials -----------------------------------------------------------------------------------------
    def api_key_account(self, key: str) -> str | None:
        if not key:
            return None
        if self.entries is None:
            return key
        for e in self.entries:
            if e.api_key is not None and _eq(e.api_key, key):
                return e.account
        return None

    def login(self, username: str | None, password: str | None) -> str | None:
        """The account of a username/password pair, or None."""
        if not username or not password:
            return None
        if self.entries is None:
            return username
        for e in self.entries:
            if e.username is not None and e.password is not None and _eq(e.username, username):
                if _eq(e.password, password):
                    return e.account
        return None

    def authenticate(self, req: Request) -> str | None:
        scheme, _, value = (req.header("Authorization") or "").strip().partition(" ")
        scheme, value = scheme.lower(), value.strip()
        if scheme == "app":
            return self.api_key_account(value)
        if scheme == "basic":
            creds = decode_basic(value)
            return self.login(*creds) if creds else None
        if scheme in ("bearer", "ibsso") and value:
            kind = OAUTH if scheme == "bearer" else SESSION
            found = self.data.token(value, kind)
            if found is None:
                return None
            account, expires_at = found
            now = self.ctx.clock.now()
            if now >= expires_at:
                return None
            if kind == SESSION:  # sliding expiry: 60 minutes of inactivity
                self.data.touch_token(value, now + self.choices.session_idle_seconds)
            return account
        return None

    def unauthorized(self) -> Fail:
        return legacy(401, "UNAUTHORIZED", self.choices.unauthorized_text)

    # -- token endpoints (registered as public routes) -------------------------------------------------------------
    def create_session(self, req: Request) -> Response:
        body = json_object(req, LEGACY)
        username, password = body.get("username"), body.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            raise bad_request("Bad request", {"username": ["must not be null"]} if not username else None)
        account = self.login(username, password)
        if account is None:
            raise self.unauthorized()
        token = secrets.token_hex(18)
        self.data.add_token(token, SESSION, account, self.ctx.clock.now() + self.choices.session_idle_seconds)
        return Response.json(200, {"token": token})

    def destroy_session(self, req: Request) -> Response:
        scheme, _, value = (req.header("Authorization") or "").strip().partition(" ")
        if scheme.lower() != "ibsso" or self.authenticate(req) is None or not self.data.drop_token(value.strip()):
            raise self.unauthorized()
        return Response.empty(200)

    def create_token(self, req: Request) -> Response:
        form = dict(parse_qsl(req.body.decode("utf-8", errors="replace"), keep_blank_values=True))
        missing = [k for k in ("client_id", "client_secret", "grant_type") if not form.get(k)]
        if missing:
            raise bad_request("Bad request", {k: ["must not be null"] for k in missing})
        if form["grant_type"] != "client_credentials":
            raise bad_request("Bad request", {"grant_type": ["unsupported grant type"]})
        account = self.login(form["client_id"], form["client_secret"])
        if account is None:
            raise self.unauthorized()
        lifetime = self.choices.oauth_token_lifetime_seconds
        token = secrets.token_urlsafe(32)
        self.data.add_token(token, OAUTH, account, self.ctx.clock.now() + lifetime)
        return Response.json(200, {"access_token": token, "expires_in": lifetime, "token_type": "Bearer"})
