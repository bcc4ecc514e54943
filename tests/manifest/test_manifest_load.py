"""Good manifests load into the exact ``Manifest`` the engine expects."""

from __future__ import annotations

import hashlib
import socket
import textwrap
from pathlib import Path

import pytest

from provisioner.errors import ManifestError
from provisioner.manifest import load_manifest, parse_duration
from provisioner.model import Location, OnDelete, Ref, Secret, Template

GOOD = Path(__file__).resolve().parent / "good"
ENV = {
    "VONAGE_API_KEY": "key-123",
    "VONAGE_API_SECRET": "vonage-secret-value",
    "SINCH_KEY_ID": "sinch-key-id-value",
    "SINCH_KEY_SECRET": "sinch-secret-value",
    "INFOBIP_API_KEY": "infobip-key-value",
    "PROVISION_STATE_URL": "postgresql://u:db-password@localhost/provision",
}


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def load_text(tmp_path: Path, text: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return load_manifest([write(tmp_path, "manifest.yaml", text)], env=env or {})


# ---------------------------------------------------------------- the DESIGN §1 example


def test_design_example_loads() -> None:
    m = load_manifest([GOOD / "design.yaml"], env=ENV)
    assert m.files == ((GOOD / "design.yaml").resolve(),)
    assert m.base_dir == GOOD.resolve()
    assert list(m.resources) == ["support-app", "support-number"]

    app = m.resources["support-app"]
    assert app.kind == "vonage.application" and app.provider == "vonage"
    assert app.properties["capabilities"]["voice"]["webhooks"]["answer_url"] == {
        "address": "https://example.com/answer",
        "http_method": "GET",
    }
    assert app.properties["private_key_path"] == "secrets/support-app.key"
    assert app.location.line == 20 and app.location.column == 3

    number = m.resources["support-number"]
    assert number.properties["app_id"] == Ref("support-app", "id")
    assert number.properties["app_id"].location.line == 35
    assert number.dependencies() == {"support-app"}
    assert number.options.protect is True
    assert number.options.ignore_changes == ("mo_http_url",)
    assert number.options.depends_on == ()
    assert number.field_locations["msisdn"].line == 34
    assert set(number.field_locations) == {"country", "msisdn", "app_id"}

    assert m.state == {"backend": "postgres", "url": ENV["PROVISION_STATE_URL"]}
    assert isinstance(m.state["url"], Secret)  # came from ${env:...}
    assert m.providers["sinch"]["region"] == "us"
    assert len(m.content_hash) == 64


def test_provider_secrets_are_wrapped_and_never_printed() -> None:
    m = load_manifest([GOOD / "design.yaml"], env=ENV)
    vonage, sinch, infobip = m.providers["vonage"], m.providers["sinch"], m.providers["infobip"]
    for value in (
        vonage["api_key"],
        vonage["api_secret"],
        sinch["key_id"],
        sinch["key_secret"],
        infobip["api_key"],
    ):
        assert isinstance(value, Secret)
    assert vonage["api_secret"] == "vonage-secret-value"  # still usable on the wire
    assert vonage["api_secret"].reveal() == "vonage-secret-value"
    # literal, non-credential settings stay plain strings
    assert type(sinch["project_id"]) is str and type(infobip["base_url"]) is str
    shown = repr(m.providers) + repr(m.state) + repr(m)
    for secret in ENV.values():
        assert secret not in shown


def test_secret_looking_keys_are_wrapped_even_when_literal(tmp_path: Path) -> None:
    m = load_text(
        tmp_path,
        """
        version: 1
        providers:
          vonage: {api_key: literal-key, api_secret: literal-secret, base_url: "${env:BASE:-http://x.test}"}
        """,
    )
    assert isinstance(m.providers["vonage"]["api_key"], Secret)
    assert isinstance(m.providers["vonage"]["api_secret"], Secret)
    assert isinstance(m.providers["vonage"]["base_url"], Secret)  # from ${env:...}, even via its default
    assert "literal-secret" not in repr(m.providers)


# ---------------------------------------------------------------- several files


def test_directory_means_every_yaml_file_in_it_sorted() -> None:
    m = load_manifest([GOOD / "multi"], env={})
    assert [p.name for p in m.files] == ["10-providers.yaml", "20-apps.yaml", "30-numbers.yml"]
    assert m.base_dir == (GOOD / "multi").resolve()
    assert list(m.resources) == ["sales-app", "support-app", "support-number", "sales-number"]
    assert m.providers["vonage"]["api_key"] == "sandbox-key"
    assert m.state == {"backend": "local", "path": ".provision"}
    number = m.resources["support-number"]
    assert number.properties["app_id"] == Ref("support-app", "id")
    assert number.properties["mo_http_url"] == ""
    assert number.options.on_delete is OnDelete.RETAIN
    assert number.options.timeouts == {"create": 120.0, "ready": 5400.0}
    assert number.location.file.endswith("30-numbers.yml")
    sales = m.resources["sales-number"]
    assert sales.properties["country"] == "NO"
    assert sales.options.depends_on == ("sales-app",)
    assert sales.dependencies() == {"sales-app"}
    assert m.resources["support-app"].properties["capabilities"]["vbc"] == {}


def test_files_can_be_listed_one_by_one(tmp_path: Path) -> None:
    a = write(
        tmp_path,
        "a.yaml",
        "version: 1\nresources:\n  app: {type: vonage.application, properties: {name: A}}\n",
    )
    b = write(
        tmp_path / "sub",
        "b.yaml",
        "version: 1\nresources:\n  num:\n    type: vonage.number\n"
        "    properties: {country: GB, msisdn: '447700900001', app_id: '${app.id}'}\n",
    )
    m = load_manifest([a, str(b)], env={})
    assert m.files == (a.resolve(), b.resolve())
    assert m.base_dir == tmp_path.resolve()
    assert list(m.resources) == ["app", "num"]
    assert load_manifest(a, env={}).files == (a.resolve(),)  # one path on its own is accepted too


def test_same_file_twice_is_loaded_once(tmp_path: Path) -> None:
    a = write(
        tmp_path,
        "a.yaml",
        "version: 1\nresources:\n  app: {type: vonage.application, properties: {name: A}}\n",
    )
    m = load_manifest([a, tmp_path], env={})
    assert m.files == (a.resolve(),)


def test_different_provider_blocks_across_files_are_an_issue(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "version: 1\nproviders:\n  vonage: {api_key: k, api_secret: s}\n")
    write(tmp_path, "b.yaml", "version: 1\nproviders:\n  vonage: {api_key: k, api_secret: other}\n")
    with pytest.raises(ManifestError) as info:
        load_manifest([tmp_path], env={})
    (issue,) = info.value.issues
    assert issue.file.endswith("b.yaml") and (issue.line, issue.column) == (3, 3)
    assert "differs from the one at" in issue.message and "a.yaml:3:3" in issue.message


def test_missing_paths_and_empty_directories_are_issues(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ManifestError) as info:
        load_manifest([tmp_path / "nope.yaml", tmp_path / "empty"], env={})
    messages = [str(i) for i in info.value.issues]
    assert any("nope.yaml: no such file or directory" in m for m in messages)
    assert any("empty: no *.yaml or *.yml files" in m for m in messages)


def test_a_manifest_without_resources_is_valid(tmp_path: Path) -> None:
    m = load_text(tmp_path, "version: 1\n")
    assert m.resources == {} and m.providers == {} and m.state is None


def test_content_hash_covers_bytes_and_relative_names(tmp_path: Path) -> None:
    text = "version: 1\nresources: {}\n"
    first = load_text(tmp_path, text).content_hash
    assert load_text(tmp_path, text).content_hash == first
    assert load_text(tmp_path, text + "# comment\n").content_hash != first
    expected = hashlib.sha256(f"manifest.yaml\0{len(text)}\0{text}".encode()).hexdigest()
    assert first == expected


# ---------------------------------------------------------------- interpolation


def test_env_default_and_empty_values(tmp_path: Path) -> None:
    text = """
        version: 1
        resources:
          app:
            type: vonage.application
            properties:
              name: "${env:APP_NAME:-Support line}"
              private_key_path: ${env:KEY_DIR:-}keys/app.key
        """
    assert load_text(tmp_path, text).resources["app"].properties["name"] == "Support line"
    m = load_text(tmp_path, text, env={"APP_NAME": "Sales", "KEY_DIR": "/etc/"})
    assert m.resources["app"].properties == {"name": "Sales", "private_key_path": "/etc/keys/app.key"}
    # like the shell's ${NAME:-default}, an empty variable takes the default
    assert (
        load_text(tmp_path, text, env={"APP_NAME": ""}).resources["app"].properties["name"] == "Support line"
    )


def test_unset_or_empty_env_says_how_to_fix_it(tmp_path: Path) -> None:
    text = "version: 1\nproviders:\n  vonage: {api_key: '${env:MY_KEY}', api_secret: s}\n"
    for env in ({}, {"MY_KEY": ""}):
        with pytest.raises(ManifestError) as info:
            load_text(tmp_path, text, env=env)
        (issue,) = info.value.issues  # no second "must not be empty" for the stand-in value
        assert issue.path == "providers.vonage.api_key"
        assert "environment variable MY_KEY is not set" in issue.message
        assert "export MY_KEY=" in issue.message


def test_file_interpolation_is_relative_to_the_manifest_and_verbatim(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pem = (
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n"
    )
    write(tmp_path / "conf", "keys/app.pub", pem)
    manifest = write(
        tmp_path / "conf",
        "app.yaml",
        """
        version: 1
        resources:
          app:
            type: vonage.application
            properties: {name: App, public_key: "${file:keys/app.pub}"}
        """,
    )
    monkeypatch.chdir(tmp_path)  # the working directory does not matter
    m = load_manifest(["conf/app.yaml"], env={})
    assert m.resources["app"].properties["public_key"] == pem
    assert m.files == (manifest.resolve(),)


def test_references_and_templates(tmp_path: Path) -> None:
    m = load_text(
        tmp_path,
        """
        version: 1
        resources:
          app:
            type: vonage.application
            properties:
              name: App
              capabilities: {voice: {region: eu-west}}
          other:
            type: vonage.application
            properties:
              name: "Copy of ${app.name} in ${app.capabilities.voice.region}"
              capabilities:
                voice:
                  webhooks:
                    answer_url: {address: "https://example.com/${app.id}/answer?x=$${literal}"}
          num:
            type: vonage.number
            properties: {country: GB, msisdn: "447700900001", app_id: "${app.id}"}
        """,
        env={},
    )
    other = m.resources["other"].properties
    assert other["name"] == Template(
        ("Copy of ", Ref("app", "name"), " in ", Ref("app", "capabilities.voice.region"))
    )
    answer = other["capabilities"]["voice"]["webhooks"]["answer_url"]["address"]
    assert answer == Template(("https://example.com/", Ref("app", "id"), "/answer?x=${literal}"))
    assert m.resources["num"].properties["app_id"] == Ref("app", "id")
    assert m.resources["other"].dependencies() == {"app"}


def test_escaped_dollar_brace_is_a_literal(tmp_path: Path) -> None:
    m = load_text(
        tmp_path,
        "version: 1\nresources:\n  app:\n    type: vonage.application\n"
        "    properties: {name: 'cost $${price} ${env:C:-x}'}\n",
    )
    assert m.resources["app"].properties["name"] == "cost ${price} x"


def test_ref_location_points_at_the_string(tmp_path: Path) -> None:
    m = load_text(
        tmp_path,
        """
        version: 1
        resources:
          app: {type: vonage.application, properties: {name: A}}
          num:
            type: vonage.number
            properties:
              country: GB
              msisdn: "447700900001"
              app_id: ${app.id}
        """,
    )
    ref = m.resources["num"].properties["app_id"]
    assert ref.location == Location(ref.location.file, 9, 15)
    assert ref.location.file.endswith("manifest.yaml")


# ---------------------------------------------------------------- YAML details


def test_yaml_12_scalars_and_merge_keys(tmp_path: Path) -> None:
    m = load_text(
        tmp_path,
        """
        version: 1
        resources:
          app:
            type: vonage.application
            properties:
              name: 2024-01-01
              capabilities:
                voice:
                  webhooks:
                    answer_url: &hook {address: https://example.com/a, http_method: GET, connect_timeout: 500}
                    fallback_answer_url:
                      <<: *hook
                      address: https://example.com/fallback
          num:
            type: vonage.number
            properties: {country: NO, msisdn: "4791234567"}
        """,
    )
    app = m.resources["app"].properties
    assert app["name"] == "2024-01-01"  # dates stay strings
    hooks = app["capabilities"]["voice"]["webhooks"]
    assert hooks["fallback_answer_url"] == {
        "address": "https://example.com/fallback",
        "http_method": "GET",
        "connect_timeout": 500,
    }
    where = m.resources["app"].field_locations
    assert where["capabilities.voice.webhooks.fallback_answer_url.address"].line == 13  # the override
    assert where["capabilities.voice.webhooks.fallback_answer_url.http_method"].line == 10  # from the anchor


def test_yes_and_on_are_strings_so_booleans_must_be_true_or_false(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as info:
        load_text(
            tmp_path,
            "version: 1\nresources:\n  num:\n    type: vonage.number\n"
            "    properties: {country: GB, msisdn: '447700900001'}\n    options: {protect: on}\n",
        )
    assert 'expected true or false, got "on"' in str(info.value)


# ---------------------------------------------------------------- options and messages


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30.0),
        ("10m", 600.0),
        ("2h", 7200.0),
        ("1h30m", 5400.0),
        ("250ms", 0.25),
        (90, 90.0),
        (1.5, 1.5),
    ],
)
def test_durations(text: str | float, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as info:
        load_text(
            tmp_path,
            """
            version: 1
            resources:
              app:
                type: vonage.application
                properties:
                  name: 3
                  capabilities: {voice: {webhooks: {answr_url: {address: x}}}}
              num:
                type: vonage.number
                properties: {country: gb, msisdn: 447700900001, app_id: "${ap.id}"}
                options: {protect: yes, timeouts: {create: soon}}
            """,
        )
    text = str(info.value)
    for expected in (
        'app.properties.name: expected a string, got 3; quote it: "3"',
        'app.properties.capabilities.voice.webhooks: unknown field "answr_url" (did you mean "answer_url"?)',
        "num.properties.country: must be a two-letter uppercase ISO 3166-1 country code",
        'num.properties.msisdn: expected a string, got 447700900001; quote it: "447700900001"',
        'refers to unknown resource "ap" (did you mean "app"?)',
        'num.options.protect: expected true or false, got "yes"',
        'num.options.timeouts.create: must be a duration such as "30s"',
    ):
        assert expected in text
    assert len(info.value.issues) == 7


def test_unknown_field_message_has_the_documented_shape(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    write(
        tmp_path / "examples",
        "app.yaml",
        """
        version: 1
        resources:
          support-app:
            type: vonage.application
            properties:
              name: Support line
              capabilities:
                voice:
                  answr_url: https://example.com/answer
        """,
    )
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ManifestError) as info:
        load_manifest(["examples/app.yaml"], env={})
    assert str(info.value) == (
        'examples/app.yaml:9:11: support-app.properties.capabilities.voice: unknown field "answr_url"'
        ' (did you mean "webhooks.answer_url"?)'
    )


def test_paths_outside_the_working_directory_stay_absolute(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path / "elsewhere", "m.yaml", "version: 2\n")
    monkeypatch.chdir(GOOD)
    with pytest.raises(ManifestError) as info:
        load_manifest([path], env={})
    assert str(info.value).startswith(f"{path.resolve()}:1:10: version: must be 1, got 2")


def test_loading_never_touches_the_network(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the loader opened a socket")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    load_manifest([GOOD / "design.yaml"], env=ENV)
    load_manifest([GOOD / "multi"], env={})


def test_a_broken_file_does_not_cascade_into_unknown_names(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yaml",
        "version: 1\nresources:\n  app: {type: vonage.application, properties: {name: A}\n",
    )
    write(
        tmp_path,
        "b.yaml",
        """
        version: 1
        resources:
          num:
            type: vonage.number
            properties: {country: GB, msisdn: "447700900001", app_id: "${app.id}"}
            options: {depends_on: [app]}
        """,
    )
    with pytest.raises(ManifestError) as info:
        load_manifest([tmp_path], env={})
    (issue,) = info.value.issues
    assert issue.file.endswith("a.yaml") and issue.message.startswith("invalid YAML")
