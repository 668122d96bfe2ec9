"""If/else steps: a definition's nested steps laid out as one list the engine walks by index.

A branch becomes a `branch` instruction (its condition group and where its else path starts),
its then steps, a `jump` past the else steps (when there are any), then its else steps. Every
step of every path keeps its own index, so effect keys (version, event, step index) stay
unique per path and a waiting run resumes on the path it took.
"""

from __future__ import annotations

from typing import Any

from ecomapp.automation.conditions import Snapshot, evaluate


def program(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the definition's steps as the flat list the engine walks (as is without branches)."""
    steps: list[dict[str, Any]] = definition["steps"]
    if not any(step.get("type") == "branch" for step in steps):
        return steps
    out: list[dict[str, Any]] = []
    _lay_out(steps, out)
    return out


def _lay_out(steps: list[dict[str, Any]], out: list[dict[str, Any]]) -> None:
    for step in steps:
        if step.get("type") != "branch":
            out.append(step)
            continue
        at = len(out)
        out.append({"type": "branch", "if": step["if"], "else_at": 0})
        _lay_out(step["then"], out)
        jump = len(out) if step["else"] else None
        if jump is not None:
            out.append({"type": "jump", "to": 0})
        out[at]["else_at"] = len(out)
        _lay_out(step["else"], out)
        if jump is not None:
            out[jump]["to"] = len(out)


def follow(step: dict[str, Any], index: int, snap: Snapshot) -> tuple[int, dict[str, Any]]:
    """Evaluate a branch instruction; return the next step index and the path taken, traced."""
    held, trace = evaluate(step["if"], snap)
    detail = {"branch": "then" if held else "else", "trace": trace}
    return (index + 1 if held else int(step["else_at"])), detail


def step_kind(step: dict[str, Any]) -> str:
    """Return what a laid-out step is called in run traces (its action, wait or branch)."""
    return str(step.get("action") or step["type"])
