"""A condition trace shown as its nested groups: each group once, with its mode and result."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

_GROUP = re.compile(r"^(all|any)(?:\[\d+\])?$")


def trace_rows(trace: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the trace's comparisons in order, each group's header row before its first one.

    A row has `depth` (for indentation); a group row has `group` (all/any) and the `result`
    the group had, computed from its members as the engine combined them.
    """
    results = _group_results(trace)
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in trace:
        groups = _groups(entry.get("path", ""))
        for depth, group in enumerate(groups):
            if group not in seen:
                seen.add(group)
                mode = group.rsplit(".", 1)[-1]
                rows.append({"group": mode, "depth": depth, "result": results.get(group)})
        rows.append(entry | {"depth": len(groups)})
    return rows


def _groups(path: str) -> list[str]:
    """Return the group paths a comparison lies in, outermost first."""
    parts, out = path.split("."), []
    for i in range(1, len(parts)):
        mode = parts[i].split("[")[0]
        if mode in ("all", "any"):
            out.append(".".join([*parts[:i], mode]))
    return out


def _group_results(trace: list[dict[str, Any]]) -> dict[str, bool]:
    """Return each group's result from its members' results (innermost groups first)."""
    members: dict[str, list[str]] = {}
    results: dict[str, bool] = {}
    for entry in trace:
        path = entry.get("path", "")
        results[path] = bool(entry.get("result"))
        groups = _groups(path)
        chain = [*groups, path]
        for parent, child in pairwise(chain):
            members.setdefault(parent, [])
            if child not in members[parent]:
                members[parent].append(child)
    for group in sorted(members, key=lambda g: -g.count(".")):
        mode = group.rsplit(".", 1)[-1]
        values = [results.get(m, False) for m in members[group]]
        results[group] = all(values) if mode == "all" else any(values)
    return results
