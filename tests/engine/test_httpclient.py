"""provisioner.httpclient over real sockets on 127.0.0.1: keep-alive reuse, connections the server
dropped, each failure phase mapped to the right error (retry safety depends on it), TLS with and
without a trusted certificate, proxies from the environment (plain and CONNECT), and the encodings
httpx used to give us (query, JSON, form)."""

from __future__ import annotations

import datetime
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from provisioner import httpclient
from provisioner.http import NOT_SENT, TRANSIENT

Raw = Callable[[socket.socket, "Server"], None]


class Server:
    """A tiny threaded TCP server whose connection handler the test writes; it records every
    request (head and body) and how many connections were accepted."""

    def __init__(self, handle: Raw, tls: ssl.SSLContext | None = None) -> None:
        self.handle = handle
        self.tls = tls
        self.connections = 0
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            if self.tls is not None:
                try:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):
                    conn.close()
                    continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            self.handle(conn, self)
        except OSError:
            pass
        finally:
            conn.close()

    def read_request(self, conn: socket.socket) -> tuple[str, dict[str, str], bytes] | None:
        """One request off ``conn`` (None at EOF)."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            body += conn.recv(65536)
        request = (lines[0], headers, body)
        self.requests.append(request)
        return request

    def close(self) -> None:
        self._stop = True
        self.sock.close()


def reply(status: int = 200, body: bytes = b'{"ok": true}', headers: tuple[str, ...] = ()) -> bytes:
    extra = "".join(f"{h}\r\n" for h in headers)
    head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    return head.encode() + body


def keep_alive(conn: socket.socket, server: Server) -> None:
    while server.read_request(conn) is not None:
        conn.sendall(reply())


@contextmanager
def serving(handle: Raw, tls: ssl.SSLContext | None = None) -> Iterator[Server]:
    server = Server(handle, tls)
    try:
        yield server
    finally:
        server.close()


# ---------------------------------------------------------------- connections
def test_calls_reuse_one_kept_alive_connection():
    with serving(keep_alive) as server, httpclient.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
        for _ in range(5):
            assert client.get("/x").json() == {"ok": True}
    assert server.connections == 1 and len(server.requests) == 5


def test_concurrent_calls_take_their_own_connections_and_all_are_kept():
    gate = threading.Barrier(4)

    def slow(conn: socket.socket, server: Server) -> None:
        while server.read_request(conn) is not None:
            conn.sendall(reply())

    with serving(slow) as server, httpclient.Client(base_url=f"http://127.0.0.1:{server.port}") as client:

        def call() -> None:
            gate.wait()
            assert client.get("/x").status_code == 200

        threads = [threading.Thread(target=call) for _ in range(4)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        opened = server.connections
        for _ in range(4):  # later calls find the idle ones
            client.get("/y")
        assert server.connections == opened <= 4


def test_a_connection_the_server_closed_while_idle_is_replaced_before_sending():
    def one_per_connection(conn: socket.socket, server: Server) -> None:
        if server.read_request(conn) is not None:
            conn.sendall(reply())  # no Connection: close, yet the server hangs up
        conn.shutdown(socket.SHUT_RDWR)

    with serving(one_per_connection) as server, httpclient.Client(base_url=f"http://127.0.0.1:{server.port}") as c:
        for _ in range(3):
            assert c.post("/x", json={"a": 1}).status_code == 200  # a POST must never meet a dead socket
            threading.Event().wait(0.05)  # let the close arrive
    assert server.connections == 3 and len(server.requests) == 3


def test_connection_close_is_honoured():
    def closing(conn: socket.socket, server: Server) -> None:
        while server.read_request(conn) is not None:
            conn.sendall(reply(headers=("Connection: close",)))
            return

    with serving(closing) as server, httpclient.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
        client.get("/a")
        client.get("/b")
    assert server.connections == 2


def test_a_chunked_answer_is_read_whole():
    def chunked(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n[1, 2\r\n4\r\n, 3]\r\n0\r\n\r\n")

    with serving(chunked) as server, httpclient.Client() as client:
        assert client.get(f"http://127.0.0.1:{server.port}/x").json() == [1, 2, 3]


# ---------------------------------------------------------------- failures, by phase
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_nothing_listening_is_a_connect_error_which_counts_as_not_sent():
    with httpclient.Client(timeout=2) as client, pytest.raises(httpclient.ConnectError) as caught:
        client.post(f"http://127.0.0.1:{_free_port()}/v2/applications", json={})
    assert isinstance(caught.value, NOT_SENT) and isinstance(caught.value, TRANSIENT)


def test_no_answer_in_time_is_a_read_timeout_not_counted_as_unsent():
    def silent(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        threading.Event().wait(2)

    with serving(silent) as server, httpclient.Client(timeout=0.3) as client:
        with pytest.raises(httpclient.ReadTimeout) as caught:
            client.post(f"http://127.0.0.1:{server.port}/x", json={})
    assert isinstance(caught.value, TRANSIENT) and not isinstance(caught.value, NOT_SENT)
    assert len(server.requests) == 1  # it was sent: a POST here may have landed


def test_a_hang_up_without_an_answer_is_a_remote_protocol_error():
    def hang_up(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)

    with serving(hang_up) as server, httpclient.Client() as client:
        with pytest.raises(httpclient.RemoteProtocolError) as caught:
            client.post(f"http://127.0.0.1:{server.port}/x", json={})
    assert isinstance(caught.value, TRANSIENT) and not isinstance(caught.value, NOT_SENT)


def test_a_truncated_body_is_a_remote_protocol_error():
    def truncated(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"partial":')

    with serving(truncated) as server, httpclient.Client() as client:
        with pytest.raises(httpclient.RemoteProtocolError):
            client.get(f"http://127.0.0.1:{server.port}/x")


def test_not_http_is_refused_before_any_connection():
    with httpclient.Client() as client, pytest.raises(httpclient.UnsupportedProtocol):
        client.get("ftp://example.test/x")


# ---------------------------------------------------------------- encodings
def test_query_json_form_and_default_headers_encode_like_httpx():
    with serving(keep_alive) as server:
        client = httpclient.Client(base_url=f"http://127.0.0.1:{server.port}/base", headers={"User-Agent": "t/1"})
        client.get("/list", params={"page": 2, "all": True, "off": False, "empty": None, "q": "a b,c", "id": [1, 2]})
        client.post("/apps", json={"name": "café", "n": 1})
        client.post("/token", data={"grant_type": "client_credentials"}, headers={"Accept": "application/json"})
        client.close()
    (line1, h1, _), (line2, h2, body2), (line3, h3, body3) = server.requests
    assert line1 == "GET /base/list?page=2&all=true&off=false&empty=&q=a+b%2Cc&id=1&id=2 HTTP/1.1"
    assert h1["user-agent"] == "t/1" and h1["host"] == f"127.0.0.1:{server.port}"
    assert line2.startswith("POST /base/apps ") and h2["content-type"] == "application/json"
    assert body2 == '{"name":"café","n":1}'.encode()
    assert h3["content-type"] == "application/x-www-form-urlencoded" and body3 == b"grant_type=client_credentials"
    assert h3["accept"] == "application/json"


def test_response_headers_are_case_insensitive_and_text_follows_the_charset():
    def latin(conn: socket.socket, server: Server) -> None:
        server.read_request(conn)
        body = "déjà".encode("latin-1")
        conn.sendall(
            b"HTTP/1.1 429 Too Many\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nRetry-After: 3\r\n"
            b"Link: <a>\r\nLink: <b>\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )

    with serving(latin) as server, httpclient.Client() as client:
        r = client.get(f"http://127.0.0.1:{server.port}/x")
    assert r.status_code == 429 and r.reason_phrase == "Too Many" and not r.is_success
    assert r.headers.get("retry-after") == "3" and r.headers["RETRY-AFTER"] == "3" and "Retry-After" in r.headers
    assert r.headers["link"] == "<a>, <b>"
    assert r.text == "déjà" and r.request.url.path == "/x"
    with pytest.raises(httpclient.HTTPStatusError):
        r.raise_for_status()


def test_an_auth_flow_can_send_the_request_again_after_a_401():
    tokens = iter(["old", "new"])

    class Renewing(httpclient.Auth):
        def auth_flow(self, request):  # type: ignore[no-untyped-def]
            request.headers["Authorization"] = f"Bearer {next(tokens)}"
            response = yield request
            if response.status_code == 401:
                request.headers["Authorization"] = f"Bearer {next(tokens)}"
                yield request

    def picky(conn: socket.socket, server: Server) -> None:
        while (req := server.read_request(conn)) is not None:
            conn.sendall(reply(200) if req[1]["authorization"] == "Bearer new" else reply(401))

    with serving(picky) as server, httpclient.Client(auth=Renewing()) as client:
        assert client.post(f"http://127.0.0.1:{server.port}/x", json={}).status_code == 200
    assert [h["authorization"] for _, h, _ in server.requests] == ["Bearer old", "Bearer new"]
    assert [b for _, _, b in server.requests] == [b"{}", b"{}"]  # the body is sent again, whole


# ---------------------------------------------------------------- TLS
@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and target.test."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "provisioner test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("target.test"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    d = tmp_path_factory.mktemp("tls")
    (d / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (d / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return d / "cert.pem", d / "key.pem"


def _server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*certificate)
    return ctx


def _trusting(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(certificate[0]))
    return ctx


def test_https_verifies_the_certificate(certificate):
    with serving(keep_alive, tls=_server_tls(certificate)) as server:
        url = f"https://127.0.0.1:{server.port}/x"
        with httpclient.Client(verify=_trusting(certificate)) as client:
            assert client.get(url).json() == {"ok": True}
            assert client.get(url).status_code == 200
        assert server.connections == 1  # TLS connections are kept alive too
        with httpclient.Client() as client, pytest.raises(httpclient.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            client.get(url)  # the system CA bundle does not know a self-signed certificate
    assert len(server.requests) == 2


# ---------------------------------------------------------------- proxies from the environment
def _proxy(target_port: int, log: list[str]) -> Raw:
    """A forwarding proxy: CONNECT tunnels to the target, absolute-URI requests are relayed. Every
    host name maps to 127.0.0.1:target_port (so target.test needs no DNS)."""

    def handle(conn: socket.socket, server: Server) -> None:
        request = server.read_request(conn)
        assert request is not None
        line, headers, body = request
        log.append(f"{line} auth={headers.get('proxy-authorization', '-')}")
        upstream = socket.create_connection(("127.0.0.1", target_port))
        if line.startswith("CONNECT "):
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            method, url, version = line.split(" ")
            path = "/" + url.split("/", 3)[3]
            head = "".join(f"{k}: {v}\r\n" for k, v in headers.items() if k != "proxy-authorization")
            upstream.sendall(f"{method} {path} {version}\r\n{head}\r\n".encode() + body)

        def pump(a: socket.socket, b: socket.socket) -> None:
            try:
                while chunk := a.recv(65536):
                    b.sendall(chunk)
            except OSError:
                pass
            finally:
                b.close()

        threading.Thread(target=pump, args=(upstream, conn), daemon=True).start()
        pump(conn, upstream)

    return handle


def test_https_goes_through_a_connect_tunnel_with_proxy_credentials(certificate):
    log: list[str] = []
    with serving(keep_alive, tls=_server_tls(certificate)) as target, serving(_proxy(target.port, log)) as proxy:
        env = {"HTTPS_PROXY": f"http://user:p%40ss@127.0.0.1:{proxy.port}"}
        with httpclient.Client(verify=_trusting(certificate), env=env) as client:
            assert client.get(f"https://target.test:{target.port}/v1/x").json() == {"ok": True}
    assert log == [f"CONNECT target.test:{target.port} HTTP/1.0 auth=Basic dXNlcjpwQHNz"]  # user:p@ss
    assert target.requests[0][0] == "GET /v1/x HTTP/1.1"  # end to end inside the tunnel


def test_http_is_relayed_by_absolute_uri():
    log: list[str] = []
    with serving(keep_alive) as target, serving(_proxy(target.port, log)) as proxy:
        with httpclient.Client(env={"http_proxy": f"127.0.0.1:{proxy.port}"}) as client:
            assert client.get(f"http://target.test:{target.port}/a?b=1").status_code == 200
    assert log == [f"GET http://target.test:{target.port}/a?b=1 HTTP/1.1 auth=-"]


@pytest.mark.parametrize(
    ("host", "no_proxy", "bypass"),
    [
        ("api.nexmo.com", "", False),
        ("api.nexmo.com", "nexmo.com", True),
        ("api.nexmo.com", ".nexmo.com", True),
        ("api.nexmo.com", "other.com, api.nexmo.com:443", True),
        ("nexmo.com.evil.test", "nexmo.com", False),
        ("api.nexmo.com", "*", True),
        ("10.1.2.3", "10.0.0.0/8", True),
        ("11.1.2.3", "10.0.0.0/8", False),
        ("127.0.0.1", "", True),  # loopback is never proxied: the sandbox must stay reachable
        ("localhost", "", True),
        ("::1", "", True),
    ],
)
def test_no_proxy_rules(host, no_proxy, bypass):
    env = {"https_proxy": "http://proxy.test:3128", "no_proxy": no_proxy}
    proxy = httpclient._proxy_for(
        httpclient.URL(f"https://{host}/x" if ":" not in host else f"https://[{host}]/x"), env
    )
    assert (proxy is None) is bypass


def test_an_https_proxy_url_is_refused_with_a_clear_error():
    with httpclient.Client(env={"HTTPS_PROXY": "https://proxy.test:443"}) as client:
        with pytest.raises(httpclient.UnsupportedProtocol, match="only http:// proxy URLs"):
            client.get("https://api.nexmo.com/x")


def test_json_answers_decode_and_requests_never_show_their_query():
    request = httpclient.Request("GET", "https://rest.nexmo.com/account/numbers?api_secret=s3cret")
    assert "s3cret" not in repr(request) and request.url.path == "/account/numbers"
    response = httpclient.Response(200, json={"a": [1]}, request=request)
    assert response.json() == {"a": [1]} and json.loads(response.text) == {"a": [1]}
    assert response.headers["content-type"] == "application/json"


def test_basic_auth_uses_the_plain_secret_and_never_shows_it():
    from provisioner.model import Secret

    auth = httpclient.basic_auth("key", Secret("s3cret"))
    request = httpclient.Request("GET", "https://api.nexmo.com/v2/applications")
    next(auth.auth_flow(request))
    assert request.headers["Authorization"] == "Basic a2V5OnMzY3JldA=="  # key:s3cret, not the mask
    assert "s3cret" not in repr(auth) and "a2V5" not in repr(auth)
