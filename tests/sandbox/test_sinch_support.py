"""Helpers shared by the Sinch emulator tests (no tests here): clients for the four Sinch listeners on the shared
sandbox, the admin API and the sandbox clock. Import the fixture with
`from test_sinch_support import sinch_fixture`; tests then take a `sinch` argument."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

PROJECT = "0f4e1f5a-7d2b-4c1e-9a59-3a6d7a2b5c10"


@dataclass
class Sinch:
    sb: object  # conftest.Sandbox
    auth: httpx.Client
    numbers: httpx.Client  # Basic k:s
    prov: httpx.Client
    conv: httpx.Client
    admin: httpx.Client

    def path(self, rest: str, project: str = PROJECT) -> str:
        return f"/v1/projects/{project}{rest}"

    def advance(self, seconds: float) -> None:
        r = self.admin.post("/_sandbox/clock", json={"advance_seconds": seconds})
        assert r.status_code == 200, r.text

    def token(self, key: str = "k", secret: str = "s") -> str:
        r = self.auth.post("/oauth2/token", auth=(key, secret), data={"grant_type": "client_credentials"})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def bare(self, api: str) -> httpx.Client:
        """A client of one Sinch listener without credentials (for explicit Authorization headers)."""
        return self.sb.client(api, auth=None)

    def admin_path(self, rest: str, project: str = PROJECT) -> str:
        return f"/_sandbox/sinch/{project}{rest}"

    # -- frequent calls ----------------------------------------------------------------------------------------
    def rent(self, phone: str, body: dict | None = None) -> dict:
        r = self.numbers.post(self.path(f"/availableNumbers/{phone}:rent"), json=body or {})
        assert r.status_code == 200, r.text
        return r.json()

    def number(self, phone: str) -> dict:
        r = self.numbers.get(self.path(f"/activeNumbers/{phone}"))
        assert r.status_code == 200, r.text
        return r.json()

    def create_app(self, body: dict | None = None) -> dict:
        body = body or {"display_name": "app", "channel_credentials": [sms_credential()]}
        r = self.conv.post(self.path("/apps"), json=body)
        assert r.status_code == 200, r.text
        return r.json()


def sms_credential(token: str = "sms-token", identity: str = "plan-1") -> dict:
    return {"channel": "SMS", "static_bearer": {"claimed_identity": identity, "token": token}}


def papi_error(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["errorCode"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["resolution"], str)
    return body


def rpc_error(r: httpx.Response, status: int, rpc_status: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["code"] == status and error["status"] == rpc_status, body
    assert isinstance(error["message"], str) and isinstance(error["details"], list)
    return error


@pytest.fixture(name="sinch")
def sinch_fixture(sb) -> Sinch:
    return Sinch(
        sb,
        sb.client("sinch.auth", auth=None),
        sb.client("sinch.numbers"),
        sb.client("sinch.provisioning"),
        sb.client("sinch.conversation"),
        sb.admin,
    )
