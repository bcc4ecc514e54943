"""Server lifecycle: persistence, serve(), inventory determinism, protocol details, independence."""

from __future__ import annotations

import ast
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from provisioner.sandbox import SandboxConfig, SandboxServer
from provisioner.sandbox.inventory import generate

SANDBOX_DIR = Path(__file__).resolve().parents[2] / "provisioner" / "sandbox"


def test_persistence_across_restart(tmp_path, new_client):
    cfg = SandboxConfig(data_dir=tmp_path, inventory_size=50, key_pool_size=2)
    with SandboxServer(cfg) as srv:
        api, rest = new_client(srv.endpoints["vonage.api"]), new_client(srv.endpoints["vonage.rest"])
        app = api.post(
            "/v2/applications", json={"name": "persisted", "capabilities": {"messages": {}}}
        ).json()
        rest.post("/number/buy", data={"country": "GB", "msisdn": "447700900001"})
        rest.post("/number/update", data={"country": "GB", "msisdn": "447700900001", "app_id": app["id"]})
        httpx.post(srv.admin_url + "/_sandbox/clock", json={"advance_seconds": 60})
        log_before = httpx.get(srv.admin_url + "/_sandbox/requests").json()
        available_before = rest.get("/number/search", params={"country": "GB"}).json()["count"]
    assert (tmp_path / "sandbox.db").exists()
    with SandboxServer(cfg) as srv:
        api, rest = new_client(srv.endpoints["vonage.api"]), new_client(srv.endpoints["vonage.rest"])
        got = api.get(f"/v2/applications/{app['id']}").json()
        assert got == {k: v for k, v in app.items() if k != "keys"} | {
            "keys": {"public_key": app["keys"]["public_key"]}
        }
        numbers = rest.get("/account/numbers").json()["numbers"]
        assert numbers[0]["app_id"] == app["id"]
        assert httpx.get(srv.admin_url + "/_sandbox/requests").json()[: len(log_before)] == log_before
        assert rest.get("/number/search", params={"country": "GB"}).json()["count"] == available_before
        assert httpx.get(srv.admin_url + "/_sandbox/clock").json()["offset_seconds"] == 60
        # The key pool survives too: its first key is the one handed out before the restart.
        again = api.post("/v2/applications", json={"name": "second"}).json()
        assert again["keys"]["public_key"] == app["keys"]["public_key"]


def test_separate_processes_share_a_data_dir(tmp_path):
    script = (
        "import httpx, sys\n"
        "from provisioner.sandbox import SandboxServer, SandboxConfig\n"
        f"cfg = SandboxConfig(data_dir={str(tmp_path)!r}, inventory_size=20, key_pool_size=1)\n"
        "with SandboxServer(cfg) as srv:\n"
        "    c = httpx.Client(base_url=srv.endpoints['vonage.api'], auth=('k', 's'))\n"
        "    if sys.argv[1] == 'create':\n"
        "        c.post('/v2/applications', json={'name': 'from-process-1'})\n"
        "    else:\n"
        "        print(c.get('/v2/applications').json()['_embedded']['applications'][0]['name'])\n"
        "        print(len(httpx.get(srv.admin_url + '/_sandbox/requests').json()))\n"
    )
    subprocess.run([sys.executable, "-c", script, "create"], check=True, timeout=60)
    out = subprocess.run(
        [sys.executable, "-c", script, "read"], check=True, timeout=60, capture_output=True, text=True
    ).stdout.split()
    assert out == ["from-process-1", "2"]


def test_serve_prints_one_json_line_and_stops_on_sigterm(tmp_path):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from provisioner.sandbox import serve, SandboxConfig; serve(SandboxConfig(inventory_size=10))",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        endpoints = json.loads(line)
        assert set(endpoints) == {
            "vonage.api",
            "vonage.rest",
            "sinch.auth",
            "sinch.numbers",
            "sinch.provisioning",
            "sinch.conversation",
            "infobip",
            "admin",
        }
        assert httpx.get(endpoints["admin"] + "/_sandbox/endpoints").json() == {
            k: v for k, v in endpoints.items() if k != "admin"
        }
        assert httpx.get(endpoints["vonage.api"] + "/v2/applications", auth=("k", "s")).status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read() == ""  # exactly one line
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_default_inventory_is_deterministic_and_big_enough(server_factory, new_client):
    srv = server_factory(inventory_size=1000)
    rest = new_client(srv.endpoints["vonage.rest"])
    for country in ("GB", "US", "DE", "FR", "ES", "NL", "IE", "AU", "CA", "SE"):
        assert rest.get("/number/search", params={"country": country}).json()["count"] >= 1000
    expected = [n.msisdn for n in sorted(generate("US", 1000), key=lambda n: n.msisdn)[:100]]
    got = [
        n["msisdn"]
        for n in rest.get("/number/search", params={"country": "US", "size": 100}).json()["numbers"]
    ]
    assert got == expected
    assert generate("GB", 300)[:100] == generate("GB", 100)  # bigger inventory extends the smaller one
    assert all(n.msisdn.startswith(("1201555", "1415555", "1212555", "1800555")) for n in generate("US", 500))
    assert (
        rest.get("/number/search", params={"country": "GB", "pattern": "447700900001"}).json()["count"] == 1
    )


def test_http11_keep_alive_and_content_length(sb):
    with socket.create_connection(
        ("127.0.0.1", int(sb.server.endpoints["vonage.api"].rsplit(":", 1)[1]))
    ) as s:
        request = b"GET /v2/applications HTTP/1.1\r\nHost: x\r\nAuthorization: Basic azpz\r\n\r\n"
        f = s.makefile("rb")
        for _ in range(2):  # two requests on one connection
            s.sendall(request)
            status = f.readline()
            assert status.startswith(b"HTTP/1.1 200")
            headers = {}
            while (line := f.readline()) != b"\r\n":
                k, v = line.decode().split(":", 1)
                headers[k.lower()] = v.strip()
            body = f.read(int(headers["content-length"]))
            assert json.loads(body)["page"] == 1


def test_concurrent_requests(sb):
    errors: list[str] = []

    def worker(i: int) -> None:
        with httpx.Client(base_url=sb.server.endpoints["vonage.api"], auth=("k", "s")) as c:
            for j in range(10):
                r = c.post("/v2/applications", json={"name": f"t{i}-{j}"})
                if r.status_code != 201:
                    errors.append(r.text)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sb.api.get("/v2/applications").json()["total_items"] == 80
    assert len(sb.log()) == 81


def test_endpoints_require_start():
    srv = SandboxServer(SandboxConfig())
    with pytest.raises(RuntimeError):
        _ = srv.endpoints
    srv.stop()  # harmless before start


def test_fixed_ports(new_client):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with SandboxServer(SandboxConfig(inventory_size=5, ports={"vonage.api": port})) as srv:
        assert srv.endpoints["vonage.api"] == f"http://127.0.0.1:{port}"


def test_sandbox_imports_only_stdlib_cryptography_and_itself():
    allowed_roots = set(sys.stdlib_module_names) | {"cryptography"}
    for path in SANDBOX_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: inside the sandbox package
                    continue
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert roots <= allowed_roots, f"{path.name} imports {roots - allowed_roots}"


def test_importing_sandbox_does_not_load_provider_client_code():
    code = (
        "import sys, provisioner.sandbox; "
        "print([m for m in sys.modules if m.startswith(('provisioner.providers', 'provisioner.http'))])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env={**os.environ}
    ).stdout.strip()
    assert out == "[]"


def test_bigger_inventory_on_restart_extends_without_resurrecting_owned_numbers(tmp_path, new_client):
    with SandboxServer(SandboxConfig(data_dir=tmp_path, inventory_size=20, key_pool_size=1)) as srv:
        rest = new_client(srv.endpoints["vonage.rest"])
        first = rest.get("/number/search", params={"country": "GB", "size": 1}).json()["numbers"][0]["msisdn"]
        assert rest.post("/number/buy", data={"country": "GB", "msisdn": first}).status_code == 200
    with SandboxServer(SandboxConfig(data_dir=tmp_path, inventory_size=40, key_pool_size=1)) as srv:
        rest = new_client(srv.endpoints["vonage.rest"])
        assert rest.get("/number/search", params={"country": "GB"}).json()["count"] == 39
        assert rest.get("/account/numbers").json()["numbers"][0]["msisdn"] == first
        assert rest.get("/number/search", params={"country": "GB", "pattern": first}).json() == {}
