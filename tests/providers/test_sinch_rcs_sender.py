"""sinch.rcs_sender: translation, merge patches, test-number sets, readiness per target, refusals (pure)."""

from __future__ import annotations

import pytest

from provisioner.kind import FieldChange, Intent
from provisioner.model import LiveObject, ReadinessState
from provisioner.plan import view
from provisioner.providers.sinch.rcs_sender import RcsSender, missing_requirements

KIND = RcsSender()


def test_to_spec_drops_server_metadata_and_reads_test_numbers_from_their_states():
    wire = {
        "id": "s1",
        "region": "EU",
        "billingCategory": "CONVERSATIONAL",
        "useCase": "OTP",
        "state": "IN_TEST",
        "details": {
            "brand": {"name": "Acme", "logoUrl": "https://l"},
            "testNumbers": ["+4600"],
            "questionnaire": {"general": {"answers": {"optInDescription": "x", "metadata": {"v": 2}}}},
        },
        "testNumberStates": [{"number": "+4911", "state": "VERIFIED"}, {"number": "+4600", "state": "PENDING"}],
        "authToken": "secret-ish",
    }
    assert KIND.to_spec(wire) == {
        "region": "EU",
        "billing_category": "CONVERSATIONAL",
        "use_case": "OTP",
        "details": {
            "brand": {"name": "Acme", "logo_url": "https://l"},
            "questionnaire": {"general": {"answers": {"opt_in_description": "x"}}},
        },
        "test_numbers": ["+4600", "+4911"],
    }


@pytest.mark.parametrize(
    "state, launched",
    [
        pytest.param("IN_TEST", False, id="in test: not launched"),
        pytest.param("PREPARING_LAUNCH", True, id="launch under way counts as launched (no second /launch)"),
        pytest.param("PENDING_LAUNCH", True, id="waiting for a video still counts as launch requested"),
        pytest.param("LAUNCHED", True, id="launched"),
    ],
)
def test_launch_is_read_from_the_state(state, launched):
    spec = KIND.to_spec(
        {"id": "s", "region": "EU", "billingCategory": "CONVERSATIONAL", "useCase": "OTP", "state": state}
    )
    assert spec.get("launch", False) is launched


def test_details_patch_is_a_merge_patch_of_changed_leaves():
    changes = [
        FieldChange("details.brand.name", "Old", "New"),
        FieldChange("details.brand.color", "#000000", None),  # removed from the manifest
        FieldChange("details.questionnaire.general.answers.opt_in_description", None, "At checkout"),
        FieldChange("details.countries", ["DE"], ["DE", "GB"]),
        FieldChange("test_numbers", [], ["+4911"]),  # not part of details
    ]
    assert KIND.details_patch(changes) == {
        "details": {
            "brand": {"name": "New", "color": None},
            "questionnaire": {"general": {"answers": {"optInDescription": "At checkout"}}},
            "countries": ["DE", "GB"],
        }
    }
    assert KIND.details_patch([FieldChange("launch", None, True)]) == {}


def test_normalize_treats_sets_as_sets_and_launch_false_as_unset():
    out = KIND.normalize({"test_numbers": ["+2", "+1", "+2"], "launch": False, "details": {"countries": ["gb", "DE"]}})
    assert out == {"test_numbers": ["+1", "+2"], "details": {"countries": ["DE", "GB"]}}
    assert "test_numbers" not in KIND.normalize({"test_numbers": []})


@pytest.mark.parametrize(
    "attrs, state, fragment",
    [
        pytest.param({"state": "IN_PROGRESS"}, ReadinessState.PENDING, "IN_PROGRESS", id="being set up"),
        pytest.param({"state": "IN_TEST"}, ReadinessState.READY, "", id="target IN_TEST reached"),
        pytest.param(
            {"state": "IN_TEST", "launch_requested": True},
            ReadinessState.PENDING,
            "launch requested",
            id="with launch declared, IN_TEST is not the target",
        ),
        pytest.param(
            {"state": "LAUNCHING", "launch_requested": True}, ReadinessState.PENDING, "launching", id="launch under way"
        ),
        pytest.param({"state": "LAUNCHED"}, ReadinessState.READY, "", id="launched"),
        pytest.param(
            {"state": "IN_TEST", "launch_error": "Sinch cannot launch it yet: missing x"},
            ReadinessState.FAILED,
            "missing x",
            id="a refused launch is the step's failure",
        ),
    ],
)
def test_readiness(attrs, state, fragment):
    result = KIND.ready(LiveObject("s1", {}, {"id": "s1", **attrs}))
    assert result.state is state and fragment in result.message


@pytest.mark.parametrize(
    "action, fragment",
    [
        pytest.param("delete", "has no delete for RCS senders", id="the API cannot delete a sender"),
        pytest.param("replace", "options.on_delete: retain", id="immutable fields: only a retained replacement"),
    ],
)
def test_refusal(action, fragment):
    message = KIND.refusal(action, {}, LiveObject("s1", {}, {"state": "IN_TEST"}))
    assert message and fragment in message


@pytest.mark.parametrize(
    "action, props, changes, writes",
    [
        pytest.param(
            "create",
            {"test_numbers": ["+1"], "launch": True},
            [],
            3,
            id="create, then (once in test) test numbers and launch",
        ),
        pytest.param("create", {}, [], 1, id="a bare sender is one POST"),
        pytest.param(
            "update",
            {},
            [FieldChange("details.brand.name", "a", "b"), FieldChange("details.brand.color", 1, 2)],
            1,
            id="any number of details changes is one PATCH",
        ),
        pytest.param(
            "update",
            {},
            [FieldChange("test_numbers", ["+1", "+2"], ["+2", "+3", "+4"])],
            2,
            id="one POST for the added numbers, one DELETE per removed one",
        ),
        pytest.param("update", {}, [FieldChange("launch", None, True)], 1, id="launch newly requested"),
        pytest.param(
            "update", {}, [FieldChange("launch", True, None)], 0, id="dropping launch changes nothing at Sinch"
        ),
    ],
)
def test_write_calls(action, props, changes, writes):
    assert KIND.write_calls(action, props, changes) == writes


def test_deferred_fields_are_the_ones_sinch_takes_only_in_test():
    assert KIND.deferred == {"test_numbers", "launch"}
    assert set(KIND.replace_on) == {"region", "billing_category", "use_case"}


def test_missing_requirements_use_manifest_field_names():
    body = {
        "errorCode": "launch_requirements_not_met",
        "message": "Launch requirements not met.",
        "additionalInformation": {
            "senderId": "s1",
            "missingRequirements": [
                "details.brand.privacyPolicyUrl",
                "details.questionnaire.us.answers (required for country US)",
            ],
        },
    }
    assert missing_requirements(body) == (
        "missing details.brand.privacy_policy_url; details.questionnaire.us.answers (required for country US)"
    )
    # without a list, the PAPI error itself is the explanation
    assert "resolution text" in missing_requirements({"errorCode": "x", "resolution": "resolution text"})


def test_recover_matches_immutable_fields_and_brand_name():
    props = {
        "region": "EU",
        "billing_category": "CONVERSATIONAL",
        "use_case": "OTP",
        "details": {"brand": {"name": "A"}},
    }
    intent = Intent("agent", KIND.kind, None, KIND.intent_match(props))
    ours = LiveObject("s1", KIND.normalize(props), {"id": "s1"})
    other = LiveObject("s2", {**props, "use_case": "PROMOTIONAL"}, {"id": "s2"})
    assert KIND.recover(intent, [other, ours]) is ours
    assert KIND.recover(intent, [other]) is None


def test_unchanged_manifest_meets_the_live_view():
    desired = {
        "region": "EU",
        "billing_category": "CONVERSATIONAL",
        "use_case": "OTP",
        "details": {"brand": {"name": "Acme"}, "countries": ["GB", "DE"]},
        "test_numbers": ["+4911"],
        "launch": True,
    }
    wire = {
        "id": "s",
        "region": "EU",
        "billingCategory": "CONVERSATIONAL",
        "useCase": "OTP",
        "state": "LAUNCHED",
        "details": {"brand": {"name": "Acme"}, "countries": ["DE", "GB"], "callbackUrl": ""},
        "testNumberStates": [{"number": "+4911", "state": "VERIFIED"}],
    }
    assert view(KIND, KIND.to_spec(wire)) == view(KIND, desired)
