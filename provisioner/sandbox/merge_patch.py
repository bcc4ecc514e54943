"""JSON Merge Patch (RFC 7386), used by the admin API's out-of-band edits."""

from __future__ import annotations


def merge_patch(target, patch):
    """`target` with `patch` applied: objects merge deeply, null removes a member, other values replace."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out
