"""WhatsApp templates emulator (sinch.md §2.6): (name, language) keys, DRAFT/SUBMIT, Meta review on the sandbox
clock, pending change on an approved template, deleteSubmitted, 30-day tombstone."""

from __future__ import annotations

from test_sinch_support import papi_error, sinch_fixture  # noqa: F401

from provisioner.sandbox.config import SinchChoices

BASE = "/whatsapp/templates"


def details(text: str = "Hello {{1}}", **extra) -> dict:
    return {
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Hi"},
            {"type": "BODY", "text": text, "examples": ["Ann"]},
            {"type": "FOOTER", "text": "bye"},
        ],
        **extra,
    }


def create(
    sinch, name="order_update", language="EN_US", status="SUBMIT", category="UTILITY", body_text="Hello {{1}}", **extra
):
    body = {
        "name": name,
        "language": language,
        "category": category,
        "details": details(body_text),
        "status": status,
        **extra,
    }
    r = sinch.prov.post(sinch.path(BASE), json=body)
    assert r.status_code == 201, r.text
    return r.json()


def get(sinch, name="order_update", language="EN_US") -> dict:
    r = sinch.prov.get(sinch.path(f"{BASE}/{name}/languages/{language}"))
    assert r.status_code == 200, r.text
    return r.json()


def test_create_draft_is_the_default(sinch):
    r = sinch.prov.post(sinch.path(BASE), json={"name": "promo", "language": "EN", "category": "MARKETING"})
    assert r.status_code == 201
    assert r.json() == {
        "name": "promo",
        "language": "EN",
        "category": "MARKETING",
        "isMetaGenerated": False,
        "changes": {"status": "DRAFT", "allowCategoryChange": False},
    }
    sinch.advance(3600)
    assert get(sinch, "promo", "EN")["changes"]["status"] == "DRAFT"  # a draft is never reviewed


def test_create_default_status_is_configurable(server_factory, new_client):
    srv = server_factory(sinch=SinchChoices(template_create_status_default="SUBMIT"))
    prov = new_client(srv.endpoints["sinch.provisioning"])
    r = prov.post(
        "/v1/projects/p/whatsapp/templates",
        json={"name": "t", "language": "EN", "category": "UTILITY", "details": details()},
    )
    assert r.status_code == 201 and r.json()["changes"]["status"] == "IN_PROGRESS" and r.json()["state"] == "PENDING"


def test_create_validation(sinch):
    def errors(body: dict) -> list[str]:
        return papi_error(sinch.prov.post(sinch.path(BASE), json=body), 400, "invalid_input")["additionalInformation"][
            "validationErrors"
        ]

    ok = {"name": "t1", "language": "EN_US", "category": "UTILITY", "details": details(), "status": "SUBMIT"}
    assert any("language must be one of" in e for e in errors({**ok, "language": "en-us"}))
    assert any("category must be one of" in e for e in errors({**ok, "category": "OTP"}))
    assert any("name must match" in e for e in errors({**ok, "name": "Has Spaces"}))
    assert "details.components must contain a BODY component" in errors(
        {**ok, "details": {"components": [{"type": "FOOTER", "text": "x"}]}}
    )
    twice = {"components": [{"type": "BODY", "text": "a"}, {"type": "BODY", "text": "b"}]}
    assert "details.components can only have one entry of each type" in errors({**ok, "details": twice})
    assert "details should not be empty" in errors({k: v for k, v in ok.items() if k != "details"})
    assert "details.messageSendTtlSeconds must not be greater than 43200" in errors(
        {**ok, "details": details(messageSendTtlSeconds=99999)}
    )
    assert "property foo should not exist" in errors({**ok, "foo": 1})
    # A draft may be incomplete; saveDraftOnFailure turns a failing submit into a draft.
    r = sinch.prov.post(
        sinch.path(BASE), json={**ok, "status": "DRAFT", "details": {"components": [{"type": "FOOTER", "text": "x"}]}}
    )
    assert r.status_code == 201
    r = sinch.prov.post(
        sinch.path(BASE),
        json={
            **ok,
            "name": "t2",
            "details": {"components": [{"type": "FOOTER", "text": "x"}]},
            "saveDraftOnFailure": True,
        },
    )
    assert r.status_code == 201 and r.json()["changes"]["status"] == "DRAFT"


def test_submit_then_approved_after_the_review_delay(sinch):
    created = create(sinch)
    assert created["state"] == "PENDING" and created["changes"]["status"] == "IN_PROGRESS"
    assert created["changes"]["details"] == details() and "details" not in created and "whatsappId" not in created
    sinch.advance(0.5)
    assert get(sinch)["changes"]["status"] == "IN_PROGRESS"
    sinch.advance(0.6)
    approved = get(sinch)
    assert approved["state"] == "APPROVED" and "changes" not in approved
    assert approved["details"] == details() and approved["whatsappId"].isdigit()
    assert list(approved)[:3] == ["name", "language", "category"]


def test_rejection_rules(sinch):
    create(sinch, name="bad_body", body_text="Buy now REJECT-ME")
    create(sinch, name="rejected_by_name")
    create(sinch, name="fine")
    sinch.advance(2)
    for name in ("bad_body", "rejected_by_name"):
        rejected = get(sinch, name)
        assert rejected["state"] == "REJECTED" and rejected["changes"]["status"] == "REJECTED"
        assert rejected["rejectionCode"] == "INVALID_FORMAT" and "whatsappId" not in rejected
    assert get(sinch, "fine")["state"] == "APPROVED"
    # Fix and resubmit: PENDING again, then approved.
    r = sinch.prov.patch(
        sinch.path(f"{BASE}/bad_body/languages/EN_US"), json={"status": "SUBMIT", "details": details("Better")}
    )
    assert r.status_code == 200 and r.json()["state"] == "PENDING" and "rejectionCode" not in r.json()
    sinch.advance(2)
    assert get(sinch, "bad_body")["state"] == "APPROVED"


def test_pending_change_on_an_approved_template(sinch):
    create(sinch)
    sinch.advance(2)
    old_id = get(sinch)["whatsappId"]
    # PATCH without status: the change is saved as a draft, the approved version stays live.
    r = sinch.prov.patch(sinch.path(f"{BASE}/order_update/languages/EN_US"), json={"details": details("New text")})
    assert r.status_code == 200
    drafted = r.json()
    assert drafted["state"] == "APPROVED" and drafted["details"] == details()
    assert drafted["changes"] == {"status": "DRAFT", "allowCategoryChange": False, "details": details("New text")}
    # Category of an approved template does not change (only drafts or INCORRECT_CATEGORY rejections).
    r = sinch.prov.patch(
        sinch.path(f"{BASE}/order_update/languages/EN_US"), json={"category": "MARKETING", "status": "SUBMIT"}
    )
    submitted = r.json()
    assert submitted["category"] == "UTILITY"
    assert submitted["state"] == "APPROVED" and submitted["changes"]["status"] == "IN_PROGRESS"
    assert submitted["details"] == details() and submitted["changes"]["details"] == details("New text")
    papi_error(
        sinch.prov.patch(sinch.path(f"{BASE}/order_update/languages/EN_US"), json={"details": details("x")}),
        400,
        "invalid_state",
    )
    sinch.advance(2)
    done = get(sinch)
    assert "changes" not in done and done["details"] == details("New text") and done["whatsappId"] == old_id
    # A rejected change on an approved template keeps the live version and state.
    sinch.prov.patch(
        sinch.path(f"{BASE}/order_update/languages/EN_US"), json={"status": "SUBMIT", "details": details("REJECT-ME")}
    )
    sinch.advance(2)
    after = get(sinch)
    assert after["state"] == "APPROVED" and after["changes"]["status"] == "REJECTED"
    assert after["details"] == details("New text") and after["rejectionCode"] == "INVALID_FORMAT"


def test_category_changes_on_drafts(sinch):
    create(sinch, name="draft_one", status="DRAFT")
    r = sinch.prov.patch(
        sinch.path(f"{BASE}/draft_one/languages/EN_US"), json={"category": "MARKETING", "allowCategoryChange": True}
    )
    assert r.json()["category"] == "MARKETING" and r.json()["changes"]["allowCategoryChange"] is True
    assert r.json()["changes"]["details"] == details()  # kept from the draft


def test_list_filters_field_mask_and_pagination(sinch):
    create(sinch, name="zeta")
    create(sinch, name="alpha", language="DE")
    create(sinch, name="alpha", language="EN")
    create(sinch, name="mid", status="DRAFT")
    sinch.advance(2)
    body = sinch.prov.get(sinch.path(BASE)).json()
    assert [(t["name"], t["language"]) for t in body["templates"]] == [
        ("alpha", "DE"),
        ("alpha", "EN"),
        ("mid", "EN_US"),
        ("zeta", "EN_US"),
    ]
    assert body["totalSize"] == 4 and body["pageSize"] == 50
    page = sinch.prov.get(sinch.path(BASE), params={"pageSize": 3}).json()
    assert len(page["templates"]) == 3 and page["nextPageToken"]
    rest = sinch.prov.get(sinch.path(BASE), params={"pageSize": 3, "pageToken": page["nextPageToken"]}).json()
    assert [t["name"] for t in rest["templates"]] == ["zeta"]
    papi_error(sinch.prov.get(sinch.path(BASE), params={"pageSize": 1001}), 400, "invalid_input")
    papi_error(sinch.prov.get(sinch.path(BASE), params={"pageSize": 0}), 400, "invalid_input")
    assert sinch.prov.get(sinch.path(BASE), params={"pageSize": 1000}).status_code == 200
    approved = sinch.prov.get(sinch.path(BASE), params={"filterStates": "APPROVED"}).json()["templates"]
    assert {t["name"] for t in approved} == {"alpha", "zeta"}
    drafts = sinch.prov.get(sinch.path(BASE), params=[("filterStatuses", "DRAFT")]).json()["templates"]
    assert [t["name"] for t in drafts] == ["mid"]
    assert [t["name"] for t in sinch.prov.get(sinch.path(BASE), params={"templateName": "et"}).json()["templates"]] == [
        "zeta"
    ]
    masked = sinch.prov.get(sinch.path(BASE), params=[("fieldMask", "state"), ("fieldMask", "changes.status")]).json()
    assert masked["templates"][0] == {"name": "alpha", "language": "DE", "state": "APPROVED"}
    assert masked["templates"][2] == {"name": "mid", "language": "EN_US", "changes": {"status": "DRAFT"}}
    papi_error(sinch.prov.get(sinch.path(BASE), params={"fieldMask": "secret"}), 400, "invalid_input")
    papi_error(sinch.prov.get(sinch.path(BASE), params={"filterStates": "GONE"}), 400, "invalid_input")
    by_name = sinch.prov.get(sinch.path(f"{BASE}/alpha")).json()
    assert [t["language"] for t in by_name["templates"]] == ["DE", "EN"] and by_name["totalSize"] == 2
    papi_error(sinch.prov.get(sinch.path(f"{BASE}/nothing")), 404, "not_found")
    body = papi_error(sinch.prov.get(sinch.path(f"{BASE}/alpha/languages/FR")), 404, "not_found")
    assert body["additionalInformation"] == {"templateName": "alpha", "languageCode": "FR"}


def test_duplicate_name_and_language(sinch):
    create(sinch, status="DRAFT")
    r = sinch.prov.post(sinch.path(BASE), json={"name": "order_update", "language": "EN_US", "category": "UTILITY"})
    papi_error(r, 409, "template_exists")
    create(sinch, language="EN_GB", status="DRAFT")  # another language of the same name is another template


def test_delete_language_needs_delete_submitted(sinch):
    create(sinch, name="draft_only", status="DRAFT")
    assert sinch.prov.delete(sinch.path(f"{BASE}/draft_only/languages/EN_US")).status_code == 204
    papi_error(sinch.prov.get(sinch.path(f"{BASE}/draft_only/languages/EN_US")), 404, "not_found")
    create(sinch)
    r = sinch.prov.delete(sinch.path(f"{BASE}/order_update/languages/EN_US"))
    body = papi_error(r, 400, "template_submitted")
    assert body["additionalInformation"] == {"templateName": "order_update", "languageCode": "EN_US"}
    sinch.advance(2)
    # An approved template with a draft change: the default delete removes only the draft.
    sinch.prov.patch(sinch.path(f"{BASE}/order_update/languages/EN_US"), json={"details": details("draft")})
    assert sinch.prov.delete(sinch.path(f"{BASE}/order_update/languages/EN_US")).status_code == 204
    kept = get(sinch)
    assert kept["state"] == "APPROVED" and "changes" not in kept
    papi_error(sinch.prov.delete(sinch.path(f"{BASE}/order_update/languages/EN_US")), 400, "template_submitted")
    r = sinch.prov.delete(sinch.path(f"{BASE}/order_update/languages/EN_US"), params={"deleteSubmitted": "true"})
    assert r.status_code == 204
    papi_error(sinch.prov.get(sinch.path(f"{BASE}/order_update/languages/EN_US")), 404, "not_found")


def test_tombstone_after_deleting_an_approved_template(sinch):
    create(sinch)
    create(sinch, name="never_approved", body_text="REJECT-ME")
    sinch.advance(2)
    for name in ("order_update", "never_approved"):
        r = sinch.prov.delete(sinch.path(f"{BASE}/{name}/languages/EN_US"), params={"deleteSubmitted": "true"})
        assert r.status_code == 204
    r = sinch.prov.post(sinch.path(BASE), json={"name": "order_update", "language": "EN_US", "category": "UTILITY"})
    body = papi_error(r, 409, "template_name_locked")
    assert body["additionalInformation"]["templateName"] == "order_update"
    assert body["additionalInformation"]["lockedUntil"].endswith("Z")
    create(sinch, language="EN_GB", status="DRAFT")  # the lock is per (name, language)
    create(sinch, name="never_approved", status="DRAFT")  # a rejected template leaves no lock
    locks = sinch.admin.get(sinch.admin_path("/template-locks")).json()
    assert [(x["name"], x["language"]) for x in locks] == [("order_update", "EN_US")]
    sinch.advance(29 * 86400)
    papi_error(
        sinch.prov.post(sinch.path(BASE), json={"name": "order_update", "language": "EN_US", "category": "UTILITY"}),
        409,
        "template_name_locked",
    )
    sinch.advance(2 * 86400)
    create(sinch, status="DRAFT")


def test_delete_by_name_removes_every_language(sinch):
    create(sinch, language="EN_US")
    create(sinch, language="DE", status="DRAFT")
    create(sinch, name="other", status="DRAFT")
    sinch.advance(2)
    assert sinch.prov.delete(sinch.path(f"{BASE}/order_update")).status_code == 204
    assert [t["name"] for t in sinch.prov.get(sinch.path(BASE)).json()["templates"]] == ["other"]
    papi_error(sinch.prov.delete(sinch.path(f"{BASE}/order_update")), 404, "not_found")
    papi_error(
        sinch.prov.post(sinch.path(BASE), json={"name": "order_update", "language": "EN_US", "category": "UTILITY"}),
        409,
        "template_name_locked",
    )
    create(sinch, language="DE", status="DRAFT")  # DE was only a draft: no lock


def test_admin_forces_a_review_outcome(sinch):
    create(sinch, name="fast")
    r = sinch.admin.post(
        sinch.admin_path("/templates/fast/EN_US/review"),
        json={"outcome": "REJECTED", "rejection_code": "SCAM"},
    )
    assert r.status_code == 200, r.text
    now = get(sinch, "fast")
    assert now["changes"]["status"] == "REJECTED" and now["rejectionCode"] == "SCAM" and now["state"] == "REJECTED"
    sinch.advance(5)
    assert get(sinch, "fast")["state"] == "REJECTED"  # the scheduled verdict was replaced, not replayed
    assert (
        sinch.admin.post(sinch.admin_path("/templates/fast/EN_US/review"), json={"outcome": "APPROVED"}).status_code
        == 409
    )
    sinch.prov.patch(sinch.path(f"{BASE}/fast/languages/EN_US"), json={"status": "SUBMIT"})
    r = sinch.admin.post(sinch.admin_path("/templates/fast/en_us/review"), json={"outcome": "APPROVED"})
    assert r.status_code == 200 and r.json()["state"] == "APPROVED"
    assert (
        sinch.admin.post(sinch.admin_path("/templates/fast/EN_US/review"), json={"outcome": "MAYBE"}).status_code == 400
    )
