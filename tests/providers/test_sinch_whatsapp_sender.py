"""sinch.whatsapp_sender: identity, pending edits, merge patches, readiness (pure)."""

from __future__ import annotations

import pytest

from provisioner.kind import FieldChange
from provisioner.model import LiveObject, ReadinessState
from provisioner.providers.sinch.whatsapp_sender import WhatsappSender

KIND = WhatsappSender()


@pytest.mark.parametrize(
    "wire, details",
    [
        pytest.param(
            {
                "id": "s",
                "countryCode": "48",
                "phoneNumber": "777",
                "state": "ACTIVE",
                "details": {"displayName": "Live", "email": None},
            },
            {"display_name": "Live"},
            id="the live profile, nulls dropped",
        ),
        pytest.param(
            {
                "id": "s",
                "countryCode": "48",
                "phoneNumber": "777",
                "state": "ACTIVE",
                "details": {"displayName": "Live"},
                "changes": {"status": "IN_PROGRESS", "details": {"displayName": "Edited", "about": "Hi"}},
            },
            {"display_name": "Edited", "about": "Hi"},
            id="an edit in review is compared (pending, not drift)",
        ),
        pytest.param(
            {
                "id": "s",
                "countryCode": "48",
                "phoneNumber": "777",
                "changes": {"status": "IN_PROGRESS", "details": {"displayName": "New"}},
            },
            {"display_name": "New"},
            id="a fresh sender has only changes",
        ),
    ],
)
def test_to_spec(wire, details):
    obj = KIND._live({**wire, "bearerToken": "never-kept"})
    assert obj.id == "48:777" and obj.attributes["id"] == "s"
    assert obj.properties["details"] == details
    assert "never-kept" not in repr(obj)  # the bearer token is a credential: not a property or attribute


def test_details_patch_sets_changed_leaves_and_nulls_removed_ones():
    changes = [FieldChange("details.display_name", "A", "B"), FieldChange("details.email", "x@y", None)]
    assert KIND.details_patch(changes) == {"displayName": "B", "email": None}


def test_create_payload_keeps_the_api_identity_fields():
    body = KIND.create_payload(
        {
            "country_code": "48",
            "phone_number": "777",
            "region": "EU",
            "details": {"display_name": "Acme", "vertical": "RETAIL"},
        }
    )
    assert body == {
        "countryCode": "48",
        "phoneNumber": "777",
        "region": "EU",
        "details": {"displayName": "Acme", "vertical": "RETAIL"},
    }


@pytest.mark.parametrize(
    "attrs, state, fragment",
    [
        pytest.param({"state": "ACTIVE"}, ReadinessState.READY, "", id="active"),
        pytest.param({"changes_status": "IN_PROGRESS"}, ReadinessState.PENDING, "in review", id="Meta processing"),
        pytest.param(
            {"state": "ACTIVE", "changes_status": "IN_PROGRESS"},
            ReadinessState.PENDING,
            "in review",
            id="an edit of an active sender in review",
        ),
        pytest.param(
            {"state": "PENDING_VERIFICATION"},
            ReadinessState.FAILED,
            "verify-sender",
            id="verification needs a person: fail fast with the command to run",
        ),
        pytest.param(
            {"state": "ACTIVE", "changes_status": "REJECTED"}, ReadinessState.FAILED, "REJECTED", id="a rejected edit"
        ),
        pytest.param({"state": "SUSPENDED"}, ReadinessState.FAILED, "SUSPENDED", id="suspended"),
    ],
)
def test_readiness(attrs, state, fragment):
    result = KIND.ready(LiveObject("48:777", {}, {"id": "s", **attrs}))
    assert result.state is state and fragment in result.message


@pytest.mark.parametrize(
    "action, paths, writes",
    [
        pytest.param("import", [], 0, id="adopting an identical sender makes no call"),
        pytest.param("import", ["details.about"], 1, id="adopting and editing the profile: one PATCH"),
        pytest.param("update", ["details.about", "details.email"], 1, id="one PATCH for any number of fields"),
    ],
)
def test_write_calls(action, paths, writes):
    assert KIND.write_calls(action, {}, [FieldChange(p, None, "x") for p in paths]) == writes


def test_declared_behaviour():
    assert KIND.non_fungible and KIND.default_on_delete.value == "retain"
    assert KIND.natural_id({"country_code": "48", "phone_number": "777"}) == "48:777"
    assert {"region", "business_manager", "meta_local_storage"} <= KIND.replace_on
