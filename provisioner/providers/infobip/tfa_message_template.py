"""infobip.tfa_message_template: an SMS/voice message template of a 2FA application
(``/2fa/2/applications/{appId}/messages``, infobip.md §3.3).

Identity: Infobip assigns ``messageId`` (kept in state); a create is intent-recorded and recovered
by (application, message text). ``application_id`` names the application (usually
``${my-2fa-app.id}``); moving a template to another application means a new template.
Observed per application (one unpaged GET per 2FA application, after the applications); e-mail
templates in the same list are another kind and are skipped.
``language`` defaults to "en" (the spec's default), so leaving it out never shows a change.
The 2FA API has no delete: removing the resource forgets the template (no call); it stays in
the application. A replacement likewise keeps the old template.
Calls: create = 1 POST (200); update = 1 PUT with every declared field; removal = none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from ...errors import ProviderError
from ...kind import CreateContext, FieldChange, Intent, Kind
from ...model import LiveObject, copy_tree
from .client import InfobipClient, q
from .wire import compact, to_camel, to_snake

FIELDS = (
    "message_text",
    "pin_type",
    "pin_length",
    "sender_id",
    "language",
    "voice_name",
    "repeat_dtmf",
    "speech_rate",
    "regional",
)


class TfaMessageTemplate(Kind[InfobipClient]):
    kind: ClassVar[str] = "infobip.tfa_message_template"
    provider: ClassVar[str] = "infobip"
    schema: ClassVar[str] = "infobip/tfa_message_template.schema.json"
    title: ClassVar[str] = "2FA message template"
    replace_on = frozenset({"application_id"})
    parent = "infobip.tfa_application"
    removal = "forget"
    attributes = frozenset({"id", "application_id"})
    call_notes = "create: 1 POST; update: 1 PUT; removal: none (no delete in the API: forgotten)"

    # ------------------------------------------------------------ translation at the edge
    @staticmethod
    def to_spec(wire: Mapping[str, Any]) -> dict[str, Any]:
        spec = compact(to_snake({k: v for k, v in wire.items() if k not in ("messageId", "pinPlaceholder")}))
        return {k: v for k, v in spec.items() if k in FIELDS or k == "application_id"}

    @staticmethod
    def to_payload(props: Mapping[str, Any]) -> dict[str, Any]:
        return to_camel({k: copy_tree(props[k]) for k in FIELDS if props.get(k) is not None})

    def normalize(self, props: Mapping[str, Any]) -> dict[str, Any]:
        out = copy_tree(dict(props))
        out.setdefault("language", "en")
        if isinstance(out.get("speech_rate"), int):
            out["speech_rate"] = float(out["speech_rate"])  # 1 and 1.0 are the same rate
        return out

    # ------------------------------------------------------------ crash recovery
    def intent_match(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return {"application_id": props.get("application_id"), "message_text": props.get("message_text")}

    def recover(self, intent: Intent, candidates: Sequence[LiveObject]) -> LiveObject | None:
        want = (intent.match.get("application_id"), intent.match.get("message_text"))
        matches = [
            c for c in candidates if (c.properties.get("application_id"), c.properties.get("message_text")) == want
        ]
        return matches[0] if len(matches) == 1 else None

    # ------------------------------------------------------------ verbs
    def observe(self, client: InfobipClient) -> Iterable[LiveObject]:
        apps = client.get("/2fa/2/applications", "get-2fa-applications", "list 2FA applications") or []
        yield from self._under(client, [str(a["applicationId"]) for a in apps])

    def observe_under(self, client: InfobipClient, parents: Sequence[LiveObject]) -> Iterable[LiveObject]:
        yield from self._under(client, [p.id for p in parents])

    def _under(self, client: InfobipClient, app_ids: Sequence[str]) -> Iterable[LiveObject]:
        for app_id in app_ids:
            listed = client.get(
                _messages(app_id), "get-2fa-message-templates", f"list message templates of 2FA application {app_id}"
            )
            for wire in listed or []:
                if wire.get("emailTemplateId") is not None:
                    continue  # an e-mail template: not this kind
                yield self._live({"applicationId": app_id, **wire})

    def get(self, client: InfobipClient, live: LiveObject) -> LiveObject | None:
        app_id = live.attributes["application_id"]
        wire = client.get(
            f"{_messages(app_id)}/{q(live.id)}", "get-2fa-message-template", f"read 2FA message template {live.id}"
        )
        return self._live({"applicationId": app_id, **wire}) if wire else None

    def create(self, client: InfobipClient, props: Mapping[str, Any], ctx: CreateContext) -> LiveObject:
        app_id = str(props["application_id"])
        body = self.to_payload(props)
        wire = client.call(
            "POST",
            _messages(app_id),
            "create-2fa-message-template",
            f"create a message template of 2FA application {app_id}",
            json=body,
        )
        if not isinstance(wire, Mapping) or not wire.get("messageId"):
            raise ProviderError(
                f"cannot create a message template of 2FA application {app_id}: Infobip answered without a "
                "messageId; the next plan finds it by its text (the create was intent-recorded)",
                "infobip",
            )
        return self._live({**body, **wire, "applicationId": app_id})

    def update(
        self, client: InfobipClient, live: LiveObject, props: Mapping[str, Any], changes: Sequence[FieldChange]
    ) -> LiveObject:
        app_id = live.attributes["application_id"]
        body = self.to_payload(props)
        wire = client.call(
            "PUT",
            f"{_messages(app_id)}/{q(live.id)}",
            "update-2fa-message-template",
            f"update 2FA message template {live.id}",
            json=body,
        )
        merged = {**body, **(wire if isinstance(wire, Mapping) else {})}
        return self._live({**merged, "applicationId": app_id, "messageId": live.id})

    def delete(self, client: InfobipClient, live: LiveObject) -> None:
        raise ProviderError(
            f"cannot delete 2FA message template {live.id}: the 2FA API has no delete; it is forgotten instead",
            "infobip",
        )

    def _live(self, wire: Mapping[str, Any]) -> LiveObject:
        msg_id = str(wire["messageId"])
        app_id = str(wire["applicationId"])
        spec = self.to_spec(wire)
        spec["application_id"] = app_id
        return LiveObject(msg_id, spec, {"id": msg_id, "application_id": app_id})


def _messages(app_id: str) -> str:
    return f"/2fa/2/applications/{q(app_id)}/messages"
