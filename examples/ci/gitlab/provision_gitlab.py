"""GitLab API helpers for the provision pipeline in .gitlab-ci.yml (Python standard library only).

    python3 provision_gitlab.py note EXIT_CODE plan.md [plan.err]
        Create or update the merge request's one plan note (found by its hidden marker).
    python3 provision_gitlab.py reviewed-plan OUT_FILE
        For a commit on the default branch: download plan.json of the merge request it merged, from
        that MR's last successful `plan` job at the MR's head commit. Prints "IID HEAD_SHA" and
        exits 0; exits 3 (printing why) when there is no such plan.

Needs PROVISION_GITLAB_TOKEN: a project access token with the api scope (Reporter or more), stored
as a masked CI/CD variable. Everything else comes from GitLab's predefined variables.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

MARKER = "<!-- provision-plan -->"
NOTE_LIMIT = 999_000  # GitLab notes hold up to 1,000,000 characters


def api(method: str, path: str, body: dict[str, Any] | None = None, raw: bool = False) -> Any:
    url = os.environ["CI_API_V4_URL"] + path
    data = json.dumps(body).encode() if body is not None else None
    headers = {"PRIVATE-TOKEN": os.environ["PROVISION_GITLAB_TOKEN"], "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        payload = response.read()
    return payload if raw else json.loads(payload or b"null")


def project() -> str:
    return "/projects/" + urllib.parse.quote(os.environ["CI_PROJECT_ID"], safe="")


def read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except FileNotFoundError:
        return ""


def note(code: int, plan_md: str, plan_err: str | None) -> int:
    details = read(plan_md)  # the markdown plan carries its own heading and summary
    if code not in (0, 2):
        details = f"### provision plan failed (exit {code})\n\n{details}"
    errors = read(plan_err) if plan_err else ""
    if errors:
        details += f"\n\n```\n{errors}\n```"
    sha = os.environ.get("CI_COMMIT_SHA", "")[:8]
    job = os.environ.get("CI_JOB_URL", "")
    body = (
        f"{MARKER}\n{details}\n\n"
        f"<sub>Planned at {sha} · [job]({job}) · merging applies exactly this plan, or refuses if it went stale.</sub>"
    )
    if len(body) > NOTE_LIMIT:
        body = body[: NOTE_LIMIT - 200] + f"\n\n… truncated: the whole plan is in the [job]({job})'s artifacts."
    notes_path = f"{project()}/merge_requests/{os.environ['CI_MERGE_REQUEST_IID']}/notes"
    page = 1
    while True:
        notes = api("GET", f"{notes_path}?per_page=100&page={page}&sort=asc")
        mine = next((n for n in notes if MARKER in (n.get("body") or "") and not n.get("system")), None)
        if mine or len(notes) < 100:
            break
        page += 1
    if mine:
        api("PUT", f"{notes_path}/{mine['id']}", {"body": body})
    else:
        api("POST", notes_path, {"body": body})
    return 0


def reviewed_plan(out_file: str) -> int:
    sha = os.environ["CI_COMMIT_SHA"]
    mrs = api("GET", f"{project()}/repository/commits/{sha}/merge_requests")
    merged = [
        m for m in mrs if m.get("state") == "merged" and sha in (m.get("merge_commit_sha"), m.get("squash_commit_sha"))
    ]
    if not merged:
        print(f"no merge request was merged as {sha[:8]}")
        return 3
    mr = merged[0]
    head = mr["sha"]
    pipelines = api("GET", f"{project()}/merge_requests/{mr['iid']}/pipelines?per_page=100")
    for pipeline in sorted(pipelines, key=lambda p: p["id"], reverse=True):
        if pipeline.get("sha") != head:
            continue
        jobs = api("GET", f"{project()}/pipelines/{pipeline['id']}/jobs?per_page=100&scope[]=success")
        job = next((j for j in jobs if j.get("name") == "plan"), None)
        if job is None:
            continue
        try:
            data = api("GET", f"{project()}/jobs/{job['id']}/artifacts/plan.json", raw=True)
        except urllib.error.HTTPError as exc:  # 404: expired or never uploaded
            print(f"the plan of !{mr['iid']} is not available ({exc.code}); it may have expired")
            return 3
        with open(out_file, "wb") as f:
            f.write(data)
        print(mr["iid"], head)
        return 0
    print(f"!{mr['iid']} has no successful plan job at its head commit {head[:8]}")
    return 3


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and argv[0] == "note":
        return note(int(argv[1]), argv[2], argv[3] if len(argv) > 3 else None)
    if len(argv) == 2 and argv[0] == "reviewed-plan":
        return reviewed_plan(argv[1])
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
