"""Fixtures: one shared sandbox (reset before each test) and httpx clients for its listeners."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field

import httpx
import pytest

from provisioner.sandbox import SandboxConfig, SandboxServer

# Building an httpx client loads a CA bundle (~70 ms); one shared context keeps clients cheap.
SSL = ssl.create_default_context()


def client(base_url: str, auth: tuple[str, str] | None = ("k", "s")) -> httpx.Client:
    return httpx.Client(base_url=base_url, auth=auth, timeout=10, verify=SSL)


@dataclass
class Sandbox:
    server: SandboxServer
    api: httpx.Client  # api.nexmo.com emulator, Basic auth k:s
    rest: httpx.Client  # rest.nexmo.com emulator, Basic auth k:s
    admin: httpx.Client
    _extra: list[httpx.Client] = field(default_factory=list)

    def client(self, name: str, auth: tuple[str, str] | None = ("k", "s")) -> httpx.Client:
        c = client(self.server.endpoints[name], auth)
        self._extra.append(c)
        return c

    def log(self, api: str | None = None) -> list[dict]:
        return self.admin.get("/_sandbox/requests", params={"api": api} if api else None).json()

    def create_app(self, body: dict | None = None, client: httpx.Client | None = None) -> dict:
        r = (client or self.api).post("/v2/applications", json=body or {"name": "app"})
        assert r.status_code == 201, r.text
        return r.json()

    def buy(self, msisdn: str, country: str = "GB", client: httpx.Client | None = None) -> None:
        r = (client or self.rest).post("/number/buy", data={"country": country, "msisdn": msisdn})
        assert r.status_code == 200, r.text


@pytest.fixture(scope="session")
def shared_server():
    # Small inventory keeps the per-test reset cheap; inventory size itself is tested on its own server.
    with SandboxServer(SandboxConfig(inventory_size=200)) as srv:
        yield srv


@pytest.fixture(scope="session")
def shared_clients(shared_server):
    clients = (
        client(shared_server.endpoints["vonage.api"]),
        client(shared_server.endpoints["vonage.rest"]),
        client(shared_server.admin_url, auth=None),
    )
    yield clients
    for c in clients:
        c.close()


@pytest.fixture
def sb(shared_server, shared_clients):
    api, rest, admin = shared_clients
    assert admin.post("/_sandbox/reset").status_code == 204
    sandbox = Sandbox(shared_server, api, rest, admin)
    yield sandbox
    for c in sandbox._extra:
        c.close()


@pytest.fixture
def server_factory():
    """Starts extra sandboxes with their own config; stops them after the test."""
    started: list[SandboxServer] = []

    def start(**kwargs) -> SandboxServer:
        srv = SandboxServer(SandboxConfig(**{"inventory_size": 50, **kwargs})).start()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()


@pytest.fixture
def new_client():
    """client(base_url, auth=("k", "s")) -> httpx.Client, closed after the test."""
    made: list[httpx.Client] = []

    def make(base_url: str, auth: tuple[str, str] | None = ("k", "s")) -> httpx.Client:
        c = client(base_url, auth)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()
