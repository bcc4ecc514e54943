"""WhatsApp templates v2 (infobip.md §4): 201 PENDING -> APPROVED | REJECTED on the sandbox clock, PATCH state rules
and edit limits, DELETE by name (all languages) and the 30-day name block."""

from __future__ import annotations

from test_infobip_support import infobip_fixture, legacy_error, no_body  # noqa: F401

from provisioner.sandbox import InfobipChoices

SENDER = "447860099299"
BASE = f"/whatsapp/2/senders/{SENDER}/templates"


def template(name="order_update", language="en", category="UTILITY", **extra) -> dict:
    return {
        "name": name,
        "language": language,
        "category": category,
        "structure": {"body": {"text": "Hello {{1}}, order {{2}}", "examples": ["Ann", "42"]}},
        **extra,
    }


def create(ib, **kw) -> dict:
    r = ib.api.post(BASE, json=template(**kw))
    assert r.status_code == 201, r.text
    return r.json()


def status(ib, template_id: str) -> str:
    return ib.api.get(f"{BASE}/{template_id}").json()["status"]


def test_create_is_pending_then_approved(ib):
    media = {
        "header": {"format": "IMAGE", "example": "https://example.com/i.png"},
        "body": {"text": "Hi {{1}}", "examples": ["x"]},
        "footer": {"text": "bye"},
        "buttons": [{"type": "URL", "text": "Open", "url": "https://e.com/{{1}}", "example": "https://e.com/a"}],
    }
    r = ib.api.post(
        BASE,
        json={
            **template(name="promo", category="MARKETING"),
            "structure": media,
            "platform": {"applicationId": "app", "entityId": "ent"},
        },
    )
    assert r.status_code == 201
    t = r.json()
    assert list(t) == [
        "id",
        "businessAccountId",
        "name",
        "language",
        "status",
        "category",
        "structure",
        "quality",
        "platform",
        "createdAt",
        "lastUpdatedAt",
    ]
    assert t["id"].isdigit() and isinstance(t["businessAccountId"], int)
    assert t["status"] == "PENDING" and t["quality"] == "UNKNOWN"
    # write-only members are not returned; type is read-only
    assert t["structure"] == {
        "header": {"format": "IMAGE"},
        "body": {"text": "Hi {{1}}"},
        "footer": {"text": "bye"},
        "buttons": [{"type": "URL", "text": "Open", "url": "https://e.com/{{1}}"}],
        "type": "MEDIA",
    }
    assert t["createdAt"].endswith("+0000") and len(t["createdAt"]) == 28
    text = create(ib)
    assert text["structure"] == {"body": {"text": "Hello {{1}}, order {{2}}"}, "type": "TEXT"}
    ib.advance(0.5)
    assert status(ib, t["id"]) == "PENDING"
    ib.advance(1)
    approved = ib.api.get(f"{BASE}/{t['id']}").json()
    assert approved["status"] == "APPROVED" and approved["lastUpdatedAt"] > approved["createdAt"]
    listed = ib.api.get(BASE).json()
    assert list(listed) == ["templates"] and [x["id"] for x in listed["templates"]] == [t["id"], text["id"]]
    # templates belong to the WABA: another sender of the account sees them
    other = ib.api.get("/whatsapp/2/senders/+385911234567/templates").json()
    assert [x["id"] for x in other["templates"]] == [t["id"], text["id"]]


def test_reject_rule_and_admin_review(ib):
    rejected = create(ib, name="please_reject_me")
    ok = create(ib, name="fine")
    forced = create(ib, name="forced")
    r = ib.admin.post(ib.admin_path(f"/whatsapp-templates/{forced['id']}/review"), json={"outcome": "REJECTED"})
    assert r.status_code == 200 and r.json()["status"] == "REJECTED"
    assert (
        ib.admin.post(
            ib.admin_path(f"/whatsapp-templates/{forced['id']}/review"), json={"outcome": "APPROVED"}
        ).status_code
        == 409
    )  # no longer under review
    ib.advance(2)
    assert status(ib, rejected["id"]) == "REJECTED"
    assert status(ib, ok["id"]) == "APPROVED"
    assert status(ib, forced["id"]) == "REJECTED"


def test_validation_and_duplicates(ib):
    for bad, field in (
        (template(name="Has Caps"), "name"),
        (template(language="english"), "language"),
        (template(category="OTP"), "category"),
        ({**template(), "structure": {"footer": {"text": "x"}}}, "structure.body"),
        ({**template(), "structure": {"body": {"text": "Hi {{2}}"}}}, "structure.body.text"),
        ({**template(), "structure": {"body": {"text": "Hi {{1}}", "examples": []}}}, "structure.body.examples"),
        (
            {
                **template(),
                "structure": {"body": {"text": "x"}, "buttons": [{"type": "URL", "text": "a", "url": "u"}] * 3},
            },
            "structure.buttons",
        ),
        (template(category="MARKETING", subCategory="ORDER_STATUS"), "subCategory"),
    ):
        exc = legacy_error(ib.api.post(BASE, json=bad), 400, "BAD_REQUEST")
        assert field in exc["validationErrors"], (field, exc)
    auth = {
        "name": "otp",
        "language": "en",
        "category": "AUTHENTICATION",
        "structure": {
            "body": {"addSecurityRecommendation": True},
            "footer": {"codeExpirationMinutes": 5},
            "buttons": [{"otpType": "COPY_CODE", "text": "Copy"}],
        },
        "validityPeriod": {"amount": 2},
    }
    r = ib.api.post(BASE, json=auth)
    assert r.status_code == 201 and "type" not in r.json()["structure"]
    assert r.json()["validityPeriod"] == {"amount": 2, "timeUnit": "MINUTES"}
    exc = legacy_error(ib.api.post(BASE, json={**auth, "name": "otp2", "structure": {"body": {}}}), 400, "BAD_REQUEST")
    assert {"structure.footer", "structure.buttons"} <= set(exc["validationErrors"])
    create(ib)
    legacy_error(ib.api.post(BASE, json=template()), 400, "BAD_REQUEST")  # same name and language
    create(ib, language="de")  # another language of the same name is fine
    legacy_error(ib.api.post("/whatsapp/2/senders/not-a-number/templates", json=template(name="z")), 400, "BAD_REQUEST")


def test_get_by_id_rules(ib):
    legacy_error(ib.api.get(f"{BASE}/abc"), 400, "BAD_REQUEST")
    legacy_error(ib.api.get(f"{BASE}/123456"), 404, "NOT_FOUND", "Not found")


def test_patch_only_in_allowed_states(ib):
    t = create(ib, category="MARKETING")
    pending = ib.api.patch(f"{BASE}/{t['id']}", json={"structure": {"body": {"text": "new"}}})
    legacy_error(
        pending, 400, "BAD_REQUEST", "Only templates with an approved, rejected, or paused status can be edited."
    )
    ib.advance(2)
    legacy_error(
        ib.api.patch(f"{BASE}/{t['id']}", json={"category": "UTILITY"}),
        400,
        "BAD_REQUEST",
        "Category of an approved template cannot be edited.",
    )
    r = ib.api.patch(f"{BASE}/{t['id']}", json={"category": "MARKETING", "structure": {"body": {"text": "v2"}}})
    assert r.status_code == 200 and r.json()["status"] == "PENDING"
    assert r.json()["structure"] == {"body": {"text": "v2"}, "type": "TEXT"}
    ib.advance(2)
    assert status(ib, t["id"]) == "APPROVED"
    # platform-only edits keep the status
    r = ib.api.patch(f"{BASE}/{t['id']}", json={"platform": {"applicationId": "a"}})
    assert r.json()["status"] == "APPROVED" and r.json()["platform"] == {"applicationId": "a"}
    # paused and rejected templates are editable, other statuses not; a rejected one may change category
    for s, ok in (("FIRST_PAUSED", True), ("DISABLED", False), ("FLAGGED", False), ("REJECTED", True)):
        ib.admin.patch(ib.admin_path(f"/whatsapp-templates/{t['id']}"), json={"status": s})
        r = ib.api.patch(
            f"{BASE}/{t['id']}",
            json={"category": "UTILITY" if s == "REJECTED" else "MARKETING", "structure": {"body": {"text": s}}},
        )
        assert (r.status_code == 200) is ok, (s, r.text)
    assert r.json()["category"] == "UTILITY"
    legacy_error(ib.api.patch(f"{BASE}/999", json={"category": "MARKETING"}), 404, "NOT_FOUND")


def test_approved_edit_limits(ib):
    t = create(ib)
    ib.advance(2)
    edit = {"structure": {"body": {"text": "edit"}}}
    assert ib.api.patch(f"{BASE}/{t['id']}", json=edit).status_code == 200
    ib.advance(2)  # approved again, but only one edit per 24 hours
    legacy_error(ib.api.patch(f"{BASE}/{t['id']}", json=edit), 400, "BAD_REQUEST")
    for _ in range(9):  # one a day: ten in 30 days
        ib.advance(86400)
        assert ib.api.patch(f"{BASE}/{t['id']}", json=edit).status_code == 200
        ib.advance(2)
    ib.advance(86400)
    legacy_error(ib.api.patch(f"{BASE}/{t['id']}", json=edit), 400, "BAD_REQUEST")
    ib.admin.patch(ib.admin_path(f"/whatsapp-templates/{t['id']}"), json={"status": "REJECTED"})
    assert ib.api.patch(f"{BASE}/{t['id']}", json=edit).status_code == 200  # rejected: unlimited
    ib.advance(30 * 86400)
    assert ib.api.patch(f"{BASE}/{t['id']}", json=edit).status_code == 200  # the window has moved on


def test_delete_by_name_removes_every_language_and_blocks_the_name(ib):
    en = create(ib, name="welcome")
    de = create(ib, name="welcome", language="de")
    keep = create(ib, name="other")
    ib.advance(2)
    no_body(ib.api.delete(f"{BASE}/welcome"), 204)
    legacy_error(ib.api.get(f"{BASE}/{en['id']}"), 404, "NOT_FOUND")
    legacy_error(ib.api.get(f"{BASE}/{de['id']}"), 404, "NOT_FOUND")
    assert [t["id"] for t in ib.api.get(BASE).json()["templates"]] == [keep["id"]]
    legacy_error(ib.api.delete(f"{BASE}/welcome"), 404, "NOT_FOUND")
    legacy_error(ib.api.delete(f"{BASE}/Bad-Name"), 400, "BAD_REQUEST")
    # an approved name is blocked for 30 days (sandbox clock), for every language
    exc = legacy_error(ib.api.post(BASE, json=template(name="welcome", language="fr")), 400, "BAD_REQUEST")
    assert "welcome" in exc["text"]
    ib.advance(29 * 86400)
    legacy_error(ib.api.post(BASE, json=template(name="welcome")), 400, "BAD_REQUEST")
    ib.advance(86400 + 1)
    assert ib.api.post(BASE, json=template(name="welcome")).status_code == 201
    # a template deleted while still pending (never approved) does not block its name
    create(ib, name="draft_like")
    no_body(ib.api.delete(f"{BASE}/draft_like"), 204)
    assert ib.api.post(BASE, json=template(name="draft_like")).status_code == 201


def test_whatsapp_choices(server_factory, new_client):
    srv = server_factory(
        infobip=InfobipChoices(
            whatsapp_review_seconds=60,
            whatsapp_reject_marker="nope",
            whatsapp_duplicate_status=409,
            whatsapp_require_registered_sender=True,
            whatsapp_block_only_approved=False,
        )
    )
    c = new_client(srv.endpoints["infobip"], auth=None)
    c.headers["Authorization"] = "App k"
    admin = new_client(srv.admin_url, auth=None)
    legacy_error(c.post(BASE, json=template()), 404, "NOT_FOUND")  # unregistered sender
    assert admin.post("/_sandbox/infobip/k/whatsapp-senders", json={"sender": SENDER}).status_code == 201
    t = c.post(BASE, json=template(name="x_nope")).json()
    legacy_error(c.post(BASE, json=template(name="x_nope")), 409, "CONFLICT")
    admin.post("/_sandbox/clock", json={"advance_seconds": 30})
    assert c.get(f"{BASE}/{t['id']}").json()["status"] == "PENDING"
    admin.post("/_sandbox/clock", json={"advance_seconds": 31})
    assert c.get(f"{BASE}/{t['id']}").json()["status"] == "REJECTED"
    assert c.delete(f"{BASE}/x_nope").status_code == 204
    legacy_error(c.post(BASE, json=template(name="x_nope")), 400, "BAD_REQUEST")  # blocked although rejected
