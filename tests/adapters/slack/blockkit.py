"""Checks that a Block Kit payload parses with slack_sdk's models (which also run their own length
validators) and keeps Slack's documented limits, written out here independently of render.LIMITS."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS, MODAL_BLOCKS = 50, 100


def _walk(node: Any, problems: list[str], where: str = "") -> None:
    if isinstance(node, list):
        for i, x in enumerate(node):
            _walk(x, problems, f"{where}[{i}]")
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")

    def over(path: str, value: Any, limit: int) -> None:
        if value is not None and len(value) > limit:
            problems.append(f"{where}.{path}: {len(value)} > {limit}")

    text = (node.get("text") or {}).get("text") if isinstance(node.get("text"), dict) else None
    if kind == "header":
        over("text", text, 150)
    elif kind == "section":
        over("text", text, 3000)
        over("fields", node.get("fields"), 10)
        for i, f in enumerate(node.get("fields") or []):
            over(f"fields[{i}]", f.get("text"), 2000)
        if not text and not node.get("fields"):
            problems.append(f"{where}: a section needs text or fields")
    elif kind == "actions":
        over("elements", node.get("elements"), 25)
    elif kind == "context":
        over("elements", node.get("elements"), 10)
        for i, e in enumerate(node.get("elements") or []):
            over(f"elements[{i}].text", e.get("text"), 3000)
    elif kind == "button":
        over("text", text, 75)
        over("value", node.get("value"), 2000)
    elif kind == "overflow":
        n = len(node.get("options") or [])
        if not 2 <= n <= 5:
            problems.append(f"{where}: overflow with {n} options")
    elif kind == "input":
        over("label", (node.get("label") or {}).get("text"), 2000)
        over("hint", (node.get("hint") or {}).get("text"), 2000)
    elif kind == "plain_text_input":
        if (node.get("max_length") or 0) > 3000:
            problems.append(f"{where}: max_length over 3000")
        over("initial_value", node.get("initial_value"), node.get("max_length") or 3000)
    over("action_id", node.get("action_id"), 255)
    over("block_id", node.get("block_id"), 255)
    if "options" in node and kind in ("static_select", "multi_static_select", "overflow"):
        over("options", node["options"], 100)
        for i, o in enumerate(node["options"]):
            over(f"options[{i}].text", o["text"]["text"], 75)
            over(f"options[{i}].value", o["value"], 150)
    for key, value in node.items():
        if key not in ("text",) and isinstance(value, list | dict):
            _walk(value, problems, f"{where}.{key}")


def check_blocks(blocks: list[dict[str, Any]], limit: int = MESSAGE_BLOCKS) -> None:
    """Assert ``blocks`` round-trip through slack_sdk's models unchanged and keep Slack's limits."""
    assert 0 < len(blocks) <= limit, f"{len(blocks)} blocks (limit {limit})"
    parsed = Block.parse_all(blocks)
    assert all(b is not None for b in parsed), "a block slack_sdk does not know"
    assert [b.to_dict() for b in parsed] == blocks, "slack_sdk's models do not reproduce the payload"
    problems: list[str] = []
    _walk(blocks, problems)
    assert not problems, problems


def check_modal(view: dict[str, Any]) -> None:
    model = View(**view)
    assert model.to_dict() == view, "slack_sdk's View does not reproduce the modal"
    for key in ("title", "submit", "close"):
        if key in view:
            assert len(view[key]["text"]) <= 24, f"{key} over 24 characters"
    assert len(view.get("private_metadata", "")) <= 3000
    assert len(view.get("callback_id", "")) <= 255
    check_blocks(view["blocks"], MODAL_BLOCKS)


def check_calls(calls: list[Any]) -> int:
    """Check every Block Kit payload the bot sent to the fake; returns how many were checked."""
    n = 0
    for c in calls:
        if c.args.get("blocks"):
            check_blocks(c.args["blocks"])
            n += 1
        if isinstance(c.args.get("view"), dict):
            check_modal(c.args["view"])
            n += 1
    return n
