"""WhatsApp senders (sinch.md §2.5) and RCS senders (§2.7) emulators: state machines on the sandbox clock, OTP
register/verify, RCS launch requirements, test numbers."""

from __future__ import annotations

from test_sinch_support import papi_error, sinch_fixture  # noqa: F401

from provisioner.sandbox.config import SinchChoices

WA = "/whatsapp/senders"
RCS = "/rcs/senders"


def wa_sender(sinch, phone="777777777", **extra) -> dict:
    body = {
        "countryCode": "48",
        "phoneNumber": phone,
        "details": {"displayName": "Shop", "vertical": "SHOPPING_AND_RETAIL"},
    }
    body.update(extra)
    r = sinch.prov.post(sinch.path(WA), json=body)
    assert r.status_code == 201, r.text
    return r.json()


def wa_get(sinch, sender_id) -> dict:
    r = sinch.prov.get(sinch.path(f"{WA}/{sender_id}"))
    assert r.status_code == 200, r.text
    return r.json()


# -- WhatsApp ----------------------------------------------------------------------------------------------------


def test_whatsapp_sender_lifecycle_with_otp(sinch):
    created = wa_sender(sinch)
    assert "state" not in created and created["changes"]["status"] == "IN_PROGRESS"
    assert created["changes"]["details"] == {"displayName": "Shop", "vertical": "SHOPPING_AND_RETAIL"}
    assert created["region"] == "EU" and created["businessManager"] == "SINCH_UK"
    assert created["countryCode"] == "48" and created["phoneNumber"] == "777777777" and "bearerToken" not in created
    sid = created["id"]
    register = sinch.path(f"{WA}/{sid}/register")
    papi_error(sinch.prov.post(register, json={"method": "SMS"}), 400, "invalid_state")
    sinch.advance(1.1)
    pending = wa_get(sinch, sid)
    assert pending["state"] == "PENDING_VERIFICATION" and "changes" not in pending
    assert pending["details"]["displayName"] == "Shop"
    verify = sinch.path(f"{WA}/{sid}/verify")
    papi_error(sinch.prov.post(verify, json={"code": "123456"}), 400, "invalid_state")  # register first
    papi_error(sinch.prov.post(register, json={"method": "FAX"}), 400, "invalid_input")
    r = sinch.prov.post(register, json={"method": "SMS"})
    assert r.status_code == 200
    reg = r.json()
    assert reg["id"] == sid and reg["method"] == "SMS" and reg["verificationCodeSent"] is True
    assert reg["accepted"].endswith("Z")
    otp = sinch.admin.get(sinch.admin_path(f"/senders/{sid}/otp")).json()
    assert len(otp["code"]) == 6 and otp["code"].isdigit() and otp["method"] == "SMS"
    body = papi_error(sinch.prov.post(verify, json={"code": "12345"}), 400, "invalid_input")
    assert "code must be exactly 6 characters" in body["additionalInformation"]["validationErrors"]
    papi_error(sinch.prov.post(verify, json={"code": "12 456"}), 400, "invalid_input")
    wrong = "000000" if otp["code"] != "000000" else "111111"
    papi_error(sinch.prov.post(verify, json={"code": wrong}), 400, "invalid_verification_code")
    r = sinch.prov.post(verify, json={"code": otp["code"]})
    assert r.status_code == 200
    active = wa_get(sinch, sid)
    assert active["state"] == "ACTIVE" and len(active["bearerToken"]) >= 32 and active["qualityRating"] == "GREEN"
    papi_error(sinch.prov.post(register, json={"method": "SMS"}), 400, "invalid_state")


def test_whatsapp_sender_fixed_otp(server_factory, new_client):
    srv = server_factory(sinch=SinchChoices(whatsapp_otp="424242", whatsapp_sender_processing_seconds=0))
    prov = new_client(srv.endpoints["sinch.provisioning"])
    sid = prov.post(
        "/v1/projects/p/whatsapp/senders",
        json={"countryCode": "1", "phoneNumber": "2015550100", "details": {"displayName": "X"}},
    ).json()["id"]
    assert prov.post(f"/v1/projects/p/whatsapp/senders/{sid}/register", json={"method": "VOICE"}).status_code == 200
    assert prov.post(f"/v1/projects/p/whatsapp/senders/{sid}/verify", json={"code": "424242"}).status_code == 200
    assert prov.get(f"/v1/projects/p/whatsapp/senders/{sid}").json()["state"] == "ACTIVE"


def test_whatsapp_sender_validation_and_conflicts(sinch):
    def errors(body):
        return papi_error(sinch.prov.post(sinch.path(WA), json=body), 400, "invalid_input")["additionalInformation"][
            "validationErrors"
        ]

    assert "details should not be empty" in errors({"countryCode": "48", "phoneNumber": "1"})
    assert "details.displayName should not be empty" in errors({"countryCode": "48", "phoneNumber": "1", "details": {}})
    assert any(
        "vertical" in e
        for e in errors({"countryCode": "48", "phoneNumber": "1", "details": {"displayName": "a", "vertical": "CARS"}})
    )
    assert any(
        "not available in region EU" in e
        for e in errors(
            {"countryCode": "48", "phoneNumber": "1", "details": {"displayName": "a"}, "businessManager": "SINCH_BR"}
        )
    )
    assert "phoneNumber should not be empty" in errors({"countryCode": "48", "details": {"displayName": "a"}})
    br = wa_sender(sinch, phone="111", region="BR")
    assert br["businessManager"] == "SINCH_BR"
    wa_sender(sinch)
    papi_error(
        sinch.prov.post(
            sinch.path(WA), json={"countryCode": "48", "phoneNumber": "777777777", "details": {"displayName": "b"}}
        ),
        409,
        "sender_exists",
    )


def test_whatsapp_sender_update_and_list(sinch):
    sid = wa_sender(sinch)["id"]
    papi_error(sinch.prov.patch(sinch.path(f"{WA}/{sid}"), json={"details": {"about": "x"}}), 400, "invalid_state")
    sinch.advance(1.1)
    r = sinch.prov.patch(sinch.path(f"{WA}/{sid}"), json={"details": {"about": "We sell", "vertical": None}})
    assert r.status_code == 200
    drafted = r.json()
    assert drafted["changes"]["status"] == "DRAFT"
    assert drafted["changes"]["details"] == {"displayName": "Shop", "about": "We sell"}  # null deleted vertical
    assert drafted["details"] == {"displayName": "Shop", "vertical": "SHOPPING_AND_RETAIL"}
    r = sinch.prov.patch(sinch.path(f"{WA}/{sid}"), json={"status": "SUBMIT", "details": {"email": "a@b.c"}})
    assert r.json()["changes"]["status"] == "IN_PROGRESS"
    sinch.advance(1.1)
    done = wa_get(sinch, sid)
    assert "changes" not in done and done["details"] == {"displayName": "Shop", "about": "We sell", "email": "a@b.c"}
    other = wa_sender(sinch, phone="888")["id"]
    body = sinch.prov.get(sinch.path(WA)).json()
    assert [s["id"] for s in body["senders"]] == [sid, other] and body["totalSize"] == 2 and body["pageSize"] == 50
    only = sinch.prov.get(sinch.path(WA), params={"filterStatuses": "IN_PROGRESS"}).json()["senders"]
    assert [s["id"] for s in only] == [other]
    pending = sinch.prov.get(sinch.path(WA), params={"filterStates": "PENDING_VERIFICATION"}).json()["senders"]
    assert [s["id"] for s in pending] == [sid]
    papi_error(sinch.prov.get(sinch.path(WA), params={"pageSize": 101}), 400, "invalid_input")
    page = sinch.prov.get(sinch.path(WA), params={"pageSize": 1}).json()
    assert len(page["senders"]) == 1 and page["nextPageToken"]


def test_whatsapp_sender_rejection_and_delete_grace(sinch):
    sid = wa_sender(sinch, details={"displayName": "REJECT-ME shop"})["id"]
    sinch.advance(1.1)
    rejected = wa_get(sinch, sid)
    assert rejected["changes"]["status"] == "REJECTED" and "state" not in rejected
    assert sinch.prov.delete(sinch.path(f"{WA}/{sid}")).status_code == 204
    assert sinch.prov.delete(sinch.path(f"{WA}/{sid}")).status_code == 204
    sinch.advance(29 * 86400)
    assert wa_get(sinch, sid)["id"] == sid  # usable for 30 days
    sinch.advance(2 * 86400)
    papi_error(sinch.prov.get(sinch.path(f"{WA}/{sid}")), 404, "not_found")
    papi_error(sinch.prov.post(sinch.path(f"{WA}/{sid}/register"), json={"method": "SMS"}), 404, "not_found")


# -- RCS --------------------------------------------------------------------------------------------------------

COMPLETE_DETAILS = {
    "brand": {
        "name": "Acme",
        "logoUrl": "https://cdn.example.com/logo.png",
        "bannerUrl": "https://cdn.example.com/banner.png",
        "privacyPolicyUrl": "https://example.com/privacy",
        "termsOfServiceUrl": "https://example.com/tos",
        "emails": [{"label": "Support", "address": "help@example.com"}],
    },
    "countries": ["SE"],
    "questionnaire": {
        "general": {"answers": {"optInDescription": "web form", "videoUris": ["https://example.com/v.mp4"]}},
        "verification": {
            "answers": {"name": "Ann", "email": "ann@example.com", "title": "CTO", "website": "https://example.com"}
        },
    },
}


def rcs_sender(sinch, details=None) -> dict:
    body = {"region": "EU", "billingCategory": "CONVERSATIONAL", "useCase": "MULTIUSE"}
    if details is not None:
        body["details"] = details
    r = sinch.prov.post(sinch.path(RCS), json=body)
    assert r.status_code == 201, r.text
    return r.json()


def rcs_get(sinch, sender_id) -> dict:
    r = sinch.prov.get(sinch.path(f"{RCS}/{sender_id}"))
    assert r.status_code == 200, r.text
    return r.json()


def test_rcs_launch_requires_the_checklist_then_progresses(sinch):
    created = rcs_sender(sinch, {"brand": {"name": "Acme"}})
    assert created["state"] == "IN_PROGRESS" and created["authName"] and created["authToken"]
    assert created["testNumberStates"] == [] and created["countryStatus"] == []
    sid = created["id"]
    sinch.advance(1.1)
    assert rcs_get(sinch, sid)["state"] == "IN_TEST"
    body = papi_error(sinch.prov.post(sinch.path(f"{RCS}/{sid}/launch"), json={}), 412, "launch_requirements_not_met")
    missing = body["additionalInformation"]["missingRequirements"]
    assert "details.brand.logoUrl" in missing and "details.brand.name" not in missing
    assert "details.countries (at least one)" in missing and "details.questionnaire.general.answers" in missing
    # Adding GB makes its questionnaire section a requirement.
    sinch.prov.patch(sinch.path(f"{RCS}/{sid}"), json={"details": {**COMPLETE_DETAILS, "countries": ["SE", "GB"]}})
    body = papi_error(sinch.prov.post(sinch.path(f"{RCS}/{sid}/launch"), json={}), 412, "launch_requirements_not_met")
    assert body["additionalInformation"]["missingRequirements"] == [
        "details.questionnaire.gb.answers (required for country GB)"
    ]
    sinch.prov.patch(sinch.path(f"{RCS}/{sid}"), json={"details": {"countries": ["SE"]}})
    r = sinch.prov.post(sinch.path(f"{RCS}/{sid}/launch"), json={})
    assert r.status_code == 200 and r.json()["state"] == "PREPARING_LAUNCH"
    assert r.json()["countryStatus"] == [{"country": "SE", "status": "PENDING", "operators": []}]
    papi_error(sinch.prov.post(sinch.path(f"{RCS}/{sid}/launch"), json={}), 400, "invalid_state")
    sinch.advance(1.1)
    assert rcs_get(sinch, sid)["state"] == "LAUNCHING"
    sinch.advance(1)
    launched = rcs_get(sinch, sid)
    assert launched["state"] == "LAUNCHED" and launched["countryStatus"][0]["status"] == "LAUNCHED"
    assert launched["launched"].endswith("Z")


def test_rcs_draft_and_pending_launch_without_video(sinch):
    sid = rcs_sender(sinch)["id"]
    assert rcs_get(sinch, sid)["state"] == "DRAFT"
    sinch.advance(60)
    assert rcs_get(sinch, sid)["state"] == "DRAFT"
    no_video = {
        **COMPLETE_DETAILS,
        "questionnaire": {**COMPLETE_DETAILS["questionnaire"], "general": {"answers": {"optInDescription": "x"}}},
    }
    assert sinch.prov.patch(sinch.path(f"{RCS}/{sid}"), json={"details": no_video}).json()["state"] == "IN_PROGRESS"
    body = papi_error(sinch.prov.post(sinch.path(f"{RCS}/{sid}/launch"), json={}), 400, "invalid_state")
    assert body["additionalInformation"]["state"] == "IN_PROGRESS"
    sinch.advance(1.1)
    assert sinch.prov.post(sinch.path(f"{RCS}/{sid}/launch")).json()["state"] == "PENDING_LAUNCH"
    sinch.advance(60)
    assert rcs_get(sinch, sid)["state"] == "PENDING_LAUNCH"
    patch = {"details": {"questionnaire": {"general": {"answers": {"videoUris": ["https://example.com/v.mp4"]}}}}}
    updated = sinch.prov.patch(sinch.path(f"{RCS}/{sid}"), json=patch).json()
    assert updated["state"] == "PREPARING_LAUNCH"
    assert updated["details"]["questionnaire"]["general"]["answers"] == {
        "optInDescription": "x",
        "videoUris": ["https://example.com/v.mp4"],
    }
    sinch.advance(2.1)
    assert rcs_get(sinch, sid)["state"] == "LAUNCHED"


def test_rcs_patch_only_details_with_deep_merge(sinch):
    sid = rcs_sender(sinch, COMPLETE_DETAILS)["id"]
    for field in ("region", "billingCategory", "useCase"):
        body = papi_error(sinch.prov.patch(sinch.path(f"{RCS}/{sid}"), json={field: "US"}), 400, "invalid_input")
        assert body["additionalInformation"]["validationErrors"] == [f"{field} cannot be updated"]
    papi_error(sinch.prov.patch(sinch.path(f"{RCS}/{sid}"), json={"colour": 1}), 400, "invalid_input")
    r = sinch.prov.patch(
        sinch.path(f"{RCS}/{sid}"),
        json={
            "details": {
                "brand": {
                    "color": "#112233",
                    "emails": [{"label": "Sales", "address": "s@example.com"}],
                    "logoUrl": None,
                }
            }
        },
    )
    brand = r.json()["details"]["brand"]
    assert brand["name"] == "Acme" and brand["color"] == "#112233"  # nested objects merge
    assert brand["emails"] == [{"label": "Sales", "address": "s@example.com"}]  # arrays replace
    assert "logoUrl" not in brand  # null deletes
    assert r.json()["region"] == "EU"
    papi_error(
        sinch.prov.patch(sinch.path(f"{RCS}/{sid}"), json={"details": {"brand": {"color": "red"}}}),
        400,
        "invalid_input",
    )


def test_rcs_create_validation_list_and_delete(sinch):
    body = papi_error(sinch.prov.post(sinch.path(RCS), json={"region": "APAC"}), 400, "invalid_input")
    errors = body["additionalInformation"]["validationErrors"]
    assert any(e.startswith("region must be one of") for e in errors)
    assert any(e.startswith("billingCategory") for e in errors) and any(e.startswith("useCase") for e in errors)
    a = rcs_sender(sinch, {"brand": {"name": "Bravo"}})["id"]
    b = rcs_sender(sinch, {"brand": {"name": "Alpha"}})["id"]
    c = rcs_sender(sinch)["id"]
    listed = sinch.prov.get(sinch.path(RCS)).json()
    assert [s["id"] for s in listed["senders"]] == [a, b, c] and listed["totalSize"] == 3
    by_name = sinch.prov.get(sinch.path(RCS), params={"sortColumn": "NAME", "sortDirection": "ASC"}).json()["senders"]
    assert [s["id"] for s in by_name] == [c, b, a]
    assert [s["id"] for s in sinch.prov.get(sinch.path(RCS), params={"filterStates": "DRAFT"}).json()["senders"]] == [c]
    assert [s["id"] for s in sinch.prov.get(sinch.path(RCS), params={"filterSenderName": "alp"}).json()["senders"]] == [
        b
    ]
    desc = sinch.prov.get(sinch.path(RCS), params={"sortDirection": "DESC"}).json()["senders"]
    assert [s["id"] for s in desc] == [c, b, a]
    papi_error(sinch.prov.get(sinch.path(RCS), params={"sortColumn": "SIZE"}), 400, "invalid_input")
    assert sinch.prov.delete(sinch.path(f"{RCS}/{a}")).status_code == 204
    papi_error(sinch.prov.get(sinch.path(f"{RCS}/{a}")), 404, "not_found")


def test_rcs_test_numbers(sinch):
    draft = rcs_sender(sinch)["id"]
    papi_error(
        sinch.prov.post(sinch.path(f"{RCS}/{draft}/testNumbers"), json={"testNumbers": ["+46701740001"]}),
        400,
        "no_google_supplier",
    )
    sid = rcs_sender(sinch, {"brand": {"name": "Acme"}})["id"]
    sinch.advance(1.1)
    r = sinch.prov.post(sinch.path(f"{RCS}/{sid}/testNumbers"), json={"testNumbers": ["+46701740001", "0701"]})
    assert r.status_code == 200
    added = {e["number"]: e for e in r.json()["testNumbers"]}
    assert added["+46701740001"]["state"] == "PENDING" and added["0701"]["state"] == "INVALID"
    assert added["+46701740001"]["submitted"].endswith("Z")
    sinch.advance(1.1)
    states = sinch.prov.get(sinch.path(f"{RCS}/{sid}/testNumbers")).json()["testNumbers"]
    assert {e["number"]: e["state"] for e in states} == {"+46701740001": "VERIFIED", "0701": "INVALID"}
    assert rcs_get(sinch, sid)["testNumberStates"] == states
    one = sinch.prov.get(sinch.path(f"{RCS}/{sid}/testNumbers/+46701740001"))
    assert one.status_code == 200 and one.json()["state"] == "VERIFIED"
    again = sinch.prov.post(sinch.path(f"{RCS}/{sid}/testNumbers"), json={"testNumbers": ["+46701740001"]}).json()
    assert again["testNumbers"][0]["state"] == "UNVERIFIED"  # re-adding re-invites
    assert sinch.prov.delete(sinch.path(f"{RCS}/{sid}/testNumbers/0701")).status_code == 204
    papi_error(sinch.prov.get(sinch.path(f"{RCS}/{sid}/testNumbers/0701")), 404, "not_found")
    papi_error(sinch.prov.post(sinch.path(f"{RCS}/{sid}/testNumbers"), json={"testNumbers": []}), 400, "invalid_input")
    many = [f"+4670174{i:04d}" for i in range(2, 30)]
    papi_error(
        sinch.prov.post(sinch.path(f"{RCS}/{sid}/testNumbers"), json={"testNumbers": many}),
        400,
        "rbm_too_many_requests",
    )
