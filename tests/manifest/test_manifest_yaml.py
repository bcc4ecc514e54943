"""The YAML layer: plain values, a position for every key and value, duplicate keys refused."""

from __future__ import annotations

import textwrap

from provisioner.model import Location
from provisioner.yamlload import child_path, load_yaml, parent_path, split_path


def load(text: str):  # type: ignore[no-untyped-def]
    return load_yaml(textwrap.dedent(text).lstrip(), "m.yaml")


def test_values_are_plain_and_positions_are_kept_aside() -> None:
    doc = load(
        """
        version: 1
        resources:
          app:
            props: {name: "x", ports: [1, 2.5, true, null, ~, 0x1F, 0o17]}
        """
    )
    assert doc.issues == []
    ports = [1, 2.5, True, None, None, 31, 15]
    assert doc.data == {"version": 1, "resources": {"app": {"props": {"name": "x", "ports": ports}}}}
    assert type(doc.data["resources"]) is dict
    pos = doc.positions
    assert pos.key("resources.app.props") == Location("m.yaml", 4, 5)
    assert pos.value("resources.app.props") == Location("m.yaml", 4, 12)
    assert pos.value("resources.app.props.ports[1]") == Location("m.yaml", 4, 35)
    assert pos.near("resources.app.props.nothing.here") == Location("m.yaml", 4, 12)


def test_yaml_1_1_surprises_stay_strings() -> None:
    doc = load("a: NO\nb: yes\nc: off\nd: 2024-01-01\ne: 1:30\nf: True\non: 1\n")
    assert doc.data == {"a": "NO", "b": "yes", "c": "off", "d": "2024-01-01", "e": "1:30", "f": True, "on": 1}


def test_duplicate_keys_are_reported_at_the_second_one() -> None:
    doc = load(
        """
        app:
          name: a
          other: b
          name: c
        """
    )
    (issue,) = doc.issues
    assert (issue.line, issue.column) == (4, 3)
    assert issue.message.startswith('duplicate key "name" (first at line 2)')
    assert issue.path == "app"


def test_syntax_errors_carry_line_and_column() -> None:
    doc = load("a: [1, 2\nb: 3\n")
    (issue,) = doc.issues
    assert doc.data is None
    assert issue.message.startswith("invalid YAML: ")
    assert (issue.file, issue.line) == ("m.yaml", 2)


def test_several_documents_are_refused() -> None:
    doc = load("a: 1\n---\nb: 2\n")
    assert doc.issues and "expected a single document" in doc.issues[0].message


def test_unsupported_tags_and_recursive_aliases_are_issues() -> None:
    assert "unsupported YAML tag" in load("a: !!binary aGk=\n").issues[0].message
    assert "unsupported YAML tag" in load("a: !custom x\n").issues[0].message
    assert "recursive YAML alias" in load("a: &x [1, *x]\n").issues[0].message


def test_strings_to_interpolate_are_collected_with_their_slot() -> None:
    doc = load("a: plain\nb: ${env:X}\nc: [x, '$${y}']\nd: {e: '${f.id}'}\n")
    slots = {(path, container[key]) for container, key, path in doc.dollars}
    assert slots == {("b", "${env:X}"), ("c[1]", "$${y}"), ("d.e", "${f.id}")}


def test_merge_keys_lose_to_explicit_keys() -> None:
    doc = load(
        """
        base: &b {x: 1, y: '${env:Y}'}
        derived:
          <<: *b
          y: 2
        """
    )
    assert doc.data["derived"] == {"x": 1, "y": 2}
    assert {path for _, _, path in doc.dollars} == {"base.y"}
    assert doc.positions.value("derived.y") == Location("m.yaml", 4, 6)


def test_path_helpers_round_trip() -> None:
    path = child_path(child_path(child_path("", "a"), "b"), 2)
    assert path == "a.b[2]"
    assert split_path(child_path(path, "c")) == ("a", "b", 2, "c")
    assert parent_path("a.b[2]") == "a.b" and parent_path("a.b") == "a" and parent_path("a") == ""
