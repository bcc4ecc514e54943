"""RCS senders (Provisioning API, sinch.md §2.7).

State machine, driven by the sandbox clock:
- create -> DRAFT while details.brand.name is missing, else IN_PROGRESS; IN_PROGRESS -> IN_TEST after
  rcs_processing_seconds (a PATCH that adds brand.name to a DRAFT starts the same step).
- POST /launch, allowed in IN_TEST or UNLAUNCHED: 412 with additionalInformation.missingRequirements until the
  §2.7 checklist is met (brand name, logoUrl, bannerUrl, privacyPolicyUrl, termsOfServiceUrl, >= 1 phone or
  email, >= 1 country, questionnaire general + verification answers, and gb/us/fr answers for those countries).
  Then PREPARING_LAUNCH -> LAUNCHING -> LAUNCHED (rcs_prepare_launch_seconds, rcs_launching_seconds). Without
  questionnaire.general.answers.videoUris the sender waits in PENDING_LAUNCH until a PATCH adds one
  (rcs_pending_launch_without_video).
- Test numbers: POST /testNumbers {"testNumbers": [...]} invites each number: PENDING (UNVERIFIED when re-adding
  a known number) -> after rcs_test_number_seconds VERIFIED (rcs_test_numbers_auto_verify) or UNVERIFIED.
  A number that is not E.164 is INVALID at once.

Choices where the contract is silent: create answers 201, launch and testNumbers 200, deletes 204. PATCH takes only
`details` (RFC 7386 merge: objects merge, arrays and scalars replace, null deletes); region, billingCategory and
useCase are immutable (400 invalid_input "<field> cannot be updated"). Launching from another state is 400
invalid_state; the 412 errorCode is launch_requirements_not_met. Test numbers need a Google agent (not DRAFT or
IN_PROGRESS: 400 no_google_supplier) and are limited to 20 invites a day and 200 numbers per sender (400
rbm_too_many_requests). List default order: created ascending.
"""

from __future__ import annotations

import re

from .context import Context
from .merge_patch import merge_patch
from .router import Request, Response
from .sinch_common import PapiError, invalid_input, query_list, random_token, ulid
from .sinch_data import RCS_SENDER, Rec, SinchData, next_due
from .sinch_papi import Checks, body_object, invalid_state, not_found, page

BASE = "/v1/projects/{project}/rcs/senders"
REGIONS = ("BR", "EU", "US")
BILLING_CATEGORIES = (
    "CONVERSATIONAL",
    "NON_CONVERSATIONAL",
    "BASIC_MESSAGE",
    "SINGLE_MESSAGE",
    "CONVERSATIONAL_LEGACY",
)
USE_CASES = ("MULTIUSE", "OTP", "PROMOTIONAL", "TRANSACTIONAL")
STATES = (
    "DRAFT",
    "IN_PROGRESS",
    "IN_TEST",
    "PENDING_LAUNCH",
    "PREPARING_LAUNCH",
    "LAUNCHING",
    "LAUNCHED",
    "UNLAUNCHED",
    "UNKNOWN",
)
SORT_COLUMNS = {"CREATED": "created", "MODIFIED": "modified", "NAME": "name", "STATE": "state"}
COUNTRY_SECTIONS = {"GB": "gb", "US": "us", "FR": "fr"}
E164 = re.compile(r"\+[1-9]\d{5,14}")
DAILY_INVITES, TOTAL_TEST_NUMBERS = 20, 200
WIRE_ORDER = (
    "id",
    "region",
    "billingCategory",
    "useCase",
    "state",
    "details",
    "authName",
    "authToken",
    "testNumberStates",
    "countryStatus",
    "created",
    "modified",
    "launched",
)


def ordered(wire: dict) -> dict:
    out = {k: wire[k] for k in WIRE_ORDER if k in wire}
    out.update({k: v for k, v in wire.items() if k not in out})
    return out


def _answers(questionnaire: dict, section: str) -> bool:
    answers = (questionnaire.get(section) or {}).get("answers")
    return isinstance(answers, dict) and bool(answers)


def missing_requirements(details: dict) -> list[str]:
    brand = details.get("brand") or {}
    countries = details.get("countries") or []
    questionnaire = details.get("questionnaire") or {}
    missing = [
        f"details.brand.{key}"
        for key in ("name", "logoUrl", "bannerUrl", "privacyPolicyUrl", "termsOfServiceUrl")
        if not brand.get(key)
    ]
    if not brand.get("phones") and not brand.get("emails"):
        missing.append("details.brand.phones or details.brand.emails (at least one)")
    if not countries:
        missing.append("details.countries (at least one)")
    for section in ("general", "verification"):
        if not _answers(questionnaire, section):
            missing.append(f"details.questionnaire.{section}.answers")
    for country in countries:
        section = COUNTRY_SECTIONS.get(country)
        if section and not _answers(questionnaire, section):
            missing.append(f"details.questionnaire.{section}.answers (required for country {country})")
    return missing


def _has_video(details: dict) -> bool:
    answers = ((details.get("questionnaire") or {}).get("general") or {}).get("answers") or {}
    return bool(answers.get("videoUris"))


def check_details(checks: Checks, details) -> None:
    if details is None:
        return
    if not isinstance(details, dict):
        checks.add("nested property details must be either object or array")
        return
    brand = details.get("brand")
    if brand is not None:
        if not isinstance(brand, dict):
            checks.add("nested property details.brand must be either object or array")
        else:
            if isinstance(brand.get("description"), str) and len(brand["description"]) > 100:
                checks.add("details.brand.description must be shorter than or equal to 100 characters")
            color = brand.get("color")
            if color is not None and not (isinstance(color, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", color)):
                checks.add("details.brand.color must be a hexadecimal color")
            for key in ("logoUrl", "bannerUrl", "privacyPolicyUrl", "termsOfServiceUrl"):
                if brand.get(key) is not None:
                    checks.string(brand, key, url=True, path=f"details.brand.{key}")
            for key in ("emails", "phones", "websites"):
                if brand.get(key) is not None and not isinstance(brand[key], list):
                    checks.add(f"details.brand.{key} must be an array")
    countries = details.get("countries")
    if countries is not None:
        if not isinstance(countries, list) or not all(
            isinstance(c, str) and re.fullmatch(r"[A-Z]{2}", c) for c in countries
        ):
            checks.add("details.countries must be an array of ISO 3166-1 alpha-2 country codes")


class RcsModel:
    def __init__(self, ctx: Context, data: SinchData) -> None:
        self.ctx = ctx
        self.data = data
        self.choices = ctx.config.sinch
        data.settlers[RCS_SENDER] = self.settle

    def schedule(self, rec: Rec, steps: list[tuple[float, str]]) -> None:
        rec.internal["timeline"] = [{"at": at, "state": state} for at, state in steps]
        rec.due = self.due(rec)

    @staticmethod
    def due(rec: Rec) -> float | None:
        times = [s["at"] for s in rec.internal.get("timeline", [])]
        times += [t["at"] for t in rec.internal.get("test_numbers", {}).values()]
        return next_due(*times)

    def start_processing(self, rec: Rec, now: float) -> None:
        rec.wire["state"] = "IN_PROGRESS"
        self.schedule(rec, [(now + self.choices.rcs_processing_seconds, "IN_TEST")])

    def start_launch(self, rec: Rec, now: float) -> None:
        rec.wire["state"] = "PREPARING_LAUNCH"
        prepared = now + self.choices.rcs_prepare_launch_seconds
        self.schedule(rec, [(prepared, "LAUNCHING"), (prepared + self.choices.rcs_launching_seconds, "LAUNCHED")])

    def settle(self, rec: Rec, now: float) -> Rec:
        iso = self.ctx.clock.iso
        timeline = rec.internal.get("timeline", [])
        while timeline and timeline[0]["at"] <= now:
            step = timeline.pop(0)
            rec.wire["state"] = step["state"]
            rec.wire["modified"] = iso(step["at"])
            if step["state"] == "LAUNCHED":
                rec.wire["launched"] = iso(step["at"])
                for entry in rec.wire.get("countryStatus", []):
                    entry["status"] = "LAUNCHED"
                    for operator in entry.get("operators", []):
                        operator.update(status="LAUNCHED", modified=iso(step["at"]))
        pending = rec.internal.get("test_numbers", {})
        for number, job in list(pending.items()):
            if job["at"] <= now:
                for entry in rec.wire.get("testNumberStates", []):
                    if entry["number"] == number:
                        entry["state"] = job["state"]
                del pending[number]
        rec.wire = ordered(rec.wire)
        rec.due = self.due(rec)
        return rec

    def finish_pending(self, rec: Rec, now: float) -> Rec:
        """Admin: every scheduled step happens now."""
        for step in rec.internal.get("timeline", []):
            step["at"] = min(step["at"], now)
        for job in rec.internal.get("test_numbers", {}).values():
            job["at"] = min(job["at"], now)
        return self.settle(rec, now)


def register(service, ctx: Context, data: SinchData, model: RcsModel) -> None:
    choices = ctx.config.sinch
    r = service.router

    def sender(req: Request) -> Rec:
        rec = data.get(req.params["project"], RCS_SENDER, req.params["sender"])
        if rec is None:
            raise not_found("Sender", {"senderId": req.params["sender"]})
        return rec

    def list_senders(req: Request) -> Response:
        states = query_list(req, "filterStates")
        ids = query_list(req, "filterSenderIds")
        checks = Checks()
        checks.enum_list({"filterStates": states}, "filterStates", STATES, required=False, unique=False)
        column = checks.enum({"sortColumn": req.arg("sortColumn") or "CREATED"}, "sortColumn", tuple(SORT_COLUMNS))
        direction = checks.enum({"sortDirection": req.arg("sortDirection") or "ASC"}, "sortDirection", ("ASC", "DESC"))
        checks.raise_if_any()
        name, search, app = req.arg("filterSenderName"), req.arg("search"), req.arg("filterConversationApiAppId")
        recs = []
        for rec in data.list(req.params["project"], RCS_SENDER):
            wire = rec.wire
            brand_name = ((wire.get("details") or {}).get("brand") or {}).get("name") or ""
            if states and wire.get("state") not in states:
                continue
            if ids and rec.id not in ids:
                continue
            if name and name.lower() not in brand_name.lower():
                continue
            if search and search.lower() not in f"{rec.id} {brand_name}".lower():
                continue
            if app and (wire.get("conversationApiAppDetails") or {}).get("id") != app:
                continue
            recs.append(rec)

        def sort_key(rec: Rec):
            if column == "NAME":
                return (((rec.wire.get("details") or {}).get("brand") or {}).get("name") or "", rec.seq)
            if column == "CREATED":
                return ("", rec.seq)  # creation order, even within one millisecond
            return (rec.wire.get(SORT_COLUMNS[column]) or "", rec.seq)

        recs.sort(key=sort_key, reverse=direction == "DESC")
        return Response.json(200, page(req, [x.wire for x in recs], "senders", "rcs-senders", 1, 100, 50))

    def create(req: Request) -> Response:
        body = body_object(req, ("region", "billingCategory", "useCase", "details"))
        checks = Checks()
        checks.enum(body, "region", REGIONS)
        checks.enum(body, "billingCategory", BILLING_CATEGORIES)
        checks.enum(body, "useCase", USE_CASES)
        check_details(checks, body.get("details"))
        checks.raise_if_any()
        project, now = req.params["project"], ctx.clock.now()
        sender_id = ulid(now)
        iso = ctx.clock.iso(now)
        wire = {
            "id": sender_id,
            "region": body["region"],
            "billingCategory": body["billingCategory"],
            "useCase": body["useCase"],
            "state": "DRAFT",
            "details": body.get("details") or {},
            "authName": f"{sender_id.lower()}_agent",
            "authToken": random_token(24),
            "testNumberStates": [],
            "countryStatus": [],
            "created": iso,
            "modified": iso,
        }
        rec = Rec(project, RCS_SENDER, sender_id, wire)
        if (wire["details"].get("brand") or {}).get("name"):
            model.start_processing(rec, now)
        rec.wire = ordered(rec.wire)
        data.insert(rec)
        return Response.json(201, rec.wire)

    def get(req: Request) -> Response:
        return Response.json(200, sender(req).wire)

    def update(req: Request) -> Response:
        body = body_object(req)
        immutable = [f"{k} cannot be updated" for k in ("region", "billingCategory", "useCase") if k in body]
        unknown = [
            f"property {k} should not exist"
            for k in body
            if k not in ("details", "region", "billingCategory", "useCase")
        ]
        if immutable or unknown:
            raise invalid_input(*immutable, *unknown)
        checks = Checks()
        patch = body.get("details")
        if patch is not None and not isinstance(patch, dict):
            checks.add("nested property details must be either object or array")
        checks.raise_if_any()
        now = ctx.clock.now()
        with data.store.transaction():
            rec = sender(req)
            details = merge_patch(rec.wire.get("details") or {}, patch or {})
            check_details(checks, details)
            checks.raise_if_any()
            rec.wire["details"] = details
            rec.wire["modified"] = ctx.clock.iso(now)
            state = rec.wire.get("state")
            if state == "DRAFT" and (details.get("brand") or {}).get("name"):
                model.start_processing(rec, now)
            elif state == "PENDING_LAUNCH" and _has_video(details):
                model.start_launch(rec, now)
            rec.wire = ordered(rec.wire)
            data.save(rec)
        return Response.json(200, rec.wire)

    def delete(req: Request) -> Response:
        with data.store.transaction():
            rec = sender(req)
            data.delete(rec.project, RCS_SENDER, rec.id)
        return Response.empty(204)

    def launch(req: Request) -> Response:
        body_object(req, empty={})
        now = ctx.clock.now()
        with data.store.transaction():
            rec = sender(req)
            state = rec.wire.get("state")
            if state in ("PENDING_LAUNCH", "PREPARING_LAUNCH", "LAUNCHING", "LAUNCHED"):
                raise invalid_state(
                    "Sender has already been launched.",
                    "Wait for the launch to complete.",
                    {"senderId": rec.id, "state": state},
                )
            missing = missing_requirements(rec.wire.get("details") or {})
            if missing:
                raise PapiError(
                    412,
                    "launch_requirements_not_met",
                    "Launch requirements not met.",
                    "Provide the missing sender details and launch again.",
                    {"senderId": rec.id, "missingRequirements": missing},
                )
            if state not in ("IN_TEST", "UNLAUNCHED"):
                raise invalid_state(
                    "Sender is not ready to launch.",
                    "Launch the sender once it is in state IN_TEST.",
                    {"senderId": rec.id, "state": state},
                )
            rec.wire["countryStatus"] = [
                {"country": c, "status": "PENDING", "operators": []} for c in rec.wire["details"]["countries"]
            ]
            rec.wire["modified"] = ctx.clock.iso(now)
            if choices.rcs_pending_launch_without_video and not _has_video(rec.wire["details"]):
                rec.wire["state"] = "PENDING_LAUNCH"
                model.schedule(rec, [])
            else:
                model.start_launch(rec, now)
            rec.wire = ordered(rec.wire)
            data.save(rec)
        return Response.json(200, rec.wire)

    def add_test_numbers(req: Request) -> Response:
        body = body_object(req, ("testNumbers",))
        numbers = body.get("testNumbers")
        if not isinstance(numbers, list) or not numbers or not all(isinstance(n, str) for n in numbers):
            raise invalid_input("testNumbers should not be empty", "each value in testNumbers must be a string")
        now = ctx.clock.now()
        with data.store.transaction():
            rec = sender(req)
            if rec.wire.get("state") in ("DRAFT", "IN_PROGRESS"):
                raise PapiError(
                    400,
                    "no_google_supplier",
                    "No google supplier in sender.",
                    "Wait until the sender is in test, then add test numbers.",
                    {"senderId": rec.id},
                )
            invites = rec.internal.setdefault("invites", [])
            invites[:] = [t for t in invites if t > now - 86400]
            entries = {e["number"]: e for e in rec.wire["testNumberStates"]}
            new = [n for n in dict.fromkeys(numbers) if n not in entries]
            if len(invites) + len(numbers) > DAILY_INVITES or len(entries) + len(new) > TOTAL_TEST_NUMBERS:
                raise PapiError(
                    400,
                    "rbm_too_many_requests",
                    "Too many test number invites.",
                    f"An agent can send {DAILY_INVITES} tester requests each day with a total maximum of "
                    f"{TOTAL_TEST_NUMBERS}.",
                    {"senderId": rec.id},
                )
            submitted = ctx.clock.iso(now)
            jobs = rec.internal.setdefault("test_numbers", {})
            final = "VERIFIED" if choices.rcs_test_numbers_auto_verify else "UNVERIFIED"
            out = []
            for number in dict.fromkeys(numbers):
                invites.append(now)
                if not E164.fullmatch(number):
                    state = "INVALID"
                    jobs.pop(number, None)
                else:
                    state = "UNVERIFIED" if number in entries else "PENDING"  # re-adding re-invites
                    jobs[number] = {"at": now + choices.rcs_test_number_seconds, "state": final}
                entry = {"number": number, "state": state, "submitted": submitted}
                if number in entries:
                    entries[number].update(entry)
                else:
                    rec.wire["testNumberStates"].append(entry)
                out.append(dict(entry))
            rec.due = model.due(rec)
            data.save(rec)
        return Response.json(200, {"testNumbers": out})

    def list_test_numbers(req: Request) -> Response:
        return Response.json(200, {"testNumbers": sender(req).wire.get("testNumberStates", [])})

    def test_number(req: Request) -> tuple[Rec, dict]:
        rec = sender(req)
        for entry in rec.wire.get("testNumberStates", []):
            if entry["number"] == req.params["number"]:
                return rec, entry
        raise not_found("Test number", {"senderId": rec.id, "testNumber": req.params["number"]})

    def get_test_number(req: Request) -> Response:
        return Response.json(200, test_number(req)[1])

    def delete_test_number(req: Request) -> Response:
        with data.store.transaction():
            rec, entry = test_number(req)
            rec.wire["testNumberStates"].remove(entry)
            rec.internal.get("test_numbers", {}).pop(entry["number"], None)
            rec.due = model.due(rec)
            data.save(rec)
        return Response.empty(204)

    r.add("GET", BASE, list_senders)
    r.add("POST", BASE, create)
    r.add("POST", BASE + "/{sender}/launch", launch)
    r.add("GET", BASE + "/{sender}/testNumbers", list_test_numbers)
    r.add("POST", BASE + "/{sender}/testNumbers", add_test_numbers)
    r.add("GET", BASE + "/{sender}/testNumbers/{number}", get_test_number)
    r.add("DELETE", BASE + "/{sender}/testNumbers/{number}", delete_test_number)
    r.add("GET", BASE + "/{sender}", get)
    r.add("PATCH", BASE + "/{sender}", update)
    r.add("DELETE", BASE + "/{sender}", delete)
