"""Helpers shared by the Infobip emulator tests (no tests here): a client of the `infobip` listener with
`Authorization: App <key>`, the admin API, the sandbox clock and the two error shapes. Import the fixture with
`from test_infobip_support import infobip_fixture`; tests then take an `ib` argument."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

KEY = "test-api-key"


@dataclass
class Infobip:
    sb: object  # conftest.Sandbox
    api: httpx.Client  # Authorization: App KEY
    admin: httpx.Client

    def client(self, key: str | None = KEY, headers: dict | None = None) -> httpx.Client:
        """Another client of the listener: `App <key>`, explicit headers, or no Authorization (key=None)."""
        c = self.sb.client("infobip", auth=None)
        if key is not None:
            c.headers["Authorization"] = f"App {key}"
        c.headers.update(headers or {})
        return c

    def advance(self, seconds: float) -> None:
        r = self.admin.post("/_sandbox/clock", json={"advance_seconds": seconds})
        assert r.status_code == 200, r.text

    def admin_path(self, rest: str, key: str = KEY) -> str:
        return f"/_sandbox/infobip/{key}{rest}"

    # -- frequent calls ------------------------------------------------------------------------------------------
    def available(self, **params) -> list[dict]:
        r = self.api.get("/numbers/1/numbers/available", params=params)
        assert r.status_code == 200, r.text
        return r.json()["numbers"]

    def buy(self, country: str = "GB", body: dict | None = None, client: httpx.Client | None = None) -> dict:
        number = self.available(country=country, limit=1)[0]
        r = (client or self.api).post("/numbers/1/numbers", json={"numberKey": number["numberKey"], **(body or {})})
        assert r.status_code == 200, r.text
        return r.json()

    def create_app(self, app_id: str, name: str | None = None) -> None:
        body = {"applicationId": app_id, **({"applicationName": name} if name else {})}
        r = self.api.post("/provisioning/1/applications", json=body)
        assert r.status_code == 201, r.text


def legacy_error(r: httpx.Response, status: int, message_id: str, text: str | None = None) -> dict:
    """Asserts the legacy `{"requestError":{"serviceException":{...}}}` body; returns serviceException."""
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"requestError"}, body
    assert set(body["requestError"]) == {"serviceException"}, body
    exc = body["requestError"]["serviceException"]
    assert exc["messageId"] == message_id, exc
    assert isinstance(exc["text"], str) and exc["text"]
    if text is not None:
        assert exc["text"] == text, exc
    assert set(exc) <= {"messageId", "text", "validationErrors"}
    return exc


def api_error(r: httpx.Response, status: int, code: str | None = None) -> dict:
    """Asserts the ApiError `{"errorCode","description","action","violations","resources"}` body."""
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"errorCode", "description", "action", "violations", "resources"}, body
    assert body["errorCode"] == (code or f"E{status}"), body
    assert isinstance(body["violations"], list) and isinstance(body["resources"], list)
    return body


def no_body(r: httpx.Response, status: int) -> None:
    assert r.status_code == status, r.text
    assert r.content == b""


@pytest.fixture(name="ib")
def infobip_fixture(sb) -> Infobip:
    api = sb.client("infobip", auth=None)
    api.headers["Authorization"] = f"App {KEY}"
    return Infobip(sb, api, sb.admin)
