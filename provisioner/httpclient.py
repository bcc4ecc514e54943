"""A small HTTP/1.1 client on the standard library's ``http.client``: the subset of httpx's API
the provider clients use (Client, Request, Response, Auth flows, the exception tree), with a
keep-alive pool per origin.

Why not httpx: a run is CPU-bound in the engine process, and httpx + httpcore + h11 spent about
half of it — ~0.6 ms more per call than ``http.client`` (bench/RESULTS.md has before/after), and
40 ms of import on every command. What it did that still matters is kept here:

* Keep-alive connections, reused LIFO; an idle connection the server closed is noticed before
  reuse (it reads as ready) and replaced, so a request is not sent on a dead socket.
* Errors say which phase failed, because retry safety depends on it: ``ConnectError`` /
  ``ConnectTimeout`` (nothing was sent), ``WriteError`` / ``WriteTimeout`` (maybe partly sent),
  ``ReadTimeout`` / ``ReadError`` / ``RemoteProtocolError`` (sent; the answer was lost).
* TLS verifies against the system CA bundle through one shared context, built on the first https
  connection (plain-http runs against the sandbox never pay for loading it).
* Proxies from the environment (``https_proxy``, ``http_proxy``, ``all_proxy``, ``no_proxy``, in
  either case), as httpx and curl read them; https goes through a CONNECT tunnel. Choice: loopback
  hosts are never proxied (a local sandbox behind a corporate proxy setting must still work).
* Query strings encode like httpx (``True`` → ``true``, ``None`` → empty); JSON bodies are compact
  UTF-8; form bodies are urlencoded.

Not supported, because no provider call needs it: HTTP/2, redirects (none are followed, as
before), streaming, compression (``Accept-Encoding: identity``), cookies, https:// proxy URLs.
"""

from __future__ import annotations

import base64
import functools
import http.client
import ipaddress
import json as jsonlib
import os
import select
import ssl
import threading
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import Any
from urllib.parse import SplitResult, unquote, urlencode, urlsplit


# ---------------------------------------------------------------- errors (httpx's tree, same names)
class HTTPError(Exception):
    """Anything that went wrong with a request."""


class TransportError(HTTPError):
    """No complete HTTP answer: the connection, the proxy or the URL failed."""


class TimeoutException(TransportError):
    pass


class ConnectTimeout(TimeoutException):
    """The connection did not open in time: nothing was sent."""


class ReadTimeout(TimeoutException):
    """The request was sent; the answer did not come in time."""


class WriteTimeout(TimeoutException):
    """Sending the request timed out part-way."""


class PoolTimeout(TimeoutException):
    """Kept for httpx compatibility; this pool never makes a caller wait."""


class NetworkError(TransportError):
    pass


class ConnectError(NetworkError):
    """The connection (or the TLS handshake, or the proxy tunnel) failed: nothing was sent."""


class ReadError(NetworkError):
    pass


class WriteError(NetworkError):
    pass


class ProtocolError(TransportError):
    pass


class RemoteProtocolError(ProtocolError):
    """The server closed the connection or answered something that is not HTTP."""


class UnsupportedProtocol(TransportError):
    """A URL this client cannot reach (not http or https, or an https:// proxy)."""


class HTTPStatusError(HTTPError):
    def __init__(self, message: str, response: Response) -> None:
        super().__init__(message)
        self.response = response


# ---------------------------------------------------------------- messages
class URL:
    """A parsed absolute URL; ``path`` is decoded, like httpx's."""

    __slots__ = ("_raw", "_parts")

    def __init__(self, raw: str) -> None:
        self._raw = raw
        self._parts: SplitResult = urlsplit(raw)

    scheme = property(lambda self: self._parts.scheme)
    host = property(lambda self: self._parts.hostname or "")
    query = property(lambda self: self._parts.query)

    @property
    def port(self) -> int:
        return self._parts.port or (443 if self.scheme == "https" else 80)

    @property
    def path(self) -> str:
        return unquote(self._parts.path) or "/"

    @property
    def target(self) -> str:
        """What goes on the request line: the raw path and query."""
        path = self._parts.path or "/"
        return f"{path}?{self._parts.query}" if self._parts.query else path

    def __str__(self) -> str:
        return self._raw

    def __repr__(self) -> str:
        return f"URL({self._raw!r})"


class Headers(Mapping[str, str]):
    """Case-insensitive response headers; a repeated header reads as its values joined by ", "."""

    __slots__ = ("_items", "_index")

    def __init__(self, items: Iterator[tuple[str, str]] | list[tuple[str, str]] | Mapping[str, str] = ()) -> None:
        pairs = list(items.items()) if isinstance(items, Mapping) else list(items)
        self._items = pairs
        index: dict[str, str] = {}
        for name, value in pairs:
            key = name.lower()
            index[key] = f"{index[key]}, {value}" if key in index else value
        self._index = index

    def __getitem__(self, name: str) -> str:
        return self._index[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def raw_items(self) -> list[tuple[str, str]]:
        return list(self._items)


class Request:
    """One request as it will be sent. Auth flows set ``headers`` (a plain dict) before sending."""

    __slots__ = ("method", "url", "headers", "content")

    def __init__(
        self, method: str, url: str | URL, headers: Mapping[str, str] | None = None, content: bytes = b""
    ) -> None:
        self.method = method.upper()
        self.url = url if isinstance(url, URL) else URL(url)
        self.headers: dict[str, str] = dict(headers or {})
        self.content = content

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.url.path}>"  # never the query: some APIs take secrets there


class Response:
    __slots__ = ("status_code", "headers", "content", "request", "reason_phrase", "_text")

    def __init__(
        self,
        status_code: int,
        *,
        headers: Headers | Mapping[str, str] | list[tuple[str, str]] | None = None,
        content: bytes = b"",
        json: Any = None,
        request: Request | None = None,
        reason_phrase: str = "",
    ) -> None:
        self.status_code = status_code
        if json is not None:
            content = _json_bytes(json)
        self.headers = headers if isinstance(headers, Headers) else Headers(headers or [])
        if json is not None and "content-type" not in self.headers:
            self.headers = Headers([*self.headers.raw_items(), ("Content-Type", "application/json")])
        self.content = content
        self.request = request if request is not None else Request("GET", "http://localhost/")
        self.reason_phrase = reason_phrase or http.client.responses.get(status_code, "")
        self._text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.content.decode(_charset(self.headers.get("content-type", "")), errors="replace")
        return self._text

    def json(self) -> Any:
        return jsonlib.loads(self.content)

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def raise_for_status(self) -> Response:
        if not self.is_success:
            raise HTTPStatusError(f"{self.status_code} {self.reason_phrase} for {self.request.url.path}", self)
        return self

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"


class Auth:
    """httpx's auth-flow protocol: a generator that sets headers, yields the request, may look at
    the response it is sent back and yield the request again (once, to retry with a new token)."""

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        yield request


class HeaderAuth(Auth):
    """A fixed ``Authorization`` header (``Basic …``, ``App <key>``, ``Bearer <token>``), computed
    once: the secret never becomes part of a message or a repr."""

    def __init__(self, header: str) -> None:
        self._header = header

    def auth_flow(self, request: Request) -> Generator[Request, Response, None]:
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "HeaderAuth('***')"


def basic_header(user: str, password: str) -> str:
    """``Basic base64(user:password)``, from the plain ``str`` of each (a Secret's mask must not
    end up in the header)."""
    raw = f"{str.__str__(user)}:{str.__str__(password)}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def basic_auth(user: str, password: str) -> HeaderAuth:
    return HeaderAuth(basic_header(user, password))


# A transport for tests: called with each request, returns the response (like httpx.MockTransport).
Handler = Callable[[Request], Response]


class MockTransport:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler


# ---------------------------------------------------------------- the client
class Client:
    """Thread-safe: many threads may call ``request`` at once; each takes its own connection."""

    def __init__(
        self,
        *,
        base_url: str = "",
        auth: Auth | None = None,
        timeout: float = 30.0,
        verify: ssl.SSLContext | bool = True,
        headers: Mapping[str, str] | None = None,
        max_idle: int = 32,
        transport: MockTransport | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.timeout = timeout
        self._verify = verify
        self.headers = dict(headers or {})
        self._max_idle = max_idle
        self._transport = transport
        self._env = os.environ if env is None else env
        self._idle: dict[tuple[str, str, int], list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pools, self._idle = self._idle, {}
        for conns in pools.values():
            for conn in conns:
                conn.close()

    # ------------------------------------------------------------ the httpx-shaped surface
    def get(self, url: str, **kw: Any) -> Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> Response:
        return self.request("POST", url, **kw)

    def put(self, url: str, **kw: Any) -> Response:
        return self.request("PUT", url, **kw)

    def patch(self, url: str, **kw: Any) -> Response:
        return self.request("PATCH", url, **kw)

    def delete(self, url: str, **kw: Any) -> Response:
        return self.request("DELETE", url, **kw)

    def request(self, method: str, url: str, **kw: Any) -> Response:
        """Build (``build_request``'s keywords) and send one request."""
        return self.send(self.build_request(method, url, **kw))

    def build_request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Request:
        full = url if url.startswith(("http://", "https://")) else self.base_url + url
        if params:
            query = urlencode(_pairs(params))
            full += ("&" if "?" in full else "?") + query
        merged = dict(self.headers)
        body = b""
        if json is not None:
            body = _json_bytes(json)
            merged["Content-Type"] = "application/json"
        elif data is not None:
            body = urlencode(_pairs(data)).encode()
            merged["Content-Type"] = "application/x-www-form-urlencoded"
        elif content is not None:
            body = content
        if headers:
            merged.update(headers)
        return Request(method, full, merged, body)

    def send(self, request: Request) -> Response:
        """Send through the auth flow (which may send it a second time, e.g. with a new token)."""
        if self.auth is None:
            return self._send_once(request)
        flow = self.auth.auth_flow(request)
        outgoing = next(flow)
        while True:
            response = self._send_once(outgoing)
            try:
                outgoing = flow.send(response)
            except StopIteration:
                return response

    # ------------------------------------------------------------ the wire
    def _send_once(self, request: Request) -> Response:
        if self._transport is not None:
            response = self._transport.handler(request)
            response.request = request
            return response
        url = request.url
        if url.scheme not in ("http", "https"):
            raise UnsupportedProtocol(f"cannot send to {url.scheme or 'a relative'} URL {url.path}: use http or https")
        proxy = _proxy_for(url, self._env)
        key = (url.scheme, url.host, url.port)
        conn = self._checkout(key) or self._open(url, proxy)
        target = str(url) if proxy is not None and url.scheme == "http" else url.target
        headers = request.headers
        if proxy is not None and url.scheme == "http" and proxy.auth:
            headers = {**headers, "Proxy-Authorization": proxy.auth}
        try:
            conn.request(request.method, target, body=request.content or None, headers=headers)
        except TimeoutError as exc:
            conn.close()
            raise WriteTimeout(f"timed out sending {request.method} {url.path}") from exc
        except OSError as exc:
            conn.close()
            raise WriteError(f"cannot send {request.method} {url.path}: {exc}") from exc
        try:
            raw = conn.getresponse()
            body = raw.read()
        except TimeoutError as exc:
            conn.close()
            raise ReadTimeout(f"no answer to {request.method} {url.path} in {self.timeout:g} s") from exc
        except (http.client.HTTPException, ConnectionResetError) as exc:  # RemoteDisconnected is both
            conn.close()
            raise RemoteProtocolError(
                f"the server closed the connection without a full answer ({type(exc).__name__})"
            ) from exc
        except OSError as exc:
            conn.close()
            raise ReadError(f"cannot read the answer to {request.method} {url.path}: {exc}") from exc
        response = Response(
            raw.status, headers=Headers(raw.getheaders()), content=body, request=request, reason_phrase=raw.reason
        )
        if raw.will_close:
            conn.close()
        else:
            self._checkin(key, conn)
        return response

    def _open(self, url: URL, proxy: _Proxy | None) -> http.client.HTTPConnection:
        host, port = (proxy.host, proxy.port) if proxy is not None else (url.host, url.port)
        conn: http.client.HTTPConnection
        if url.scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=self.timeout, context=self._tls())
            if proxy is not None:
                conn.set_tunnel(url.host, url.port, headers={"Proxy-Authorization": proxy.auth} if proxy.auth else None)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        try:
            conn.connect()
        except TimeoutError as exc:
            conn.close()
            raise ConnectTimeout(
                f"cannot connect to {url.host}:{url.port}: timed out after {self.timeout:g} s"
            ) from exc
        except (OSError, http.client.HTTPException) as exc:  # refused, DNS, TLS (SSLError is an OSError), tunnel
            conn.close()
            raise ConnectError(f"cannot connect to {url.host}:{url.port}: {exc}") from exc
        return conn

    def _tls(self) -> ssl.SSLContext:
        if isinstance(self._verify, ssl.SSLContext):
            return self._verify
        if self._verify:
            return tls_context()
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context

    def _checkout(self, key: tuple[str, str, int]) -> http.client.HTTPConnection | None:
        """The most recently used idle connection that is still open, or None."""
        while True:
            with self._lock:
                conns = self._idle.get(key)
                if not conns:
                    return None
                conn = conns.pop()
            if _still_open(conn):
                return conn
            conn.close()

    def _checkin(self, key: tuple[str, str, int], conn: http.client.HTTPConnection) -> None:
        with self._lock:
            conns = self._idle.setdefault(key, [])
            if not self._closed and len(conns) < self._max_idle:
                conns.append(conn)
                return
        conn.close()


def request(method: str, url: str, *, timeout: float = 30.0, **kw: Any) -> Response:
    """One call on a connection of its own (scripts, the sandbox's admin API)."""
    with Client(timeout=timeout) as client:
        return client.request(method, url, **kw)


def get(url: str, **kw: Any) -> Response:
    return request("GET", url, **kw)


def post(url: str, **kw: Any) -> Response:
    return request("POST", url, **kw)


def patch(url: str, **kw: Any) -> Response:
    return request("PATCH", url, **kw)


def delete(url: str, **kw: Any) -> Response:
    return request("DELETE", url, **kw)


def _still_open(conn: http.client.HTTPConnection) -> bool:
    """An idle keep-alive socket has nothing to read; if it reads as ready, the server closed it
    (or sent junk): either way it must not carry another request. ``poll``, not ``select``: it has
    no limit on descriptor numbers."""
    sock = conn.sock
    if sock is None:
        return False
    try:
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return not poller.poll(0)
    except (OSError, ValueError):
        return False


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every host: loading the CA bundle costs ~25 ms, paid once per
    run and only by a run that opens an https connection (a context is safe to share)."""
    return ssl.create_default_context()


# ---------------------------------------------------------------- proxies from the environment
class _Proxy:
    __slots__ = ("host", "port", "auth")

    def __init__(self, host: str, port: int, auth: str | None) -> None:
        self.host, self.port, self.auth = host, port, auth


def _proxy_for(url: URL, env: Mapping[str, str]) -> _Proxy | None:
    def var(name: str) -> str:
        return env.get(name.lower()) or env.get(name.upper()) or ""

    raw = var(f"{url.scheme}_proxy") or var("all_proxy")
    if not raw or _bypass(url.host, var("no_proxy")):
        return None
    if "://" not in raw:
        raw = "http://" + raw
    parts = urlsplit(raw)
    if parts.scheme != "http":
        raise UnsupportedProtocol(
            f"cannot use the proxy {parts.scheme}://{parts.hostname}: only http:// proxy URLs are supported "
            "(https is still tunnelled end to end through them)"
        )
    auth = None
    if parts.username:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        auth = "Basic " + base64.b64encode(pair).decode()
    return _Proxy(parts.hostname or "", parts.port or 80, auth)


def _bypass(host: str, no_proxy: str) -> bool:
    host = host.lower().strip("[]")
    if host == "localhost" or host.endswith(".localhost") or _loopback(host):
        return True
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        if "/" in entry:
            try:
                if ipaddress.ip_address(host) in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                pass
            continue
        entry = entry.split(":", 1)[0] if entry.count(":") == 1 else entry  # "host:port" → host
        domain = entry.lstrip(".")
        if host == domain or host.endswith("." + domain):
            return True
    return False


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# ---------------------------------------------------------------- encoding
def _json_bytes(value: Any) -> bytes:
    return jsonlib.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def _pairs(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Query or form pairs; a list or tuple value repeats its key."""
    out: list[tuple[str, str]] = []
    for key, value in values.items():
        for item in value if isinstance(value, list | tuple) else (value,):
            out.append((key, _query_value(item)))
    return out


def _query_value(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return str(value)


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            charset = value.strip('"')
            try:
                "".encode(charset)
                return charset
            except LookupError:
                break
    return "utf-8"
