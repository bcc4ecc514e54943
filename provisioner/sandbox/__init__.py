"""Deterministic local emulator of the providers' HTTP APIs (DESIGN.md §4).

    from provisioner.sandbox import SandboxServer, SandboxConfig, serve

    with SandboxServer(SandboxConfig()) as srv:
        srv.endpoints["vonage.api"]  # http://127.0.0.1:PORT
        srv.admin_url

Independent of provisioner.providers / provisioner.http on purpose: it models the providers, not our client.
"""

from .config import API_NAMES, InfobipChoices, SandboxConfig, SinchChoices, VonageChoices
from .server import SandboxServer, serve

__all__ = ["API_NAMES", "InfobipChoices", "SandboxConfig", "SandboxServer", "SinchChoices", "VonageChoices", "serve"]
