"""Test harness: a sandbox handle and a scratch project run through the real CLI. Kept out of conftest.py so
test modules can import it by a name no other directory shares (tests/sandbox has its own conftest)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from provisioner.sandbox import SandboxServer


@dataclass
class Sandbox:
    server: SandboxServer

    @property
    def admin(self) -> str:
        return self.server.admin_url

    @property
    def endpoints(self) -> dict[str, str]:
        return dict(self.server.endpoints)

    def requests(self, api: str | None = None) -> list[dict[str, Any]]:
        params = {"api": api} if api else None
        return httpx.get(f"{self.admin}/_sandbox/requests", params=params, timeout=10).json()

    def writes(self) -> list[dict[str, Any]]:
        return [r for r in self.requests() if r["method"] != "GET"]

    def reads(self) -> list[dict[str, Any]]:
        return [r for r in self.requests() if r["method"] == "GET"]

    def clear_log(self) -> None:
        httpx.delete(f"{self.admin}/_sandbox/requests", timeout=10).raise_for_status()

    def admin_call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        r = httpx.request(method, f"{self.admin}{path}", timeout=10, **kw)
        r.raise_for_status()
        return r

    def vonage(self, api_key: str = "sandbox-key") -> httpx.Client:
        """A raw client on the sandbox's Vonage application API (for assertions only)."""
        return httpx.Client(base_url=self.endpoints["vonage.api"], auth=(api_key, "sandbox-secret"), timeout=10)

    def owned_numbers(self, api_key: str = "sandbox-key") -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        with httpx.Client(base_url=self.endpoints["vonage.rest"], auth=(api_key, "sandbox-secret"), timeout=10) as c:
            index = 1
            while True:
                body = c.get("/account/numbers", params={"size": 100, "index": index}).json()
                out.extend(body.get("numbers", []))
                if not body.get("numbers") or len(out) >= body.get("count", 0):
                    return out
                index += 1


def vonage_apps(n: int, name: str = "App") -> str:
    """A manifest of ``n`` Vonage applications (``app-000``…, named ``{name} {i}``) with voice webhooks."""
    lines = ["version: 1", "resources:"]
    for i in range(n):
        lines += [
            f"  app-{i:03d}:",
            "    type: vonage.application",
            "    properties:",
            f"      name: {name} {i}",
            "      capabilities:",
            "        voice:",
            "          webhooks:",
            f"            answer_url: {{address: https://h{i}.example.com/answer, http_method: GET}}",
            f"            event_url: {{address: https://h{i}.example.com/event, http_method: POST}}",
        ]
    return "\n".join(lines) + "\n"


@dataclass
class Project:
    """A scratch directory with manifests, run through the real CLI against the sandbox."""

    dir: Path
    sandbox: Sandbox

    def write(self, name: str, text: str) -> Path:
        path = self.dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
        return path

    def cli(
        self, *args: str, env: dict[str, str] | None = None, use_sandbox: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args, use_sandbox=use_sandbox),
            cwd=self.dir,
            env=self.env(env),
            text=True,
            capture_output=True,
            timeout=120,
        )

    def popen(self, *args: str, env: dict[str, str] | None = None, **kw: Any) -> subprocess.Popen[str]:
        """The same CLI as a child process the test can signal or run alongside others."""
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        return subprocess.Popen(self.command(*args), cwd=self.dir, env=self.env(env), text=True, **kw)

    def command(self, *args: str, use_sandbox: bool = True) -> list[str]:
        prefix = ["--sandbox-url", self.sandbox.admin, "--state", str(self.dir / "state")] if use_sandbox else []
        return [sys.executable, "-m", "provisioner", *prefix, *args]

    @staticmethod
    def env(extra: dict[str, str] | None = None) -> dict[str, str]:
        """The environment without any real account's variables, plus ``extra``."""
        real = ("VONAGE_", "SINCH_", "INFOBIP_", "PROVISION_")
        full = {k: v for k, v in os.environ.items() if not k.startswith(real)}
        full.update(extra or {})
        full["NO_COLOR"] = "1"
        return full
