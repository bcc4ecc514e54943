"""Tiny HTTP routing layer shared by every emulated API: Request, Response, Router."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, parse_qsl

JSON = "application/json"


@dataclass
class Request:
    api: str
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]  # case-insensitive (email.message.Message from http.server)
    body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)  # path parameters, filled by the router
    account: str | None = None  # provider account id once authenticated
    _form: dict[str, str] | None = field(default=None, repr=False)

    @classmethod
    def build(cls, api: str, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Request:
        path, _, raw_query = target.partition("?")
        return cls(api, method, path, parse_qs(raw_query, keep_blank_values=True), headers, body)

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self):
        """Parsed JSON body; raises ValueError when the body is not JSON."""
        return json.loads(self.body.decode("utf-8")) if self.body else None

    def form(self) -> dict[str, str]:
        """Body fields parsed as form data whatever the Content-Type (see vonage.md §8.1); parsed once."""
        if self._form is None:
            self._form = self._parse_form()
        return self._form

    def _parse_form(self) -> dict[str, str]:
        text = self.body.decode("utf-8", errors="replace")
        if text.lstrip().startswith("{"):
            # Lenient extension: a JSON object body is read as fields too.
            try:
                data = json.loads(text)
                if isinstance(data, dict):
                    return {k: "" if v is None else str(v) for k, v in data.items()}
            except ValueError:
                pass
        return dict(parse_qsl(text, keep_blank_values=True))


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(
        cls, status: int, obj, content_type: str = JSON, headers: dict[str, str] | None = None
    ) -> Response:
        data = json.dumps(obj, separators=(",", ":")).encode()
        return cls(status, data, {"Content-Type": content_type, **(headers or {})})

    @classmethod
    def empty(cls, status: int = 204, headers: dict[str, str] | None = None) -> Response:
        return cls(status, b"", dict(headers or {}))


Handler = Callable[[Request], Response]


class MethodNotAllowed(Exception):
    def __init__(self, allowed: list[str]):
        super().__init__(", ".join(allowed))
        self.allowed = allowed


class Router:
    """Method + path pattern -> handler. Patterns use `{name}` for one path segment."""

    def __init__(self) -> None:
        self._routes: list[tuple[re.Pattern[str], dict[str, Handler]]] = []
        self._by_pattern: dict[str, dict[str, Handler]] = {}

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        methods = self._by_pattern.get(pattern)
        if methods is None:
            methods = self._by_pattern[pattern] = {}
            regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")
            self._routes.append((regex, methods))
        methods[method.upper()] = handler

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def decorate(fn: Handler) -> Handler:
            self.add(method, pattern, fn)
            return fn

        return decorate

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        """(handler, path params); None if no pattern matches; MethodNotAllowed if only the verb is wrong."""
        for regex, methods in self._routes:
            m = regex.match(path)
            if m:
                handler = methods.get(method.upper())
                if handler is None:
                    raise MethodNotAllowed(sorted(methods))
                return handler, m.groupdict()
        return None
