"""Plan and drift documents as a pull-request comment: folding, risk flags, escaping, and a size budget
that is never exceeded and never cuts markup. Two tests run real documents from the sandbox; the rest
use hand-built documents for sizes and edge cases a sandbox run would make slow."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from provisioner.report_markdown import FOLD_MIN, drift_markdown, plan_markdown

FP = "fp:3f9a1c2d77e0b1aa5c"
FP_SHOWN = "(sensitive, fp 3f9a1c2d…)"


# ---------------------------------------------------------------- well-formedness
def assert_well_formed(md: str) -> None:
    """Balanced, unnested <details>, closed fences, and every table row as wide as its header."""
    depth = 0
    for tag in re.findall(r"</?details>", md):
        depth += 1 if tag == "<details>" else -1
        assert depth in (0, 1), "nested or unbalanced <details>"
    assert depth == 0
    assert md.count("<summary>") == md.count("</summary>") == md.count("<details>")
    assert md.count("```") % 2 == 0
    assert "</details>\n" not in md.replace("</details>\n\n", "") or md.endswith("</details>\n")
    for table in re.findall(r"(?:^\|.*\|$\n?)+", md, flags=re.M):
        widths = {len(re.findall(r"(?<!\\)\|", row)) for row in table.strip().splitlines()}
        assert len(widths) == 1, table


def truncation(md: str) -> tuple[int, int] | None:
    m = re.search(r"Truncated\*\* to fit the comment size limit: ([\d,]+) of ([\d,]+) ", md)
    return (int(m[1].replace(",", "")), int(m[2].replace(",", ""))) if m else None


# ---------------------------------------------------------------- hand-built documents
def field(path: str, old: Any, new: Any, reason: str = "config", sensitive: bool = False) -> dict[str, Any]:
    return {"path": path, "old": old, "new": new, "reason": [reason], "sensitive": sensitive}


def change(name: str, action: str = "update", kind: str = "vonage.number", *fields: dict[str, Any], **extra: Any):
    reasons = sorted({r for f in fields for r in f["reason"]}) or ["config"]
    doc = {
        "name": name,
        "type": kind,
        "action": action,
        "reason": reasons,
        "id": None if action == "create" else f"id-{name}",
        "changes": list(fields),
        "writes": 0 if action == "noop" else 1,
        "retain": False,
        "removal": "delete" if action in ("delete", "replace") else None,
        "pending": None,
        "failed": None,
        "notes": [],
        "refusal": None,
    }
    doc.update(extra)
    return doc


def plan_doc(changes: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    summary = {k: 0 for k in ("create", "update", "replace", "delete", "import", "noop", "disable", "forget")}
    for c in changes:
        summary[c["action"]] += 1
    summary["pending"] = sum(1 for c in changes if c.get("pending"))
    doc = {
        "format_version": 1,
        "destroy": False,
        "manifest_hash": "ab" * 32,
        "state_serial": 7,
        "summary": summary,
        "resource_changes": changes,
        "refusals": [c["refusal"] for c in changes if c.get("refusal")],
        "api_calls": {"reads": 12, "writes": sum(c["writes"] for c in changes)},
    }
    doc.update(top)
    return doc


def item(name: str, status: str, kind: str = "vonage.number", *changes: dict[str, Any], **extra: Any):
    base = {"name": name, "type": kind, "status": status, "id": f"id-{name}", "message": "", "changes": list(changes)}
    return base | extra


def drift_doc(resources: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    statuses = ("drifted", "missing", "unmanaged", "in_sync", "pending", "failed", "not_applied", "dormant", "ignored")
    doc = {"format_version": 1, **{s: sum(r["status"] == s for r in resources) for s in statuses}}
    doc.update(api_calls={"reads": 3, "writes": 0}, resources=resources, expired_ignores=[])
    doc.update(top)
    return doc


def dfield(path: str, last: Any, live: Any, sensitive: bool = False) -> dict[str, Any]:
    return {"path": path, "last_applied": last, "live": live, "sensitive": sensitive}


# ---------------------------------------------------------------- end to end
MANIFEST = """
version: 1
resources:
  app:
    type: vonage.application
    properties: {name: Drift app}
  other-app:
    type: vonage.application
    properties: {name: Will go}
  line:
    type: vonage.number
    properties: {country: GB, msisdn: "447700900030", mo_http_url: "https://d.example.com/sms"}
    options: {on_delete: delete}
"""


def _apply_then_drift(project) -> dict[str, str]:
    project.write("m.yaml", MANIFEST)
    assert project.cli("apply", "--auto-approve", "m.yaml").returncode == 0
    ids = {ln.split("\t")[0]: ln.split("\t")[2] for ln in project.cli("state", "list").stdout.splitlines()}
    project.sandbox.admin_call(
        "PATCH", "/_sandbox/vonage/sandbox-key/numbers/447700900030", json={"moHttpUrl": "https://elsewhere.example"}
    )
    return ids


def test_real_plan_separates_drift_from_config_and_flags_the_delete(project):
    _apply_then_drift(project)
    edited = MANIFEST.replace("{name: Drift app}", "{name: 'Drift | app <2>'}")
    project.write("m.yaml", edited.split("  other-app:")[0] + "  line:" + edited.split("  line:")[1])
    result = project.cli("plan", "--format", "json", "m.yaml")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)

    md = plan_markdown(plan)
    assert_well_formed(md)
    risks, table, drift, planned = (md.index(s) for s in ("Risk flags", "| Provider", "Changed outside", "Planned"))
    assert md.startswith("### ⚠️ provision plan: changes to apply") and risks < table < drift < planned
    assert re.search(r"\*\*Deleted\*\* \(1\): `other-app`", md)
    assert '`"https://d.example.com/sms"` | `"https://elsewhere.example"`' in md[drift:planned]  # manifest, live
    assert "<b>line</b>" not in md[planned:]  # drift-only: listed once, as drift
    assert '`"Drift \\| app <2>"`' in md[planned:]  # the pipe cannot split the table row
    assert re.search(r"^- `-` \*\*other-app\*\* · `vonage.application` · delete · id `[0-9a-f-]+`$", md, re.M)
    calls = plan["api_calls"]
    assert f"{calls['reads']} reads made, {calls['writes']} writes to make" in md
    if plan.get("plan_id"):
        assert f"plan <code>{plan['plan_id']}</code>" in md

    assert project.cli("apply", "--auto-approve", "m.yaml").returncode == 0
    quiet = plan_markdown(json.loads(project.cli("plan", "--format", "json", "m.yaml").stdout))
    assert quiet.startswith("✅ **provision plan: no changes.** 2 resources match the manifest.")
    assert quiet.count("\n") == 1


def test_real_drift_report_with_ignored_and_expired_waivers(project):
    ids = _apply_then_drift(project)
    project.sandbox.admin_call("DELETE", f"/_sandbox/vonage/sandbox-key/applications/{ids['other-app']}")
    with project.sandbox.vonage() as api:
        api.post("/v2/applications", json={"name": "Made <b>here</b> by @ops"}).raise_for_status()
    project.write(
        ".provisionignore",
        'other-app reason="being retired" owner=web\nline mo_http_url expires=2020-01-01 reason="old waiver"\n',
    )
    result = project.cli("drift", "--format", "json", "m.yaml")
    assert result.returncode == 2, result.stderr
    drift = json.loads(result.stdout)

    md = drift_markdown(drift)
    assert_well_formed(md)
    assert md.startswith("### ⚠️ provision drift: drift found")
    if "expired_ignores" in drift:  # older documents have no waivers
        assert "**1** expired ignore" in md
        assert md.index("[!CAUTION]") < md.index("| Provider")  # before the table: it is a problem
        assert "`line mo_http_url` expired 2020-01-01" in md
        ignored = re.search(r"<details><summary>1 ignored resource</summary>.*?</details>", md, re.S)
        assert ignored and "`other-app`" in ignored[0] and "being retired" in ignored[0]
    assert '| `mo_http_url` | `"https://d.example.com/sms"` | `"https://elsewhere.example"` |' in md
    unmanaged = next(r for r in drift["resources"] if r["status"] == "unmanaged")
    assert f"`{unmanaged['id']}` (`vonage.application`) — Made &lt;b&gt;here&lt;/b&gt; by @\u200bops" in md
    assert "<b>here</b>" not in md
    assert "API calls: 2 reads, 0 writes" in md


# ---------------------------------------------------------------- plan: folding
@pytest.mark.parametrize("count", [FOLD_MIN - 1, FOLD_MIN, 37])
def test_identical_drift_folds_from_the_threshold(count):
    drifted = field("voice_callback_value", "POST", "GET", "drift")  # live POST, manifest GET
    changes = [change(f"n{i:02}", "update", "vonage.number", dict(drifted)) for i in range(count)]
    md = plan_markdown(plan_doc(changes))
    assert_well_formed(md)
    fold = (
        f"{count} × <code>vonage.number</code>: <code>voice_callback_value</code> "
        "<code>&quot;GET&quot;</code> → <code>&quot;POST&quot;</code>"
    )
    if count < FOLD_MIN:
        assert fold not in md and md.count("field changed outside provisioner") == count
    else:
        assert fold in md and "field changed outside provisioner" not in md
        names = re.search(rf"{re.escape(fold)}</summary>\n\n(.*?)\n\n</details>", md, re.S)
        assert names and names[1].count("`n") == count
    assert "Planned changes" not in md  # drift only: nothing from the manifest


def test_identical_config_changes_fold_and_the_rest_stays_per_resource():
    changes = [change(f"n{i}", "update", "vonage.number", field("mo_http_url", "a", "b")) for i in range(5)]
    changes[0]["changes"].append(field("voice_status_callback", None, "https://x.example"))
    md = plan_markdown(plan_doc(changes))
    assert_well_formed(md)
    assert "5 × <code>vonage.number</code>: <code>mo_http_url</code>" in md
    assert md.count("update in place") == 1  # only n0 has something left to show
    assert '`voice_status_callback` | *(none)* | `"https://x.example"`' in md
    assert "1 more field change shown in a folded group above" in md


def test_many_identical_creates_become_one_line():
    md = plan_markdown(plan_doc([change(f"num-{i}", "create") for i in range(500)]))
    assert_well_formed(md)
    assert "<code>+</code> 500 × <code>vonage.number</code> · create" in md
    assert md.count("<details>") == 1 and len(md) < 8000
    assert "**500** to create" in md


# ---------------------------------------------------------------- plan: size budget
def _thousand(risky: bool = True) -> dict[str, Any]:
    changes = [
        change(
            f"number-{i:04}", "update", "vonage.number", field("mo_http_url", f"https://old/{i}", f"https://new/{i}")
        )
        for i in range(1000)
    ]
    if risky:
        changes[-1] = change("gone-app", "delete", "vonage.application")
        changes[-2] = change("old-line", "delete", "vonage.number", risks=["delete", "release"])
        changes[-3] = change("stuck", "replace", "vonage.number", refusal="numbers are never replaced | implicitly")
    return plan_doc(changes, plan_id="p-123")


@pytest.mark.parametrize("max_chars", [65000, 20000, 4000])
def test_a_thousand_changes_fit_the_budget_and_keep_the_risks(max_chars):
    md = plan_markdown(_thousand(), max_chars=max_chars)
    assert len(md) <= max_chars
    assert_well_formed(md)
    hidden, total = truncation(md)
    assert total == 1000
    shown = len(re.findall(r"<details><summary><code>", md)) + len(re.findall(r"^- `-` ", md, re.M))
    assert hidden == total - shown and shown > 0
    assert "`provision plan --out plan.json`" in md
    assert md.index("Truncated") > md.rfind("</details>")  # the note comes after the last block
    for text in ("Risk flags", "Refused — this plan cannot be applied", "Phone numbers released", "| **Total** |"):
        assert text in md
    assert "<sub>API calls: 12 reads made" in md and "plan <code>p-123</code>" in md
    # risky blocks come first, so truncation never drops them before routine updates
    assert md.index("<b>stuck</b>") < md.index("**old-line**") < md.index("<b>number-0000</b>")


def test_under_budget_nothing_is_dropped():
    md = plan_markdown(_thousand(), max_chars=10_000_000)
    assert truncation(md) is None and md.count("<b>number-") == 997


@pytest.mark.parametrize("max_chars", [0, 40, 300, 1200, 2500])
def test_tiny_budgets_are_never_exceeded_and_never_cut_markup(max_chars):
    for md in (plan_markdown(_thousand(), max_chars=max_chars), drift_markdown(_drift_thousand(), max_chars=max_chars)):
        assert len(md) <= max_chars
        assert_well_formed(md)


# ---------------------------------------------------------------- plan: risks and content
def test_risk_flags_from_the_document_and_from_older_documents():
    changes = [
        change("n1", "delete", "vonage.number"),  # no "risks" key: derived (delete + release)
        change("t1", "update", "sinch.whatsapp_template", field("body", "a", "b"), risks=["re_review"]),
        change("h1", "update", "sinch.provisioning_webhook", field("secret", FP, "fp:81c2aaaa0000", sensitive=True)),
        change("a1", "replace", "vonage.application", risks=["replace"]),
        change("f1", "noop", "sinch.number", failed="provisioning failed <CODE 42>"),
        change("tfa", "delete", "infobip.tfa_application", removal="disable", risks=["disable"]),
        change("x", "create", "vonage.application", refusal="cannot create: quota\nexceeded"),
    ]
    md = plan_markdown(plan_doc(changes))
    assert_well_formed(md)
    risk = md[md.index("#### Risk flags") : md.index("| Provider")]
    assert "❌ **Refused — this plan cannot be applied** (1)\n  - cannot create: quota⏎exceeded" in risk
    assert "❌ **Failed at the provider** (1): `f1` (provisioning failed &lt;CODE 42&gt;)" in risk
    for label, name in [
        ("Phone numbers released", "n1"),
        ("Deleted", "n1"),
        ("Replaced (deleted, then created again)", "a1"),
        ("Templates sent back to review", "t1"),
        ("Secrets rotated", "h1"),
        ("Disabled (the API has no delete)", "tfa"),
    ]:
        assert f"**{label}** (1): `{name}`" in risk
    assert md.startswith("### ❌ provision plan: refused — cannot be applied (1 refusal)")
    assert "| sinch | `whatsapp_template` | · | 1 | · | · | · | · | ⚠️ 1 re-review |" in md
    assert "❌ 1 failed" in md and "#### Waiting for the provider" in md


def test_user_text_cannot_break_tables_html_or_ping_people():
    evil = "a|b\n<script>&`x` @team *bold*"
    changes = [
        change(evil, "update", "vonage.number", field(evil, evil, "ok")),
        change("n2", "create", notes=[evil]),
    ]
    md = plan_markdown(plan_doc(changes))
    assert_well_formed(md)
    prose = re.sub(r"(`+).*?\1", "", md)  # code spans show their content literally
    assert "<script>" not in prose and "@team" not in md
    assert "<b>a|b⏎&lt;script&gt;&amp;`x` @\u200bteam *bold*</b>" in md  # <summary>: HTML-escaped
    assert "| ``a\\|b⏎<script>&`x` @\u200bteam *bold*`` |" in md  # table code span: pipe escaped
    assert "note: a\\|b⏎&lt;script&gt;&amp;\\`x\\` @\u200bteam \\*bold\\*" in md  # prose: escaped


def test_secret_values_render_only_as_fingerprints():
    changes = [
        change("h1", "update", "sinch.provisioning_webhook", field("secret", FP, "fp:81c2bbbb9999", sensitive=True)),
        change("h2", "update", "sinch.provisioning_webhook", field("secret", "hunter2", "swordfish", sensitive=True)),
        change("h3", "update", "sinch.provisioning_webhook", field("secret", FP, "fp:81c2bbbb9999", "drift", True)),
    ]
    for doc_md in (plan_markdown(plan_doc(changes)), plan_markdown(plan_doc(changes * 3))):
        assert FP_SHOWN in doc_md and "(sensitive, fp 81c2bbbb…)" in doc_md
        assert FP not in doc_md and "fp:81c2" not in doc_md and "77e0" not in doc_md
        assert "hunter2" not in doc_md and "swordfish" not in doc_md and "(sensitive)" in doc_md
    drift = drift_doc([item("h", "drifted", "sinch.provisioning_webhook", dfield("secret", FP, "plain", True))])
    md = drift_markdown(drift)
    assert FP_SHOWN in md and FP not in md and "plain" not in md


def test_unknown_values_targets_moves_and_footer():
    changes = [change("app", "update", "vonage.application", field("id_ref", "x", {"unknown": True}))]
    doc = plan_doc(
        changes,
        plan_id="abc123",
        targets={"only": ["app"], "skip": [], "pulled_in": ["dep-a", "dep-b"]},
        moved=[{"from": "old-name", "to": "app"}],
    )
    md = plan_markdown(doc)
    assert_well_formed(md)
    assert "*(known after apply)*" in md
    assert "**1** to update · **1** to move · 0 unchanged" in md
    assert "🎯 **Targeted plan:** only `app`; pulled in as dependencies `dep-a`, `dep-b`." in md
    assert "#### Moved (renamed in state; no API calls)\n\n- `old-name` → `app`" in md
    assert md.rstrip().endswith("plan <code>abc123</code> · state serial 7 · manifest <code>abababababab</code></sub>")


def test_no_changes_is_one_line():
    md = plan_markdown(plan_doc([change(f"n{i}", "noop") for i in range(4)], plan_id="q"))
    assert md == (
        "✅ **provision plan: no changes.** 4 resources match the manifest. "
        "<sub>API calls: 12 reads made, 0 writes to make · plan <code>q</code> · state serial 7 · "
        "manifest <code>abababababab</code></sub>\n"
    )


# ---------------------------------------------------------------- drift
def _drift_thousand() -> dict[str, Any]:
    resources = [
        item(f"n{i:04}", "drifted", "vonage.number", dfield("mo_http_url", f"https://a/{i}", f"https://b/{i}"))
        for i in range(1000)
    ]
    return drift_doc(
        resources, expired_ignores=[{"rule": "n*", "reason": "r", "expires": "2020-01-01", "source": "x:1"}]
    )


def test_drift_sections_policies_folding_and_ignored():
    resources = [
        item(f"v{i}", "drifted", "vonage.number", dfield("voice_callback_value", "GET", "POST")) for i in range(37)
    ]
    resources += [
        item("keep", "missing", "vonage.application", policy="recreate"),
        item("precious", "missing", "vonage.number", policy="fail"),
        item("(application)", "unmanaged", "vonage.application", id="u1", message="dashboard | app"),
        item("tpl", "pending", "sinch.whatsapp_template", message="in review"),
        item("bad", "failed", "sinch.number", message="provisioning failed"),
        item("quiet", "in_sync"),
    ]
    resources += [
        item(f"ig{i}", "ignored", ignored_by={"rule": "ig*", "reason": "legacy", "expires": None}) for i in range(3)
    ]
    md = drift_markdown(drift_doc(resources))
    assert_well_formed(md)
    assert md.startswith("### ⚠️ provision drift: drift found\n\n**37** drifted · **2** missing · **1** unmanaged")
    assert (
        "37 × <code>vonage.number</code>: <code>voice_callback_value</code> "
        "<code>&quot;GET&quot;</code> → <code>&quot;POST&quot;</code>"
    ) in md
    assert "field changed" not in md  # every drifted resource is covered by the fold
    human = md.index("`precious` (`vonage.number`) id `id-precious`: ❗ **a human must decide**")
    assert human < md.index("`keep` (`vonage.application`) id `id-keep`: the next apply creates it again")
    assert "- `u1` (`vonage.application`) — dashboard \\| app" in md
    assert md.count("ignored resource") == 1 and "| `ig0` | `vonage.number` | `ig*` | legacy |  | never |" in md
    assert "#### Pending" in md and "#### Failed at the provider" in md
    assert "| vonage | `number` | 37 | 1 | · | · | · | 3 | 1 |" in md  # drifted, missing, ..., ignored, in sync


def test_expired_waivers_are_a_problem_even_without_drift():
    doc = drift_doc(
        [item("a", "in_sync")],
        expired_ignores=[{"rule": "a mo_http_url", "reason": "cut-over", "owner": "tel", "expires": "2024-01-31"}],
    )
    md = drift_markdown(doc)
    assert md.startswith("### ⚠️ provision drift: drift found\n\n**1** expired ignore · 1 in sync")
    assert "> - `a mo_http_url` expired 2024\\-01\\-31" not in md  # dates are not over-escaped
    assert "> - `a mo_http_url` expired 2024-01-31 — cut-over (owner tel)" in md


def test_clean_drift_is_one_line():
    md = drift_markdown(drift_doc([item("a", "in_sync"), item("b", "ignored"), item("c", "in_sync")]))
    footer = "<sub>API calls: 3 reads, 0 writes (drift is read-only)</sub>"
    assert md == f"✅ **provision drift: no drift.** 2 in sync (1 ignored). {footer}\n"


def test_drift_truncation_keeps_the_expired_waiver_and_counts():
    md = drift_markdown(_drift_thousand(), max_chars=20000)
    assert len(md) <= 20000
    assert_well_formed(md)
    hidden, total = truncation(md)
    assert total == 1000 and hidden == 1000 - md.count("· 1 field changed</summary>")
    assert "[!CAUTION]" in md and "`provision drift --format json --output drift.json`" in md


def test_many_unmanaged_of_one_type_are_folded():
    resources = [item("(number)", "unmanaged", "sinch.number", id=f"+1555000{i:04}") for i in range(120)]
    md = drift_markdown(drift_doc(resources))
    assert_well_formed(md)
    assert "<details><summary>120 × <code>sinch.number</code> unmanaged</summary>" in md
    assert md.count("- `+1555000") == 120
