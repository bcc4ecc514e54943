"""Numbers API (infobip.md §2.1-§2.3, §2.6) and inbound message configurations (§2.4).

Numbers
- GET /numbers/1/numbers/available: the computed inventory (infobip_inventory) minus every owned number. Filters
  `country` (ISO2), `capabilities` (repeated or comma-joined; a number must have all), `number` (substring of the
  digits, a leading + ignored), US-only `state`/`npa`/`nxx`; `limit` (default 10) and `page` (0-based) ->
  `{"numbers","numberCount"}` with numberCount = all matches. An unknown country gives an empty list (200).
- POST /numbers/1/numbers {numberKey | number, applicationId?, entityId?} -> InfobipChoices.purchase_status (200 with
  the NumberResponse; 201 = empty body). A number that is not available (unknown, or owned by anyone, including a
  repeated purchase) is a 404 without body, as declared. `strict_purchase_identifiers` enforces "US: only number,
  elsewhere: only numberKey" (400). applicationId defaults to "default"; another value must name a provisioning
  application of the account (`require_existing_application`, 400 otherwise); entityId is free (Infobip creates
  entities on the fly).
- GET /numbers/1/numbers: owned numbers in purchase order, `limit` (default 50), `page`, `number` substring filter.
  Limits above available_limit_max are clamped; limit < 1 or page < 0 is a 400.
- GET|PUT|DELETE /numbers/1/numbers/{numberKey}: 404 without body when the account does not own it. PUT takes
  {applicationId* (min 1), entityId?} and replaces both (an absent entityId clears it) -> 200 NumberResponse.
  DELETE -> 204; the number returns to the pool and its inbound configurations are deleted.
- `keywords` of an owned number are the keywords of its SMS inbound configurations.

Inbound message configurations (/resource-management/1/inbound-message-configurations)
- POST upserts: the configuration of (channel, number/resource, keyword) is created, or updated in place (same
  configurationKey). `unset` members are removed first, then the body's members are set; members absent from both
  are kept. `conversations`/`answers` with enabled=false are removed. A NULL (absent or "") keyword is its own
  configuration, "which will match all values". SMS/MMS/WHATSAPP address an owned number by numberKey or number (404
  without body otherwise); other channels take resource/resourceKey as given. Answers 200 with the configuration.
- GET needs `channel`, plus configurationKey alone or one of number/numberKey/resource/resourceKey (400 otherwise);
  `keyword` filters exactly. A bare JSON array; 404 without body when nothing matches.
- DELETE /{configurationKey} -> 204; 404 without body.
- Forwarding `format` defaults per channel as the specs say: SMS MO_JSON_2, MMS MO_MMS_2, WHATSAPP MO_OTT_CONTACT,
  RCS MO_RCS_JSON.
"""

from __future__ import annotations

from . import infobip_inventory as inv
from .context import Context
from .infobip_common import (
    Checks,
    bad_request,
    empty,
    hex_key,
    int_query,
    json_object,
    legacy_param_error,
    query_list,
)
from .infobip_data import APPLICATION, INBOUND, NUMBER, InfobipData, Rec
from .infobip_service import InfobipService, account
from .router import Request, Response

CAPABILITIES = ("SMS", "VOICE", "MMS", "WHATSAPP", "WHATSAPP_VOICE")
CHANNELS = (
    "SMS",
    "MMS",
    "WHATSAPP",
    "RCS",
    "VIBER_BM",
    "APPLE_MB",
    "LINE_OA",
    "KAKAO_SANGDAM",
    "MESSENGER",
    "INSTAGRAM_DM",
    "ZALO_ZNS",
    "TELEGRAM",
    "VIBER_BOT",
    "EMAIL",
    "ZALO_FOLLOWER",
    "OPEN_CHANNEL",
    "TIKTOK_BM",
)
NUMBER_CHANNELS = ("SMS", "MMS", "WHATSAPP")
FORWARD_TYPES = {
    "SMS": ("HTTP_FORWARD", "MAIL_FORWARD", "SMPP_FORWARD", "PULL"),
    "MMS": ("HTTP_FORWARD", "PULL"),
}
FORMAT_DEFAULTS = {"SMS": "MO_JSON_2", "MMS": "MO_MMS_2", "WHATSAPP": "MO_OTT_CONTACT", "RCS": "MO_RCS_JSON"}
UNSET = {
    "USERNAME": "username",
    "PLATFORM": "platform",
    "FORWARDING": "forwarding",
    "CONVERSATIONS": "conversations",
    "ANSWERS": "answers",
    "AUTORESPONSE": "autoResponse",
    "BLOCKLISTCONFIGURATION": "blockListConfiguration",
}
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
INBOUND_ORDER = (
    "configurationKey",
    "channel",
    "keyword",
    "username",
    "platform",
    "forwarding",
    "conversations",
    "answers",
    "autoResponse",
    "blockListConfiguration",
)
NUMBER_ORDER = (
    "numberKey",
    "number",
    "country",
    "countryName",
    "type",
    "capabilities",
    "shared",
    "price",
    "network",
    "keywords",
    "voiceSetup",
    "reservationStatus",
    "additionalSetupRequired",
    "editPermissions",
    "note",
    "applicationId",
    "entityId",
)
BASE = "/numbers/1/numbers"
INBOUND_BASE = "/resource-management/1/inbound-message-configurations"


def _ordered(wire: dict, order: tuple[str, ...]) -> dict:
    out = {k: wire[k] for k in order if k in wire}
    out.update({k: v for k, v in wire.items() if k not in out})
    return out


class NumbersModel:
    def __init__(self, ctx: Context, data: InfobipData) -> None:
        self.ctx = ctx
        self.data = data
        self.choices = ctx.config.infobip

    # -- numbers ---------------------------------------------------------------------------------------------------
    def new_wire(self, avail: inv.Available, application_id: str | None, entity_id: str | None) -> dict:
        wire = {
            "numberKey": avail.key,
            "number": avail.number,
            "country": avail.country,
            "countryName": inv.country_name(avail.country),
            "type": "VIRTUAL_LONG_NUMBER",
            "capabilities": list(avail.capabilities),
            "shared": False,
            "price": {k: v for k, v in avail.price().items() if k != "initialMonthPrice"},
            "network": avail.block.network,
            "additionalSetupRequired": False,
            "editPermissions": {"canEditNumber": True, "canEditConfiguration": True},
            "applicationId": application_id or "default",
        }
        if entity_id:
            wire["entityId"] = entity_id
        return wire

    def render(self, rec: Rec, configs: list[Rec] | None = None) -> dict:
        if configs is None:
            configs = self.data.list(rec.account, INBOUND)
        keywords = [
            c.wire["keyword"]
            for c in configs
            if c.internal.get("numberKey") == rec.id and c.wire.get("channel") == "SMS" and c.wire.get("keyword")
        ]
        return _ordered({**rec.wire, "keywords": keywords}, NUMBER_ORDER)

    def check_application(self, checks: Checks, acct: str, application_id: str | None, path: str) -> None:
        if application_id in (None, "default") or not self.choices.require_existing_application:
            return
        if self.data.get(acct, APPLICATION, application_id) is None:
            checks.add(path, f"Application with id {application_id} does not exist.")

    def take(self, acct: str, avail: inv.Available, application_id: str | None, entity_id: str | None) -> Rec | None:
        """Gives an available number to an account (None when someone owns it already)."""
        with self.data.store.transaction():
            if self.data.owner(NUMBER, avail.key) is not None:
                return None
            rec = Rec(acct, NUMBER, avail.key, self.new_wire(avail, application_id, entity_id))
            self.data.insert(rec)
        return rec

    def release(self, acct: str, key: str) -> bool:
        with self.data.store.transaction():
            if not self.data.delete(acct, NUMBER, key):
                return False
            for cfg in self.data.list(acct, INBOUND):
                if cfg.internal.get("numberKey") == key:
                    self.data.delete(acct, INBOUND, cfg.id)
        return True

    def available(self, country: str | None = None) -> list[inv.Available]:
        taken = self.data.taken_ids(NUMBER)
        countries = [country] if country else list(inv.COUNTRIES)
        out = []
        for c in countries:
            out.extend(a for a in inv.country_numbers(c, self.choices.inventory_size) if a.key not in taken)
        return out

    def reset_platform(self, acct: str, application_id: str | None = None, entity_id: str | None = None) -> None:
        """Deleting an application/entity "will reset all resources that were linked to that application to
        application = default and entity = null" (infobip.md §3.1): numbers and inbound configurations."""
        with self.data.store.transaction():
            for rec in self.data.list(acct, NUMBER):
                wire = rec.wire
                if application_id is not None and wire.get("applicationId") == application_id:
                    wire["applicationId"] = "default"
                    wire.pop("entityId", None)
                elif entity_id is not None and wire.get("entityId") == entity_id:
                    wire.pop("entityId", None)
                else:
                    continue
                self.data.save(rec)
            for rec in self.data.list(acct, INBOUND):
                platform = rec.wire.get("platform")
                if not isinstance(platform, dict):
                    continue
                if application_id is not None and platform.get("applicationId") == application_id:
                    rec.wire["platform"] = {"applicationId": "default"}
                elif entity_id is not None and platform.get("entityId") == entity_id:
                    platform.pop("entityId", None)
                else:
                    continue
                self.data.save(rec)


def register(service: InfobipService, ctx: Context, data: InfobipData, model: NumbersModel) -> None:
    choices = ctx.config.infobip

    def limit_page(req: Request, default_limit: int) -> tuple[int, int]:
        limit = int_query(req, "limit", default_limit, legacy_param_error)
        page = int_query(req, "page", 0, legacy_param_error)
        if limit < 1:
            raise legacy_param_error("limit", "must be greater than or equal to 1")
        if page < 0:
            raise legacy_param_error("page", "must be greater than or equal to 0")
        return min(limit, choices.available_limit_max), page

    # -- numbers -----------------------------------------------------------------------------------------------------
    def search(req: Request) -> Response:
        limit, page = limit_page(req, 10)
        country = (req.arg("country") or "").strip().upper() or None
        wanted = [c.upper() for c in query_list(req, "capabilities")]
        bad = [c for c in wanted if c not in CAPABILITIES]
        if bad:
            raise legacy_param_error("capabilities", f"must be one of [{', '.join(CAPABILITIES)}]")
        pattern = (req.arg("number") or "").strip().lstrip("+")
        state = (req.arg("state") or "").strip().upper() or None
        npa = int_query(req, "npa", -1, legacy_param_error)
        nxx = int_query(req, "nxx", -1, legacy_param_error)
        if country is not None and country not in inv.COUNTRIES:
            return Response.json(200, {"numbers": [], "numberCount": 0})
        matches = []
        for avail in model.available(country):
            if wanted and not set(wanted) <= set(avail.capabilities):
                continue
            if pattern and pattern not in avail.number:
                continue
            if state is not None and avail.state != state:
                continue
            if npa >= 0 and avail.npa != str(npa):
                continue
            if nxx >= 0 and avail.nxx != str(nxx).zfill(3):
                continue
            matches.append(avail)
        chunk = matches[page * limit : (page + 1) * limit]
        return Response.json(200, {"numbers": [a.wire() for a in chunk], "numberCount": len(matches)})

    def purchase(req: Request) -> Response:
        acct = account(req)
        body = json_object(req)
        checks = Checks()
        key = checks.string(body, "numberKey")
        number = checks.string(body, "number")
        application_id = checks.string(body, "applicationId", max_len=255)
        entity_id = checks.string(body, "entityId", max_len=255)
        if not key and not number:
            checks.add("numberKey", "numberKey or number must be provided")
        checks.fail()
        avail = inv.by_key(key, choices.inventory_size) if key else None
        by_number = inv.by_number(number, choices.inventory_size) if number else None
        if key and number and (avail is None or by_number is None or avail.key != by_number.key):
            raise bad_request("Bad request", {"number": ["number does not match numberKey"]})
        avail = avail or by_number
        if avail is None:
            raise empty(404)
        if choices.strict_purchase_identifiers:
            if avail.country == "US" and key:
                raise bad_request(
                    "Bad request", {"numberKey": ["For buying a US number, only the number should be provided."]}
                )
            if avail.country != "US" and number:
                raise bad_request("Bad request", {"number": ["Only the numberKey must be provided."]})
        model.check_application(checks, acct, application_id, "applicationId")
        checks.fail()
        rec = model.take(acct, avail, application_id, entity_id)
        if rec is None:
            raise empty(404)
        if choices.purchase_status == 201:
            return Response.empty(201)
        return Response.json(choices.purchase_status, model.render(rec, []))

    def owned(req: Request) -> Response:
        limit, page = limit_page(req, 50)
        acct = account(req)
        pattern = (req.arg("number") or "").strip().lstrip("+")
        recs = [r for r in data.list(acct, NUMBER) if not pattern or pattern in r.wire["number"]]
        configs = data.list(acct, INBOUND)
        chunk = recs[page * limit : (page + 1) * limit]
        return Response.json(200, {"numbers": [model.render(r, configs) for r in chunk], "numberCount": len(recs)})

    def owned_one(req: Request) -> Rec:
        rec = data.get(account(req), NUMBER, req.params["numberKey"])
        if rec is None:
            raise empty(404)
        return rec

    def get_number(req: Request) -> Response:
        return Response.json(200, model.render(owned_one(req)))

    def update_number(req: Request) -> Response:
        acct = account(req)
        body = json_object(req)
        checks = Checks()
        application_id = checks.string(body, "applicationId", required=True, min_len=1, max_len=255)
        entity_id = checks.string(body, "entityId", max_len=255)
        checks.fail()
        with data.store.transaction():
            rec = owned_one(req)
            model.check_application(checks, acct, application_id, "applicationId")
            checks.fail()
            rec.wire["applicationId"] = application_id
            if entity_id:
                rec.wire["entityId"] = entity_id
            else:
                rec.wire.pop("entityId", None)
            data.save(rec)
        return Response.json(200, model.render(rec))

    def cancel(req: Request) -> Response:
        if not model.release(account(req), req.params["numberKey"]):
            raise empty(404)
        return Response.empty(204)

    service.add("GET", BASE + "/available", "get-available-numbers", search)
    service.add("GET", BASE, "list-owned-numbers", owned)
    service.add("POST", BASE, "purchase-number", purchase)
    service.add("GET", BASE + "/{numberKey}", "get-single-owned-number", get_number)
    service.add("PUT", BASE + "/{numberKey}", "update-owned-number", update_number)
    service.add("DELETE", BASE + "/{numberKey}", "cancel-number", cancel)

    # -- inbound message configurations ------------------------------------------------------------------------------
    def target(acct: str, channel: str, body: dict, checks: Checks) -> tuple[str, str] | None:
        """(kind, id): ("numberKey", key) for number channels, ("resource", value) otherwise."""
        if channel in NUMBER_CHANNELS:
            key, number = body.get("numberKey"), body.get("number")
            if not key and not number:
                checks.add("numberKey", "numberKey or number must be provided")
                return None
            if key:
                return ("numberKey", str(key))
            for rec in data.list(acct, NUMBER):
                if rec.wire["number"] == str(number).lstrip("+"):
                    return ("numberKey", rec.id)
            return ("numberKey", "")  # unknown number: 404 below
        resource = body.get("resourceKey") or body.get("resource")
        if not resource:
            checks.add("resource", "resource or resourceKey must be provided")
            return None
        return ("resource", str(resource))

    def check_forwarding(checks: Checks, channel: str, value) -> dict | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            checks.add("forwarding", "must be an object")
            return None
        allowed = FORWARD_TYPES.get(channel, ("HTTP_FORWARD",))
        kind = checks.enum(value, "type", allowed, "forwarding.type", required=True)
        if kind is None:
            return None
        out: dict = {"type": kind}
        if kind == "HTTP_FORWARD":
            url = checks.string(value, "url", "forwarding.url", required=True, min_len=1)
            fmt = checks.string(value, "format", "forwarding.format")
            if url is not None:
                out["url"] = url
            default_format = FORMAT_DEFAULTS.get(channel)
            if fmt or default_format:
                out["format"] = fmt or default_format
        elif kind == "MAIL_FORWARD":
            mail = checks.string(value, "mail", "forwarding.mail", required=True, min_len=1)
            if mail is not None:
                out["mail"] = mail
            if isinstance(value.get("description"), str):
                out["description"] = value["description"]
        elif kind == "SMPP_FORWARD" and isinstance(value.get("description"), str):
            out["description"] = value["description"]
        return out

    def check_auto_response(checks: Checks, value) -> dict | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            checks.add("autoResponse", "must be an object")
            return None
        out: dict = {}
        message = checks.string(value, "message", "autoResponse.message", required=True, max_len=1080)
        if message is not None:
            out["message"] = message
        sender = checks.string(value, "sender", "autoResponse.sender")
        if sender is not None:
            out["sender"] = sender
        window = checks.obj(value, "deliveryTimeWindow", "autoResponse.deliveryTimeWindow")
        if window is not None:
            path = "autoResponse.deliveryTimeWindow"
            hhmm = r"([01]\d|2[0-3]):[0-5]\d"
            frm = checks.string(window, "from", f"{path}.from", required=True, pattern=hhmm)
            to = checks.string(window, "to", f"{path}.to", required=True, pattern=hhmm)
            days = checks.array(window, "days", f"{path}.days", required=True, max_items=7)
            if days is not None and (not days or any(d not in DAYS for d in days) or len(set(days)) != len(days)):
                checks.add(f"{path}.days", f"must be 1 to 7 distinct values of [{', '.join(DAYS)}]")
            tz = checks.enum(
                window, "deliveryTimeZone", ("USER_TIME_ZONE", "DESTINATION_TIME_ZONE"), f"{path}.deliveryTimeZone"
            )
            out["deliveryTimeWindow"] = {
                "from": frm,
                "to": to,
                "days": days,
                "deliveryTimeZone": tz or "USER_TIME_ZONE",
            }
        return out

    def check_block_list(checks: Checks, value) -> dict | None:
        if value is None:
            return None
        if not isinstance(value, dict):
            checks.add("blockListConfiguration", "must be an object")
            return None
        kind = checks.enum(value, "type", ("BLOCK", "UNBLOCK"), "blockListConfiguration.type", required=True)
        level = checks.enum(
            value, "level", ("FROM_SENDER", "FROM_ANY_SENDER"), "blockListConfiguration.level", required=True
        )
        return {"type": kind, "level": level}

    def check_toggle(checks: Checks, body: dict, key: str) -> dict | None:
        value = checks.obj(body, key)
        if value is None:
            return None
        enabled = checks.boolean(value, "enabled", f"{key}.enabled", required=True)
        return {"enabled": enabled}

    def manage(req: Request) -> Response:
        acct = account(req)
        body = json_object(req)
        checks = Checks()
        channel = checks.enum(body, "channel", CHANNELS, required=True)
        keyword = checks.string(body, "keyword", max_len=50) or None
        username = checks.string(body, "username", max_len=255, blank_ok=False)
        checks.string(body, "countryCode", pattern="[A-Z]{2}")
        unset = checks.array(body, "unset")
        if unset is not None and any(u not in UNSET for u in unset):
            checks.add("unset", f"must be values of [{', '.join(UNSET)}]")
        platform = checks.platform(body)
        conversations = check_toggle(checks, body, "conversations")
        answers = check_toggle(checks, body, "answers")
        auto_response = check_auto_response(checks, body.get("autoResponse"))
        block_list = check_block_list(checks, body.get("blockListConfiguration"))
        forwarding = check_forwarding(checks, channel, body.get("forwarding")) if channel else None
        checks.fail()
        where = target(acct, channel, body, checks)
        checks.fail()
        assert where is not None and channel is not None
        kind, ident = where
        with data.store.transaction():
            if kind == "numberKey" and data.get(acct, NUMBER, ident) is None:
                raise empty(404)
            rec = None
            for cfg in data.list(acct, INBOUND):
                i = cfg.internal
                if cfg.wire["channel"] == channel and i.get(kind) == ident and cfg.wire.get("keyword") == keyword:
                    rec = cfg
                    break
            created = rec is None
            if rec is None:
                key = hex_key()
                wire: dict = {"configurationKey": key, "channel": channel}
                if keyword is not None:
                    wire["keyword"] = keyword
                rec = Rec(acct, INBOUND, key, wire, {kind: ident})
            wire = rec.wire
            for option in unset or ():
                wire.pop(UNSET[option], None)
            for name, value in (
                ("username", username),
                ("platform", platform),
                ("forwarding", forwarding),
                ("autoResponse", auto_response),
                ("blockListConfiguration", block_list),
            ):
                if value is not None:
                    wire[name] = value
            for name, value in (("conversations", conversations), ("answers", answers)):
                if value is None:
                    continue
                if value["enabled"]:
                    wire[name] = value
                else:
                    wire.pop(name, None)  # "the same as adding it to unset"
            rec.wire = _ordered(wire, INBOUND_ORDER)
            if created:
                data.insert(rec)
            else:
                data.save(rec)
        return Response.json(200, rec.wire)

    def list_configs(req: Request) -> Response:
        acct = account(req)
        channel = req.arg("channel")
        if not channel:
            raise legacy_param_error("channel", "must not be null")
        if channel not in CHANNELS:
            raise legacy_param_error("channel", f"must be one of [{', '.join(CHANNELS)}]")
        config_key = req.arg("configurationKey")
        number_key, number = req.arg("numberKey"), req.arg("number")
        resource = req.arg("resourceKey") or req.arg("resource")
        if not (config_key or number_key or number or resource):
            raise bad_request(
                "Bad request",
                {"numberKey": ["one of configurationKey, number, numberKey, resource, resourceKey is required"]},
            )
        if number and not number_key:
            for rec in data.list(acct, NUMBER):
                if rec.wire["number"] == number.lstrip("+"):
                    number_key = rec.id
            if not number_key:
                raise empty(404)
        keyword = req.arg("keyword")
        out = []
        for cfg in data.list(acct, INBOUND):
            if cfg.wire["channel"] != channel:
                continue
            if config_key and cfg.id != config_key:
                continue
            if number_key and cfg.internal.get("numberKey") != number_key:
                continue
            if resource and cfg.internal.get("resource") != resource:
                continue
            if keyword is not None and cfg.wire.get("keyword") != (keyword or None):
                continue
            out.append(cfg.wire)
        if not out:
            raise empty(404)
        return Response.json(200, out)

    def delete_config(req: Request) -> Response:
        if not data.delete(account(req), INBOUND, req.params["configurationKey"]):
            raise empty(404)
        return Response.empty(204)

    service.add("GET", INBOUND_BASE, "get-inbound-configurations", list_configs)
    service.add("POST", INBOUND_BASE, "manage-inbound-configuration", manage)
    service.add("DELETE", INBOUND_BASE + "/{configurationKey}", "delete-inbound-configuration", delete_config)
