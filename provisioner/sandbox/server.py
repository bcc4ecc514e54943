"""HTTP listeners: one ThreadingHTTPServer per provider API plus the admin one, all keep-alive HTTP/1.1.

Every provider request goes through the same pipeline: fault injection, rate limit, the service, then one row
in the request log (written before the response, so a client that got its answer always finds it logged).
"""

from __future__ import annotations

import json
import logging
import signal
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import services
from .config import API_NAMES, SandboxConfig
from .context import Context
from .router import Request, Response
from .service import Service

log = logging.getLogger("provisioner.sandbox")

# Credentials never reach the request log (rest.nexmo.com accepts them as query parameters).
REDACTED_QUERY = frozenset({"api_key", "api_secret"})

Dispatch = Callable[[Request], Response | None]  # None = drop the connection


class _Listener(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    block_on_close = False

    def __init__(self, address, handler, ipv6: bool = False) -> None:
        self.address_family = socket.AF_INET6 if ipv6 else socket.AF_INET
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        self.stopping = False
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn); slow resolvers would stall start().
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[0], self.server_address[1]

    def handle_error(self, request, client_address) -> None:
        if not self.stopping:  # requests racing with stop() fail on the closed store; not worth a traceback
            super().handle_error(request, client_address)

    def close_open_connections(self) -> None:
        """Idle keep-alive connections would otherwise outlive stop()."""
        with self.sockets_lock:
            for sock in list(self.open_sockets):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _handler_class(api: str, dispatch: Dispatch, server_header: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = server_header
        sys_version = ""
        disable_nagle_algorithm = True  # headers and body are separate writes; avoid delayed-ACK stalls

        def setup(self) -> None:
            super().setup()
            with self.server.sockets_lock:
                self.server.open_sockets.add(self.connection)

        def finish(self) -> None:
            with self.server.sockets_lock:
                self.server.open_sockets.discard(self.connection)
            super().finish()

        def log_message(self, format, *args) -> None:  # quiet: the request log is the record
            pass

        def __getattr__(self, name: str):
            if name.startswith("do_"):  # any verb reaches the service, which answers 405 itself
                return self._serve
            raise AttributeError(name)

        def _read_body(self) -> bytes:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length > 0 else b""

        def _serve(self) -> None:
            try:
                body = self._read_body()
            except ValueError:
                self.send_error(400, "bad body framing")
                return
            resp = dispatch(Request.build(api, self.command, self.path, self.headers, body))
            if resp is None:
                self.close_connection = True
                return
            self.send_response(resp.status)
            for key, value in resp.headers.items():
                self.send_header(key, value)
            if resp.status not in (204, 304):
                self.send_header("Content-Length", str(len(resp.body)))
            self.end_headers()
            if self.command != "HEAD" and resp.body and resp.status not in (204, 304):
                self.wfile.write(resp.body)

    return Handler


def _provider_dispatch(ctx: Context, service: Service) -> Dispatch:
    api = service.api

    def record(req: Request, status: int | None) -> None:
        query = {k: v[0] if len(v) == 1 else v for k, v in req.query.items() if k not in REDACTED_QUERY}
        ctx.store.log_request(api, req.method, req.path, query, status)

    def dispatch(req: Request) -> Response | None:
        fault = ctx.faults.decide(api, req.method, req.path)
        if fault is not None and not fault.after:
            early = _apply_fault(fault, service)
            if early is not False:
                record(req, early.status if early is not None else None)
                return early
        wait = ctx.rate_limits.acquire(api)
        if wait is not None:
            resp = service.throttled(wait)
            resp.headers["Retry-After"] = str(wait)
        else:
            try:
                resp = service.handle(req)
            except Exception:
                log.exception("sandbox %s failed on %s %s", api, req.method, req.path)
                resp = service.failure(500)
        if fault is not None and fault.after:
            # The request took effect now, so it is logged now (a held answer must not land in a later
            # test's log); what the client sees is then delayed, lost or replaced.
            record(req, None if fault.drop else (fault.status or resp.status))
            late = _apply_fault(fault, service)
            return resp if late is False else late
        record(req, resp.status if resp is not None else None)
        return resp

    return dispatch


def _apply_fault(fault, service: Service):  # type: ignore[no-untyped-def]
    """Delay, then: None = drop the connection, a Response = answer it, False = carry on normally."""
    if fault.delay_s:
        time.sleep(fault.delay_s)
    if fault.drop:
        return None
    if fault.status is not None:
        resp = service.failure(fault.status)
        if fault.retry_after is not None:
            resp.headers["Retry-After"] = str(fault.retry_after)
        return resp
    return False


def _admin_dispatch(service: Service) -> Dispatch:
    def dispatch(req: Request) -> Response:
        try:
            return service.handle(req)
        except Exception:
            log.exception("sandbox admin failed on %s %s", req.method, req.path)
            return Response.json(500, {"error": "internal error"})

    return dispatch


def _base_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else ("::1" if host == "::" else host)
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


class SandboxServer:
    """The emulators of every provider API plus the admin API, each on its own loopback port."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self._ctx: Context | None = None
        self._listeners: dict[str, _Listener] = {}
        self._threads: list[threading.Thread] = []
        self._endpoints: dict[str, str] = {}
        self._admin_url = ""
        self._warmer: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> SandboxServer:
        """Binds every listener and serves from daemon threads; returns immediately."""
        if self._ctx is not None:
            return self
        ctx = Context.open(self.config)
        try:
            provider_services, admin_service = services.build(ctx)
            host, ipv6 = self.config.host, ":" in self.config.host
            for name in API_NAMES:
                service = provider_services[name]
                handler = _handler_class(name, _provider_dispatch(ctx, service), service.server_header)
                self._listeners[name] = _Listener((host, self.config.ports.get(name, 0)), handler, ipv6)
            admin_handler = _handler_class("admin", _admin_dispatch(admin_service), "provisioner-sandbox")
            self._listeners["admin"] = _Listener((host, self.config.admin_port), admin_handler, ipv6)
        except BaseException:
            self._close_listeners()
            ctx.store.close()
            raise
        self._endpoints = {
            name: _base_url(host, self._listeners[name].server_address[1]) for name in API_NAMES
        }
        self._admin_url = _base_url(host, self._listeners["admin"].server_address[1])
        ctx.endpoints.update(self._endpoints)
        self._ctx = ctx
        for name, listener in self._listeners.items():
            thread = threading.Thread(
                target=listener.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"sandbox-{name}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        self._warmer = threading.Thread(target=ctx.keys.warm, name="sandbox-keys", daemon=True)
        self._warmer.start()
        return self

    def stop(self) -> None:
        if self._ctx is None:
            return
        for listener in self._listeners.values():
            listener.stopping = True
        stoppers = [threading.Thread(target=listener.shutdown) for listener in self._listeners.values()]
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join()
        self._close_listeners()
        for t in self._threads:
            t.join(timeout=5)
        if self._warmer is not None:
            self._warmer.join()  # it writes the key pool to the store
        with self._ctx.store.lock:  # let an in-flight request finish its write
            self._ctx.store.close()
        self._ctx = None
        self._threads.clear()

    def _close_listeners(self) -> None:
        for listener in self._listeners.values():
            listener.close_open_connections()
            listener.server_close()
        self._listeners.clear()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------------------
    @property
    def endpoints(self) -> dict[str, str]:
        """{api_name: base_url} for every provider API (no trailing slash, no path prefix)."""
        self._require_started()
        return dict(self._endpoints)

    @property
    def admin_url(self) -> str:
        self._require_started()
        return self._admin_url

    def _require_started(self) -> None:
        if self._ctx is None:
            raise RuntimeError("SandboxServer is not started")


def serve(config: SandboxConfig | None = None) -> None:
    """Blocking: starts, prints one JSON line {api_name: base_url, ..., "admin": admin_url}, runs until
    SIGINT/SIGTERM."""
    srv = SandboxServer(config).start()
    stop = threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    try:
        print(json.dumps({**srv.endpoints, "admin": srv.admin_url}), flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
