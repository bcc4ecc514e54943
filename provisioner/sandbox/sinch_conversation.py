"""Sinch Conversation API v1 apps and webhooks ({region}.conversation.api.sinch.com, sinch.md §4). snake_case
JSON, Google-RPC error bodies, unpaginated lists.

The sandbox serves one region (SinchChoices.conversation_region, default "us"): every app lives there, and the
listener stands for that regional host. Choices where the contract is silent:
- App defaults (the values Sinch's mock returns): rate_limits {outbound 20, inbound 100, webhooks 100},
  retention_policy {MESSAGE_EXPIRE_POLICY, 180}, dispatch_retention_policy {MESSAGE_EXPIRE_POLICY, 0},
  message_retry_settings.retry_duration 3600, processing_mode = processing_mode_default (CONVERSATION),
  conversation_metadata_report_view NONE, "" for unset secrets/ids, false for unset flags.
- Channel credentials: each new or changed credential is PENDING, then after credential_activation_seconds ACTIVE,
  or FAILING with a description when one of its string values equals failing_credential_token. A credential sent
  again unchanged (same channel, ordinal and credential object) keeps its state. Output-only members (state,
  channel_known_id) in a request are ignored, so GET -> edit -> PATCH round-trips work.
- PATCH: `update_mask` (comma-joined, repeated, or update_mask.paths) lists top-level fields, each replaced
  wholesale by the body's value (absent = back to the default); channel_credentials is replaced as a whole list.
  Without update_mask the fields present in the body are replaced. Unknown mask paths are 400.
- Unknown request fields are 400 INVALID_ARGUMENT (`unknown field "x"`). Validation errors carry a BadRequest
  detail with one fieldViolation per problem.
- DELETE app returns {} and deletes the app's webhooks too.
- Webhooks: app_id must name an app of the project (else 400); target must be an http(s) URL of at most 742
  characters, not a conversation-api.*.sinch.com host; triggers non-empty, from the enum; at most 5 per app and
  target unique per app, both 400 INVALID_ARGUMENT (duplicate checked first). secret is returned; default "".
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .context import Context
from .router import Request, Response
from .sinch_auth import ProjectService, SinchAuth
from .sinch_common import RpcError, query_list, read_json, rpc_response, ulid
from .sinch_data import APP, CONV_WEBHOOK, Rec, SinchData, next_due

BASE = "/v1/projects/{project}"
CREDENTIAL_KEYS = {
    "SMS": ("static_bearer",),
    "WHATSAPP": ("static_bearer",),
    "RCS": ("static_bearer",),
    "VIBERBM": ("static_bearer",),
    "MESSENGER": ("static_token",),
    "VIBER": ("static_token",),
    "MMS": ("mms_credentials",),
    "KAKAOTALK": ("kakaotalk_credentials",),
    "KAKAOTALKCHAT": ("kakaotalkchat_credentials",),
    "TELEGRAM": ("telegram_credentials",),
    "LINE": ("line_credentials", "line_enterprise_credentials"),
    "WECHAT": ("wechat_credentials",),
    "INSTAGRAM": ("instagram_credentials",),
    "APPLEBC": ("applebc_credentials",),
}
# Members each credential object needs (from the SDK contract fixtures).
REQUIRED_MEMBERS = {
    "static_bearer": ("claimed_identity", "token"),
    "static_token": ("token",),
    "mms_credentials": ("account_id", "api_key"),
    "kakaotalk_credentials": ("kakaotalk_plus_friend_id", "kakaotalk_sender_key"),
    "kakaotalkchat_credentials": ("kakaotalk_plus_friend_id", "api_key"),
    "telegram_credentials": ("token",),
    "line_credentials": ("token", "secret"),
    "line_enterprise_credentials": (),
    "wechat_credentials": ("app_id", "app_secret", "token", "aes_key"),
    "instagram_credentials": ("token",),
    "applebc_credentials": ("business_chat_account_id",),
}
CREDENTIAL_MEMBERS = {"channel", "callback_secret", "credential_ordinal_number", "state", "channel_known_id"}
APP_FIELDS = (
    "display_name",
    "channel_credentials",
    "conversation_metadata_report_view",
    "retention_policy",
    "dispatch_retention_policy",
    "processing_mode",
    "smart_conversation",
    "callback_settings",
    "message_retry_settings",
    "delivery_report_based_fallback",
)
OUTPUT_ONLY = ("id", "rate_limits", "queue_stats", "persist_message_status", "message_search")
TRIGGERS = (
    "MESSAGE_DELIVERY",
    "MESSAGE_SUBMIT",
    "MESSAGE_INBOUND",
    "EVENT_DELIVERY",
    "EVENT_INBOUND",
    "SMART_CONVERSATIONS",
    "MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION",
    "CONVERSATION_START",
    "CONVERSATION_STOP",
    "CONVERSATION_DELETE",
    "CONTACT_CREATE",
    "CONTACT_DELETE",
    "CONTACT_MERGE",
    "CONTACT_UPDATE",
    "CONTACT_IDENTITIES_DUPLICATION",
    "UNSUPPORTED",
    "OPT_IN",
    "OPT_OUT",
    "CHANNEL_EVENT",
    "CAPABILITY",
    "RECORD_NOTIFICATION",
)
WEBHOOK_FIELDS = ("app_id", "target", "target_type", "triggers", "secret", "client_credentials")
WEBHOOKS_PER_APP = 5
TARGET_MAX = 742


def defaults(choices) -> dict:
    return {
        "conversation_metadata_report_view": "NONE",
        "retention_policy": {"retention_type": "MESSAGE_EXPIRE_POLICY", "ttl_days": 180},
        "dispatch_retention_policy": {"retention_type": "MESSAGE_EXPIRE_POLICY", "ttl_days": 0},
        "processing_mode": choices.processing_mode_default,
        "smart_conversation": {"enabled": False},
        "callback_settings": {"secret_for_overridden_callback_urls": ""},
        "message_retry_settings": {"retry_duration": 3600},
        "delivery_report_based_fallback": {"enabled": False, "delivery_report_waiting_time": 0},
    }


class Violations:
    def __init__(self) -> None:
        self.items: list[dict] = []

    def add(self, field: str, description: str) -> None:
        self.items.append({"field": field, "description": description})

    def raise_if_any(self) -> None:
        if self.items:
            message = "; ".join(f"{v['field']}: {v['description']}" for v in self.items)
            raise RpcError(400, message, [{"type": "BadRequest", "fieldViolations": self.items}])


def _body(req: Request, allowed: tuple[str, ...], ignored: tuple[str, ...] = ()) -> dict:
    body = read_json(req, RpcError(400, "invalid JSON in request body"), {})
    if not isinstance(body, dict):
        raise RpcError(400, "request body must be a JSON object")
    for key in body:
        if key not in allowed and key not in ignored:
            raise RpcError(400, f'unknown field "{key}"')
    return {k: v for k, v in body.items() if k not in ignored}


def _int_in(v: Violations, obj: dict, key: str, lo: int, hi: int, path: str) -> None:
    value = obj.get(key)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        v.add(path, "must be an integer")
    elif not lo <= value <= hi:
        v.add(path, f"must be between {lo} and {hi}")


def check_app(v: Violations, app: dict) -> None:
    name = app.get("display_name")
    if not isinstance(name, str) or not name.strip():
        v.add("display_name", "display_name is required")
    creds = app.get("channel_credentials")
    if not isinstance(creds, list) or not creds:
        v.add("channel_credentials", "at least one channel credential is required")
    else:
        seen = set()
        for i, cred in enumerate(creds):
            check_credential(v, cred, f"channel_credentials[{i}]", seen)
    view = app.get("conversation_metadata_report_view")
    if view is not None and view not in ("NONE", "FULL"):
        v.add("conversation_metadata_report_view", f"invalid value {view}")
    mode = app.get("processing_mode")
    if mode is not None and mode not in ("CONVERSATION", "DISPATCH"):
        v.add("processing_mode", f"invalid value {mode}")
    for key, types, lo, hi in (
        (
            "retention_policy",
            ("MESSAGE_EXPIRE_POLICY", "CONVERSATION_EXPIRE_POLICY", "PERSIST_RETENTION_POLICY"),
            1,
            3650,
        ),
        ("dispatch_retention_policy", ("MESSAGE_EXPIRE_POLICY",), 0, 7),
    ):
        policy = app.get(key)
        if policy is None:
            continue
        if not isinstance(policy, dict):
            v.add(key, "must be an object")
            continue
        if policy.get("retention_type") is not None and policy["retention_type"] not in types:
            v.add(f"{key}.retention_type", f"invalid value {policy['retention_type']}")
        _int_in(v, policy, "ttl_days", lo, hi, f"{key}.ttl_days")
    for key, member, lo, hi in (
        ("message_retry_settings", "retry_duration", 30, 3600),
        ("delivery_report_based_fallback", "delivery_report_waiting_time", 10, 259200),
    ):
        value = app.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            v.add(key, "must be an object")
        elif not (key == "delivery_report_based_fallback" and value.get(member) in (None, 0)):
            _int_in(v, value, member, lo, hi, f"{key}.{member}")
    for key in ("smart_conversation", "callback_settings"):
        if app.get(key) is not None and not isinstance(app[key], dict):
            v.add(key, "must be an object")


def check_credential(v: Violations, cred, path: str, seen: set) -> None:
    if not isinstance(cred, dict):
        v.add(path, "must be an object")
        return
    channel = cred.get("channel")
    if channel not in CREDENTIAL_KEYS:
        v.add(f"{path}.channel", f"invalid channel {channel}")
        return
    keys = [k for k in cred if k not in CREDENTIAL_MEMBERS]
    present = [k for k in keys if k in CREDENTIAL_KEYS[channel]]
    for k in keys:
        if k not in CREDENTIAL_KEYS[channel]:
            v.add(f"{path}.{k}", f"not a credential of channel {channel}")
    if len(present) != 1:
        v.add(path, f"channel {channel} needs exactly one of {', '.join(CREDENTIAL_KEYS[channel])}")
        return
    member = cred[present[0]]
    if not isinstance(member, dict):
        v.add(f"{path}.{present[0]}", "must be an object")
        return
    for required in REQUIRED_MEMBERS.get(present[0], ()):
        if not isinstance(member.get(required), str) or not member[required]:
            v.add(f"{path}.{present[0]}.{required}", f"{required} is required")
    ordinal = cred.get("credential_ordinal_number", 0)
    if isinstance(ordinal, bool) or not isinstance(ordinal, int) or ordinal < 0:
        v.add(f"{path}.credential_ordinal_number", "must be a non-negative integer")
    elif (channel, ordinal) in seen:
        v.add(f"{path}", f"duplicate credential for channel {channel} (credential_ordinal_number {ordinal})")
    seen.add((channel, ordinal))
    if cred.get("callback_secret") is not None and not isinstance(cred["callback_secret"], str):
        v.add(f"{path}.callback_secret", "must be a string")


def _identity(cred: dict) -> tuple:
    key = next(k for k in cred if k not in CREDENTIAL_MEMBERS)
    return cred["channel"], cred.get("credential_ordinal_number", 0), key, repr(sorted(cred[key].items()))


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


class ConversationModel:
    def __init__(self, ctx: Context, data: SinchData) -> None:
        self.ctx = ctx
        self.data = data
        self.choices = ctx.config.sinch
        data.settlers[APP] = self.settle

    def set_credentials(self, rec: Rec, creds: list[dict], now: float) -> None:
        """Stores the credential list; new or changed credentials start PENDING."""
        old_jobs = rec.internal.get("credentials", [])
        old = {
            _identity(c): (c, old_jobs[i] if i < len(old_jobs) else None)
            for i, c in enumerate(rec.wire.get("channel_credentials", []))
        }
        wire_creds, jobs = [], []
        for cred in creds:
            cred = {k: v for k, v in cred.items() if k not in ("state", "channel_known_id")}
            previous = old.get(_identity(cred))
            if previous is not None:
                prev_cred, job = previous
                state = prev_cred.get("state") or {"status": "ACTIVE", "description": ""}
                known = prev_cred.get("channel_known_id", "")
            else:
                failing = self.choices.failing_credential_token in _strings(cred)
                job = {
                    "at": now + self.choices.credential_activation_seconds,
                    "status": "FAILING" if failing else "ACTIVE",
                    "description": "Channel rejected the credentials: authentication failed" if failing else "",
                }
                state, known = {"status": "PENDING", "description": ""}, ""
            out = {"channel": cred["channel"]}
            out.update({k: v for k, v in cred.items() if k not in CREDENTIAL_MEMBERS})
            out.update(
                callback_secret=cred.get("callback_secret") or "",
                state=state,
                channel_known_id=known,
                credential_ordinal_number=cred.get("credential_ordinal_number", 0),
            )
            wire_creds.append(out)
            jobs.append(job)
        rec.wire["channel_credentials"] = wire_creds
        rec.internal["credentials"] = jobs
        rec.due = self.due(rec)

    @staticmethod
    def due(rec: Rec) -> float | None:
        return next_due(*[j["at"] for j in rec.internal.get("credentials", []) if j])

    def settle(self, rec: Rec, now: float) -> Rec:
        jobs = rec.internal.get("credentials", [])
        for i, job in enumerate(jobs):
            if job and job["at"] <= now and i < len(rec.wire.get("channel_credentials", [])):
                rec.wire["channel_credentials"][i]["state"] = {
                    "status": job["status"],
                    "description": job["description"],
                }
                jobs[i] = None
        rec.due = self.due(rec)
        return rec

    def force(self, rec: Rec, now: float, status: str | None, description: str | None, channel: str | None) -> Rec:
        """Admin: finish pending credentials now (optionally of one channel, with a forced outcome)."""
        for i, job in enumerate(rec.internal.get("credentials", [])):
            cred = rec.wire["channel_credentials"][i]
            if channel is not None and cred["channel"] != channel:
                continue
            if job is None:
                job = rec.internal["credentials"][i] = {"at": now, "status": cred["state"]["status"], "description": ""}
            job["at"] = now
            if status is not None:
                job["status"] = status
                job["description"] = description if description is not None else job["description"]
        return self.settle(rec, now)

    def new_app(self, project: str, body: dict, now: float) -> Rec:
        app_id = ulid(now)
        wire = {"id": app_id, "display_name": body.get("display_name", ""), "channel_credentials": []}
        wire.update(defaults(self.choices))
        wire.update(
            rate_limits={"outbound": 20, "inbound": 100, "webhooks": 100},
            queue_stats={"outbound_size": 0, "outbound_limit": 500000},
            persist_message_status={"enabled": False},
            message_search={"enabled": False},
        )
        for key in APP_FIELDS:
            if key not in ("display_name", "channel_credentials") and body.get(key) is not None:
                wire[key] = body[key]
        rec = Rec(project, APP, app_id, wire)
        self.set_credentials(rec, body.get("channel_credentials") or [], now)
        rec.wire = ordered_app(rec.wire)
        return rec


def ordered_app(wire: dict) -> dict:
    order = (
        "id",
        "display_name",
        "channel_credentials",
        "conversation_metadata_report_view",
        "rate_limits",
        "retention_policy",
        "dispatch_retention_policy",
        "processing_mode",
        "smart_conversation",
        "queue_stats",
        "persist_message_status",
        "message_search",
        "callback_settings",
        "delivery_report_based_fallback",
        "message_retry_settings",
    )
    out = {k: wire[k] for k in order if k in wire}
    out.update({k: v for k, v in wire.items() if k not in out})
    return out


def _mask(req: Request, body: dict, allowed: tuple[str, ...]) -> list[str]:
    paths = query_list(req, "update_mask") + query_list(req, "update_mask.paths") + query_list(req, "updateMask")
    if not paths:
        return [k for k in body if k in allowed]
    out = []
    for path in paths:
        top = path.split(".", 1)[0]
        if top not in allowed:
            raise RpcError(
                400,
                f"invalid update_mask path {path}",
                [
                    {
                        "type": "BadRequest",
                        "fieldViolations": [{"field": "update_mask", "description": f"invalid path {path}"}],
                    }
                ],
            )
        if top not in out:
            out.append(top)
    return out


class SinchConversationService(ProjectService):
    api = "sinch.conversation"

    def __init__(self, ctx: Context, auth: SinchAuth, data: SinchData, model: ConversationModel) -> None:
        super().__init__(ctx, auth)
        self.data = data
        self.model = model
        self.choices = ctx.config.sinch
        r = self.router
        r.add("GET", BASE + "/apps", self.list_apps)
        r.add("POST", BASE + "/apps", self.create_app)
        r.add("GET", BASE + "/apps/{app}", self.get_app)
        r.add("PATCH", BASE + "/apps/{app}", self.update_app)
        r.add("DELETE", BASE + "/apps/{app}", self.delete_app)
        r.add("GET", BASE + "/apps/{app}/webhooks", self.list_webhooks)
        r.add("POST", BASE + "/webhooks", self.create_webhook)
        r.add("GET", BASE + "/webhooks/{webhook}", self.get_webhook)
        r.add("PATCH", BASE + "/webhooks/{webhook}", self.update_webhook)
        r.add("DELETE", BASE + "/webhooks/{webhook}", self.delete_webhook)

    # -- apps --------------------------------------------------------------------------------------------------
    def _app(self, project: str, app_id: str) -> Rec:
        rec = self.data.get(project, APP, app_id)
        if rec is None:
            raise RpcError(404, f"Could not find app with id '{app_id}'")
        return rec

    def list_apps(self, req: Request) -> Response:
        return Response.json(200, {"apps": [r.wire for r in self.data.list(req.params["project"], APP)]})

    def create_app(self, req: Request) -> Response:
        body = _body(req, APP_FIELDS, OUTPUT_ONLY)
        v = Violations()
        check_app(v, body)
        v.raise_if_any()
        rec = self.model.new_app(req.params["project"], body, self.ctx.clock.now())
        self.data.insert(rec)
        return Response.json(200, rec.wire)

    def get_app(self, req: Request) -> Response:
        return Response.json(200, self._app(req.params["project"], req.params["app"]).wire)

    def update_app(self, req: Request) -> Response:
        body = _body(req, APP_FIELDS, OUTPUT_ONLY)
        fields = _mask(req, body, APP_FIELDS)
        now = self.ctx.clock.now()
        with self.data.store.transaction():
            rec = self._app(req.params["project"], req.params["app"])
            base = defaults(self.choices)
            candidate = dict(rec.wire)
            for field in fields:
                if body.get(field) is not None:
                    candidate[field] = body[field]
                elif field in base:
                    candidate[field] = base[field]
                else:
                    candidate[field] = None  # display_name / channel_credentials are required: reported below
            v = Violations()
            check_app(v, candidate)
            v.raise_if_any()
            creds = candidate["channel_credentials"]
            candidate["channel_credentials"] = rec.wire["channel_credentials"]  # compared with the new list
            rec.wire = candidate
            if "channel_credentials" in fields:
                self.model.set_credentials(rec, creds, now)
            rec.wire = ordered_app(rec.wire)
            self.data.save(rec)
        return Response.json(200, rec.wire)

    def delete_app(self, req: Request) -> Response:
        project = req.params["project"]
        with self.data.store.transaction():
            rec = self._app(project, req.params["app"])
            self.data.delete(project, APP, rec.id)
            for hook in self.data.list(project, CONV_WEBHOOK):
                if hook.wire["app_id"] == rec.id:
                    self.data.delete(project, CONV_WEBHOOK, hook.id)
        return Response.json(200, {})

    # -- webhooks ----------------------------------------------------------------------------------------------
    def _webhook(self, project: str, webhook_id: str) -> Rec:
        rec = self.data.get(project, CONV_WEBHOOK, webhook_id)
        if rec is None:
            raise RpcError(404, f"Could not find webhook with id '{webhook_id}'")
        return rec

    def _check_webhook(self, project: str, wire: dict, own_id: str | None) -> None:
        v = Violations()
        app_id = wire.get("app_id")
        if not isinstance(app_id, str) or not app_id:
            v.add("app_id", "app_id is required")
        elif self.data.get(project, APP, app_id) is None:
            v.add("app_id", f"app {app_id} does not exist")
        target = wire.get("target")
        if not isinstance(target, str) or not target:
            v.add("target", "target is required")
        else:
            parts = urlsplit(target)
            if len(target) > TARGET_MAX:
                v.add("target", f"target must be at most {TARGET_MAX} characters")
            if parts.scheme not in ("http", "https") or not parts.hostname:
                v.add("target", "target must be an http(s) URL")
            elif re.fullmatch(r"conversation-api\..*\.sinch\.com|.*\.conversation\.api\.sinch\.com", parts.hostname):
                v.add("target", "Conversation API hosts cannot be webhook targets")
        if wire.get("target_type") not in ("HTTP", "DISMISS"):
            v.add("target_type", f"invalid value {wire.get('target_type')}")
        triggers = wire.get("triggers")
        if not isinstance(triggers, list) or not triggers:
            v.add("triggers", "at least one trigger is required")
        else:
            for trigger in triggers:
                if trigger not in TRIGGERS:
                    v.add("triggers", f"invalid trigger {trigger}")
        if not isinstance(wire.get("secret"), str):
            v.add("secret", "must be a string")
        creds = wire.get("client_credentials")
        if creds is not None:
            if not isinstance(creds, dict):
                v.add("client_credentials", "must be an object")
            else:
                for key in ("client_id", "client_secret", "endpoint"):
                    if not isinstance(creds.get(key), str) or not creds[key]:
                        v.add(f"client_credentials.{key}", f"{key} is required")
                if creds.get("token_request_type") not in (None, "BASIC", "FORM"):
                    v.add("client_credentials.token_request_type", f"invalid value {creds['token_request_type']}")
        v.raise_if_any()
        siblings = [h for h in self.data.list(project, CONV_WEBHOOK) if h.wire["app_id"] == app_id and h.id != own_id]
        if any(h.wire["target"] == target for h in siblings):
            raise RpcError(
                400,
                f"A webhook with target {target} already exists for app {app_id}",
                [
                    {
                        "type": "BadRequest",
                        "fieldViolations": [{"field": "target", "description": "target must be unique per app"}],
                    }
                ],
            )
        if len(siblings) >= WEBHOOKS_PER_APP:
            raise RpcError(
                400,
                f"App {app_id} already has the maximum number of webhooks ({WEBHOOKS_PER_APP})",
                [
                    {
                        "type": "BadRequest",
                        "fieldViolations": [
                            {"field": "app_id", "description": f"at most {WEBHOOKS_PER_APP} webhooks per app"}
                        ],
                    }
                ],
            )

    def list_webhooks(self, req: Request) -> Response:
        project = req.params["project"]
        app = self._app(project, req.params["app"])
        hooks = [h.wire for h in self.data.list(project, CONV_WEBHOOK) if h.wire["app_id"] == app.id]
        return Response.json(200, {"webhooks": hooks})

    def create_webhook(self, req: Request) -> Response:
        body = _body(req, WEBHOOK_FIELDS, ("id",))
        project = req.params["project"]
        wire = {
            "id": ulid(self.ctx.clock.now()),
            "app_id": body.get("app_id"),
            "target": body.get("target"),
            "target_type": body.get("target_type") or "HTTP",
            "secret": body.get("secret") if body.get("secret") is not None else "",
            "triggers": body.get("triggers"),
            "client_credentials": body.get("client_credentials"),
        }
        with self.data.store.transaction():
            self._check_webhook(project, wire, None)
            self.data.insert(Rec(project, CONV_WEBHOOK, wire["id"], wire))
        return Response.json(200, wire)

    def get_webhook(self, req: Request) -> Response:
        return Response.json(200, self._webhook(req.params["project"], req.params["webhook"]).wire)

    def update_webhook(self, req: Request) -> Response:
        body = _body(req, WEBHOOK_FIELDS, ("id",))
        fields = _mask(req, body, WEBHOOK_FIELDS)
        project = req.params["project"]
        with self.data.store.transaction():
            rec = self._webhook(project, req.params["webhook"])
            wire = dict(rec.wire)
            blank = {"target_type": "HTTP", "secret": "", "client_credentials": None}
            for field in fields:
                wire[field] = body[field] if body.get(field) is not None else blank.get(field)
            self._check_webhook(project, wire, rec.id)
            rec.wire = wire
            self.data.save(rec)
        return Response.json(200, wire)

    def delete_webhook(self, req: Request) -> Response:
        project = req.params["project"]
        with self.data.store.transaction():
            rec = self._webhook(project, req.params["webhook"])
            self.data.delete(project, CONV_WEBHOOK, rec.id)
        return Response.json(200, {})

    # -- plumbing ----------------------------------------------------------------------------------------------
    def precheck(self, req: Request) -> None:
        # A request addressed to another region's host (e.g. through a proxy keeping Host) finds nothing there,
        # as with Sinch, where an app only exists in its own region.
        host = (req.header("Host") or "").split(":", 1)[0].lower()
        m = re.fullmatch(r"(\w+)\.conversation\.api\.sinch\.com", host)
        if m and m.group(1) != self.choices.conversation_region:
            raise RpcError(404, f"Not found: this sandbox serves the {self.choices.conversation_region} region")

    def unrouted(self, req: Request, allowed: list[str] | None) -> Response:
        if allowed is None:
            return rpc_response(404, "Not Found")
        return rpc_response(405, "Method Not Allowed", headers={"Allow": ", ".join(allowed)})

    def throttled(self, retry_after: int) -> Response:
        return rpc_response(429, "Too many requests")

    def failure(self, status: int) -> Response:
        return rpc_response(status, "Internal error" if status >= 500 else "Request failed")
