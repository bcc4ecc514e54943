"""infobip.entity: a CPaaS X entity (``/provisioning/1/entities``, infobip.md §3.1).

Identity: the manifest's ``id`` (Infobip's ``entityId``, client-chosen); ``name`` is ``entityName``.
A create answered 409 adopts the entity when its name matches and fails otherwise. Deleting one
unlinks it from every resource that named it.
Calls: create = 1 POST (201, empty body); update = 1 PUT (204); delete = 1 DELETE (200).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from .client import PROVISIONING_PAGE_SIZE
from .common import IdNameKind


class Entity(IdNameKind):
    kind: ClassVar[str] = "infobip.entity"
    schema: ClassVar[str] = "infobip/entity.schema.json"
    title: ClassVar[str] = "CPaaS X entity"
    collection = "/provisioning/1/entities"
    page_size = PROVISIONING_PAGE_SIZE
    id_field, name_field = "entityId", "entityName"
    ops = {
        "list": "get-entities",
        "get": "get-entity",
        "create": "create-entity",
        "update": "modify-entity",
        "delete": "delete-entity",
    }
    call_notes = "create: 1 POST (201, 409 → adopt when the name matches); update: 1 PUT; delete: 1 DELETE"

    def plan_notes(self, props: Mapping[str, Any], action: str) -> list[str]:
        if action in ("delete", "replace"):
            return ["Infobip unlinks it from every resource that names it (their entity becomes empty)"]
        return []
