"""SandboxConfig: everything a sandbox instance can be told at start-up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# One listener per API name, in this order (endpoints map, serve()'s first line).
API_NAMES = (
    "vonage.api",  # api.nexmo.com
    "vonage.rest",  # rest.nexmo.com
    "sinch.auth",
    "sinch.numbers",
    "sinch.provisioning",
    "sinch.conversation",
    "infobip",
)


@dataclass
class VonageChoices:
    """Behaviour the Vonage contract leaves open; defaults are the documented sandbox choices."""

    # SDK fixtures of real responses show 7; the spec says 2.
    leg_persistence_time_default: int = 7
    # Spec default when `privacy` is absent (SDK fixtures show false for apps created with it set).
    improve_ai_default: bool = True
    # v2 does not state it; v1 defaulted to 10.
    app_page_size_default: int = 10
    # total_pages reported for an account with no applications (real value unknown; 0 = ceil(0/size)).
    empty_app_list_total_pages: int = 0
    # "ignore": unknown fields in an application body are dropped silently; "reject": 400 naming them.
    unknown_app_fields: str = "ignore"
    # keys.public_key must parse as a PEM public key (400 otherwise).
    validate_public_key: bool = True
    # DELETE /v2/applications/{id}: False leaves linked numbers with a dangling app_id (real rule unknown).
    delete_app_unlinks_numbers: bool = False
    # /number/update app_id=X: X must be an application of the same account, else 420.
    update_requires_existing_app: bool = True
    # Per-page cap on /account/numbers and /number/search; a bigger `size` is clamped to it (not rejected).
    numbers_max_size: int = 100
    # moHttpUrl probe timeout (seconds) when SandboxConfig.probe_mo_http_url is on.
    probe_timeout: float = 5.0


@dataclass
class SandboxConfig:
    data_dir: Path | str | None = None  # None = in-memory SQLite; else <dir>/sandbox.db survives restarts
    host: str = "127.0.0.1"
    admin_port: int = 0  # 0 = ephemeral
    inventory_size: int = 1000  # available numbers seeded per country
    # Pinned credentials, e.g. {"vonage": {"api_key": "k", "api_secret": "s"}} or a list of such dicts under
    # "vonage"; None = any non-empty credentials are accepted.
    credentials: Mapping | None = None
    link_sets_voice_callback: bool = True  # /number/update app_id=X also sets voiceCallbackType=app/Value=X
    probe_mo_http_url: bool = False  # GET moHttpUrl and require 200 before accepting an update
    key_pool_size: int = 4  # server-side RSA key pairs, generated once, handed out round-robin
    faults: Sequence[Mapping] = ()  # initial fault rules, same shape as POST /_sandbox/faults
    rate_limits: Sequence[Mapping] = ()  # initial rate limits, same shape as POST /_sandbox/ratelimits
    ports: Mapping[str, int] = field(default_factory=dict)  # fixed port per API name; missing = ephemeral
    vonage: VonageChoices = field(default_factory=VonageChoices)
