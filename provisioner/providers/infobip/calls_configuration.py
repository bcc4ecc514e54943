"""infobip.calls_configuration: a Calls API configuration (``/calls/1/configurations``, infobip.md §3.2).

The Calls API's "application": numbers forward calls to it (voice action FORWARD_TO_SUBSCRIPTION)
and its events go to a VOICE_VIDEO subscription whose criteria name it (``infobip.webhook``).
Identity: the manifest's ``id`` (client-chosen, ``^[a-zA-Z0-9_-]{1,128}$``). A create that meets an
existing id (400/409) adopts it when the name matches and fails otherwise.
Calls: create = 1 POST (201); update = 1 PUT; delete = 1 DELETE (200, the deleted object).
"""

from __future__ import annotations

from typing import ClassVar

from .client import CALLS_PAGE_SIZE
from .common import IdNameKind


class CallsConfiguration(IdNameKind):
    kind: ClassVar[str] = "infobip.calls_configuration"
    schema: ClassVar[str] = "infobip/calls_configuration.schema.json"
    title: ClassVar[str] = "calls configuration"
    collection = "/calls/1/configurations"
    page_size = CALLS_PAGE_SIZE
    id_field, name_field = "id", "name"
    ops = {
        "list": "get-calls-configurations",
        "get": "get-calls-configuration",
        "create": "create-calls-configuration",
        "update": "update-calls-configuration",
        "delete": "delete-calls-configuration",
    }
    call_notes = (
        "create: 1 POST (201; an existing id is adopted when the name matches); update: 1 PUT; delete: 1 DELETE"
    )
