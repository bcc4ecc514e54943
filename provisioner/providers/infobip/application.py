"""infobip.application: a CPaaS X application (``/provisioning/1/applications``, infobip.md §3.1).

Identity: the manifest's ``id`` (Infobip's ``applicationId``, client-chosen, ≤255 URL-safe
characters); ``name`` is ``applicationName``. A create answered 409 adopts the application when
its name matches, and fails naming both names otherwise. Deleting one resets every resource linked
to it (numbers, senders, templates) to application "default" — the plan says so.
Calls: create = 1 POST (201, empty body); update = 1 PUT (204); delete = 1 DELETE (200).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from .client import PROVISIONING_PAGE_SIZE
from .common import IdNameKind


class Application(IdNameKind):
    kind: ClassVar[str] = "infobip.application"
    schema: ClassVar[str] = "infobip/application.schema.json"
    title: ClassVar[str] = "CPaaS X application"
    collection = "/provisioning/1/applications"
    page_size = PROVISIONING_PAGE_SIZE
    id_field, name_field = "applicationId", "applicationName"
    ops = {
        "list": "get-applications",
        "get": "get-application",
        "create": "create-application",
        "update": "modify-application",
        "delete": "delete-application",
    }
    call_notes = "create: 1 POST (201, 409 → adopt when the name matches); update: 1 PUT; delete: 1 DELETE"

    def plan_notes(self, props: Mapping[str, Any], action: str) -> list[str]:
        if action in ("delete", "replace"):
            return ['Infobip resets every number, sender and template linked to it to application "default"']
        return []
