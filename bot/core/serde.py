"""JSON (de)serialisation of the frozen model dataclasses, via pydantic's TypeAdapter."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import TypeAdapter

from bot.core.views import Card, Form, Later

T = TypeVar("T")


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(tp: Any) -> TypeAdapter[Any]:
    got = _ADAPTERS.get(tp)
    if got is None:
        got = _ADAPTERS[tp] = TypeAdapter(tp)
    return got


def dump(obj: object) -> Any:
    """A JSON-ready structure (dicts, lists, ISO strings) for a model object."""
    return _adapter(type(obj)).dump_python(obj, mode="json")


def load(tp: type[T], data: Any) -> T:
    return _adapter(tp).validate_python(data)


def view_payload(view: Card | Form | Later) -> dict[str, Any]:
    """A Card or a Form as stored JSON (in outgoing rows and transcripts); a :class:`Later` names
    what the deliverer draws when it sends the row (``flows.later``)."""
    if isinstance(view, Later):
        return {"type": "Later", "what": view.what}
    return {"type": type(view).__name__, "data": dump(view)}


def later_of(payload: dict[str, Any]) -> Later | None:
    """What a stored view leaves to be drawn when it is sent, if it does."""
    return Later(str(payload["what"])) if payload.get("type") == "Later" else None


def view_from(payload: dict[str, Any]) -> Card | Form:
    """The Card or Form stored by :func:`view_payload`."""
    if payload["type"] == "Later":  # drawn by the deliverer before sending (flows.later): never sent as such
        raise ValueError(f"a view left to be drawn was not drawn: {payload.get('what')!r}")
    if payload["type"] == "Form":
        return load(Form, payload["data"])
    return load(Card, payload["data"])
