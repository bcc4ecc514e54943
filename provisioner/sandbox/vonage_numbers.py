"""Vonage Numbers API routes (rest.nexmo.com, vonage.md §3).

Choices where the contract is silent (documented, see also VonageChoices):
- Missing required fields: 400 {"<field>": "Is required."}; unusable values (size, index, search_pattern,
  has_application, type, features): 400 {"<field>": "Is invalid."}. A size above the cap is clamped.
- /number/update: app_id="" unlinks (and drops app-type callbacks pointing at that app); empty moHttpUrl,
  voiceStatusCallback or a voiceCallbackType/Value pair of empty strings clears them; voiceCallbackType w/o
  voiceCallbackValue (or the reverse) or an unknown type is 420; explicit voiceCallback* win over the ones
  app_id sets; moSmppSysType is accepted but not listed (the owned-number schema has no such field).
- target_api_key acts on that account; subaccount ownership is not modelled (any key is accepted).
"""

from __future__ import annotations

import urllib.error
import urllib.request

from .context import Context
from .inventory import FEATURE_ORDER
from .router import Request, Response, Router
from .vonage_data import NumberFilter, VonageData, feature_bits, without_link
from .vonage_legacy import CONTENT_TYPE, legacy, request_fields

TYPES = ("landline", "mobile-lvn", "landline-toll-free")
CALLBACK_TYPES = {"voice": ("sip", "tel", "app"), "messages": ("app",)}


class BadRequest(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def _required(fields: dict[str, str], *names: str) -> None:
    missing = {n: "Is required." for n in names if not fields.get(n)}
    if missing:
        raise BadRequest(missing)


def _int(fields: dict[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = fields.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest({name: "Is invalid."}) from None
    if value < minimum:
        raise BadRequest({name: "Is invalid."})
    return value


def _page(fields: dict[str, str], max_size: int) -> tuple[int, int]:
    """(offset, limit) from 1-based page `index` and page `size` (default 10, clamped to max_size)."""
    size = min(_int(fields, "size", 10), max_size)
    index = _int(fields, "index", 1)
    return (index - 1) * size, size


def _pattern_filter(fields: dict[str, str]) -> NumberFilter:
    flt = NumberFilter(pattern=fields.get("pattern") or None)
    raw = fields.get("search_pattern")
    if raw not in (None, ""):
        if raw not in ("0", "1", "2"):
            raise BadRequest({"search_pattern": "Is invalid."})
        flt.search_pattern = int(raw)
    return flt


def _listing(total: int, numbers: list[dict]) -> Response:
    # Empty result or a page past the end: `{}` with no count (vonage.md §3.1).
    body = {"count": total, "numbers": numbers} if numbers else {}
    return Response.json(200, body, content_type=CONTENT_TYPE)


def probe(url: str, timeout: float) -> bool:
    """Vonage GETs moHttpUrl and needs 200 OK before it accepts the update."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="GET"), timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def register(router: Router, ctx: Context, data: VonageData) -> None:
    cfg = ctx.config
    choices = cfg.vonage

    def handler(fn):
        def wrapped(req: Request) -> Response:
            try:
                return fn(req, request_fields(req))
            except BadRequest as exc:
                return Response.json(400, exc.errors, content_type=CONTENT_TYPE)

        return wrapped

    @handler
    def owned_numbers(req: Request, f: dict[str, str]) -> Response:
        flt = _pattern_filter(f)
        flt.country = (f.get("country") or "").upper() or None
        flt.application_id = f.get("application_id") or None
        has_app = (f.get("has_application") or "").lower()
        if has_app:
            if has_app not in ("true", "false"):
                raise BadRequest({"has_application": "Is invalid."})
            flt.has_application = has_app == "true"
        offset, limit = _page(f, choices.numbers_max_size)
        return _listing(*data.list_owned(req.account, flt, offset, limit))

    @handler
    def search(req: Request, f: dict[str, str]) -> Response:
        _required(f, "country")
        flt = _pattern_filter(f)
        flt.country = f["country"].upper()
        if f.get("type"):
            if f["type"] not in TYPES:
                raise BadRequest({"type": "Is invalid."})
            flt.type = f["type"]
        if f.get("features"):
            wanted = [x.strip().upper() for x in f["features"].split(",") if x.strip()]
            if not wanted or any(x not in FEATURE_ORDER for x in wanted):
                raise BadRequest({"features": "Is invalid."})
            flt.feature_bits = feature_bits(wanted)  # unordered set: SMS,VOICE == VOICE,SMS
        offset, limit = _page(f, choices.numbers_max_size)
        return _listing(*data.search_available(flt, offset, limit))

    @handler
    def buy(req: Request, f: dict[str, str]) -> Response:
        _required(f, "country", "msisdn")
        account = f.get("target_api_key") or req.account
        return legacy(200) if data.buy(account, f["country"].upper(), f["msisdn"]) else legacy(420)

    @handler
    def cancel(req: Request, f: dict[str, str]) -> Response:
        _required(f, "country", "msisdn")
        account = f.get("target_api_key") or req.account
        return legacy(200) if data.cancel(account, f["country"].upper(), f["msisdn"]) else legacy(420)

    @handler
    def update(req: Request, f: dict[str, str]) -> Response:
        _required(f, "country", "msisdn")
        url = f.get("moHttpUrl")
        if url and cfg.probe_mo_http_url and not probe(url, choices.probe_timeout):  # before taking the lock
            return legacy(420)
        with data.store.transaction():  # read-modify-write of one number
            wire = data.get_owned(req.account, f["msisdn"])
            if wire is None or wire.get("country") != f["country"].upper():
                return legacy(420)
            wire = _apply_update(req.account, wire, f)
            if wire is None:
                return legacy(420)
            data.save_owned(req.account, wire)
        return legacy(200)

    def _apply_update(account: str, wire: dict, f: dict[str, str]) -> dict | None:
        """The number after a partial update; None if the update must fail with 420."""
        if "app_id" in f:
            if f["app_id"] == "":
                wire = without_link(wire)
            else:
                if choices.update_requires_existing_app and data.get_app(account, f["app_id"]) is None:
                    return None
                wire["app_id"] = f["app_id"]
                if cfg.link_sets_voice_callback:
                    wire["voiceCallbackType"], wire["voiceCallbackValue"] = "app", f["app_id"]
        for kind, allowed in CALLBACK_TYPES.items():
            type_key, value_key = f"{kind}CallbackType", f"{kind}CallbackValue"
            if type_key not in f and value_key not in f:
                continue
            kind_, value = f.get(type_key), f.get(value_key)
            if kind_ == "" and value == "":
                wire.pop(type_key, None)
                wire.pop(value_key, None)
            elif not kind_ or not value or kind_ not in allowed:
                return None  # one without the other, or an unknown type
            else:
                wire[type_key], wire[value_key] = kind_, value
        for key in ("moHttpUrl", "voiceStatusCallback"):
            if key in f:
                if f[key] == "":
                    wire.pop(key, None)
                else:
                    wire[key] = f[key]
        return wire

    router.add("GET", "/account/numbers", owned_numbers)
    router.add("GET", "/number/search", search)
    router.add("POST", "/number/buy", buy)
    router.add("POST", "/number/cancel", cancel)
    router.add("POST", "/number/update", update)
