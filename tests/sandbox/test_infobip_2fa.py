"""2FA applications and message templates (infobip.md §3.3): 201 create with the spec's configuration defaults,
full-replace PUT, template rules, no DELETE."""

from __future__ import annotations

import re

from test_infobip_support import api_error, infobip_fixture, legacy_error  # noqa: F401

from provisioner.sandbox import InfobipChoices

APPS = "/2fa/2/applications"
DEFAULTS = {
    "pinAttempts": 10,
    "allowMultiplePinVerifications": True,
    "pinTimeToLive": "15m",
    "verifyPinLimit": "1/3s",
    "sendPinPerApplicationLimit": "10000/1d",
    "sendPinPerPhoneNumberLimit": "3/1d",
}


def test_create_with_defaults_get_list(ib):
    r = ib.api.post(APPS, json={"name": "login"})
    assert r.status_code == 201
    app = r.json()
    assert list(app) == ["applicationId", "name", "configuration", "enabled"]
    assert re.fullmatch(r"[0-9A-F]{32}", app["applicationId"])
    assert app["configuration"] == DEFAULTS and app["enabled"] is True
    partial = ib.api.post(
        APPS, json={"name": "reset", "enabled": False, "configuration": {"pinAttempts": 5, "pinTimeToLive": "10m"}}
    ).json()
    assert partial["configuration"] == {**DEFAULTS, "pinAttempts": 5, "pinTimeToLive": "10m"}
    assert partial["enabled"] is False
    assert ib.api.get(f"{APPS}/{app['applicationId']}").json() == app
    assert ib.api.get(APPS).json() == [app, partial]  # bare array, creation order
    ib.api.post(APPS, json={"name": "login"})  # names need not be unique
    assert len(ib.api.get(APPS).json()) == 3
    legacy_error(ib.api.get(f"{APPS}/{'0' * 32}"), 404, "NOT_FOUND")


def test_put_replaces_the_application(ib):
    app = ib.api.post(APPS, json={"name": "a", "configuration": {"pinAttempts": 3, "verifyPinLimit": "2/4s"}}).json()
    r = ib.api.put(f"{APPS}/{app['applicationId']}", json={"name": "b", "configuration": {"pinTimeToLive": "2h"}})
    assert r.status_code == 200
    assert r.json() == {
        "applicationId": app["applicationId"],
        "name": "b",
        "configuration": {**DEFAULTS, "pinTimeToLive": "2h"},
        "enabled": True,
    }
    exc = legacy_error(ib.api.put(f"{APPS}/{app['applicationId']}", json={"enabled": False}), 400, "BAD_REQUEST")
    assert exc["validationErrors"] == {"name": ["must not be null"]}
    legacy_error(ib.api.put(f"{APPS}/{'1' * 32}", json={"name": "x"}), 404, "NOT_FOUND")


def test_configuration_formats_are_validated(ib):
    bad = {
        "pinAttempts": 0,
        "pinTimeToLive": "15 minutes",
        "verifyPinLimit": "1/2d",  # more than one day
        "sendPinPerApplicationLimit": "many",
        "sendPinPerPhoneNumberLimit": "3/400d",  # more than one year
    }
    exc = legacy_error(ib.api.post(APPS, json={"name": "x", "configuration": bad}), 400, "BAD_REQUEST")
    assert set(exc["validationErrors"]) == {f"configuration.{k}" for k in bad}
    ok = {"pinTimeToLive": "m", "verifyPinLimit": "3/s", "sendPinPerApplicationLimit": "100/365d"}
    assert ib.api.post(APPS, json={"name": "x", "configuration": ok}).status_code == 201
    legacy_error(ib.api.post(APPS, json={}), 400, "BAD_REQUEST")


def test_no_delete(ib):
    app = ib.api.post(APPS, json={"name": "x"}).json()
    api_error(ib.api.delete(f"{APPS}/{app['applicationId']}"), 405, "E405")
    msg = ib.api.post(f"{APPS}/{app['applicationId']}/messages", json={"messageText": "{{pin}}", "pinType": "HEX"})
    api_error(ib.api.delete(f"{APPS}/{app['applicationId']}/messages/{msg.json()['messageId']}"), 405, "E405")


def test_message_templates(ib):
    app = ib.api.post(APPS, json={"name": "x"}).json()["applicationId"]
    base = f"{APPS}/{app}/messages"
    r = ib.api.post(base, json={"messageText": "Your pin is {{pin}}", "pinType": "NUMERIC", "senderId": "Acme"})
    assert r.status_code == 200
    msg = r.json()
    assert msg == {
        "messageId": msg["messageId"],
        "applicationId": app,
        "pinPlaceholder": "{{pin}}",
        "messageText": "Your pin is {{pin}}",
        "pinLength": 4,
        "pinType": "NUMERIC",
        "senderId": "Acme",
    }
    voice = ib.api.post(
        base,
        json={
            "messageText": "Code {{pin}}, {{name}}",
            "pinType": "ALPHANUMERIC",
            "pinLength": 6,
            "language": "de",
            "voiceName": "Hans",
            "repeatDTMF": "1#",
            "speechRate": 1.5,
        },
    ).json()
    assert voice["language"] == "de" and voice["speechRate"] == 1.5
    assert ib.api.get(f"{base}/{msg['messageId']}").json() == msg
    r = ib.api.put(f"{base}/{msg['messageId']}", json={"pinLength": 6})  # merge: other members stay
    assert r.status_code == 200 and r.json() == {**msg, "pinLength": 6}
    email = ib.api.post(f"{APPS}/{app}/email/messages", json={"emailTemplateId": 1234, "from": "a@b.c"})
    assert email.status_code == 200
    assert email.json() == {
        "messageId": email.json()["messageId"],
        "applicationId": app,
        "pinLength": 4,
        "pinType": "NUMERIC",
        "from": "a@b.c",
        "emailTemplateId": 1234,
    }
    r = ib.api.put(f"{APPS}/{app}/email/messages/{email.json()['messageId']}", json={"pinType": "HEX"})
    assert r.json()["pinType"] == "HEX" and r.json()["emailTemplateId"] == 1234
    assert [m["messageId"] for m in ib.api.get(base).json()] == [
        msg["messageId"],
        voice["messageId"],
        email.json()["messageId"],
    ]
    # validation
    exc = legacy_error(
        ib.api.post(base, json={"messageText": "no placeholder", "pinType": "NUMERIC"}), 400, "BAD_REQUEST"
    )
    assert "messageText" in exc["validationErrors"]
    exc = legacy_error(ib.api.post(base, json={"messageText": "{{pin}}"}), 400, "BAD_REQUEST")
    assert exc["validationErrors"] == {"pinType": ["must not be null"]}
    bad = {"messageText": "{{pin}}", "pinType": "EMOJI", "language": "xx", "speechRate": 3}
    assert set(legacy_error(ib.api.post(base, json=bad), 400, "BAD_REQUEST")["validationErrors"]) == {
        "pinType",
        "language",
        "speechRate",
    }
    legacy_error(ib.api.post(f"{APPS}/{app}/email/messages", json={}), 400, "BAD_REQUEST")
    legacy_error(ib.api.get(f"{base}/{'F' * 32}"), 404, "NOT_FOUND")
    legacy_error(
        ib.api.post(f"{APPS}/{'E' * 32}/messages", json={"messageText": "{{pin}}", "pinType": "HEX"}), 404, "NOT_FOUND"
    )
    other = ib.api.post(APPS, json={"name": "y"}).json()["applicationId"]
    legacy_error(ib.api.get(f"{APPS}/{other}/messages/{msg['messageId']}"), 404, "NOT_FOUND")


def test_create_status_is_configurable(server_factory, new_client):
    srv = server_factory(infobip=InfobipChoices(tfa_create_status=200))
    c = new_client(srv.endpoints["infobip"], auth=None)
    c.headers["Authorization"] = "App k"
    r = c.post(APPS, json={"name": "compat"})
    assert r.status_code == 200 and r.json()["configuration"] == DEFAULTS
