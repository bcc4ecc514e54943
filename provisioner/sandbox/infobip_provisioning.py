"""CPaaS X applications and entities (infobip.md §3.1, infobip-application-entity-openapi.json).

- POST /provisioning/1/applications {applicationId* (client-chosen, 1..255), applicationName? (≤255)} -> 201 with an
  empty body; an existing id -> 409 (legacy body, messageId CONFLICT: the spec declares 409 without an example).
- GET .../{id} -> 200 {applicationId, applicationName?}; unknown -> 404 NOT_FOUND "Not found".
- PUT .../{id} {applicationName?} -> 204; the body replaces the name (absent = no name).
- DELETE .../{id} -> 200, empty body; linked numbers go back to applicationId "default" and entityId null, inbound
  configurations' platform to {"applicationId": "default"} (NumbersModel.reset_platform).
- GET list: PageInfo paging, size 1..1000 (default 20), creation order.
The same five operations exist for /provisioning/1/entities with entityId / entityName; deleting an entity clears
entityId where it is used. An id is a path segment: "/" is refused (400) since it could not be addressed.
"""

from __future__ import annotations

from .context import Context
from .infobip_common import Checks, json_object, legacy, not_found, page_info
from .infobip_data import APPLICATION, ENTITY, InfobipData, Rec
from .infobip_numbers import NumbersModel
from .infobip_service import InfobipService, account
from .router import Request, Response

KINDS = {
    # path segment: (kind, id field, name field, operationId noun (singular, plural))
    "applications": (APPLICATION, "applicationId", "applicationName", ("application", "applications")),
    "entities": (ENTITY, "entityId", "entityName", ("entity", "entities")),
}


def register(service: InfobipService, ctx: Context, data: InfobipData, numbers: NumbersModel) -> None:
    for segment, (kind, id_field, name_field, (one, many)) in KINDS.items():
        _register_kind(service, data, numbers, segment, kind, id_field, name_field, one, many)


def _register_kind(
    service: InfobipService,
    data: InfobipData,
    numbers: NumbersModel,
    segment: str,
    kind: str,
    id_field: str,
    name_field: str,
    one: str,
    many: str,
) -> None:
    base = f"/provisioning/1/{segment}"
    label = one.capitalize()

    def find(req: Request) -> Rec:
        rec = data.get(account(req), kind, req.params["id"])
        if rec is None:
            raise not_found()
        return rec

    def listing(req: Request) -> Response:
        items = [r.wire for r in data.list(account(req), kind)]
        return Response.json(200, page_info(req, items, 20, 1000))

    def create(req: Request) -> Response:
        body = json_object(req)
        checks = Checks()
        ident = checks.string(body, id_field, required=True, min_len=1, max_len=255, blank_ok=False)
        name = checks.string(body, name_field, max_len=255)
        if ident is not None and "/" in ident:
            checks.add(id_field, "must not contain '/'")
        checks.fail()
        wire = {id_field: ident}
        if name is not None:
            wire[name_field] = name
        if not data.insert(Rec(account(req), kind, ident, wire)):
            raise legacy(409, "CONFLICT", f"{label} with {id_field} {ident} already exists.")
        return Response.empty(201)

    def get(req: Request) -> Response:
        return Response.json(200, find(req).wire)

    def modify(req: Request) -> Response:
        body = json_object(req, allow_empty=True)
        checks = Checks()
        name = checks.string(body, name_field, max_len=255)
        checks.fail()
        with data.store.transaction():
            rec = find(req)
            rec.wire = {id_field: rec.id, **({name_field: name} if name is not None else {})}
            data.save(rec)
        return Response.empty(204)

    def delete(req: Request) -> Response:
        acct = account(req)
        with data.store.transaction():
            rec = find(req)
            data.delete(acct, kind, rec.id)
            if kind == APPLICATION:
                numbers.reset_platform(acct, application_id=rec.id)
            else:
                numbers.reset_platform(acct, entity_id=rec.id)
        return Response.empty(200)

    service.add("GET", base, f"get-{many}", listing)
    service.add("POST", base, f"create-{one}", create)
    service.add("GET", base + "/{id}", f"get-{one}", get)
    service.add("PUT", base + "/{id}", f"modify-{one}", modify)
    service.add("DELETE", base + "/{id}", f"delete-{one}", delete)
