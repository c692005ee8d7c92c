"""JSON (de)serialisation of the frozen model dataclasses, via pydantic's TypeAdapter."""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from pydantic import TypeAdapter

T = TypeVar("T")


@cache
def _adapter(tp: type) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


def dump(obj: object) -> Any:
    """A JSON-ready structure (dicts, lists, ISO strings) for a model object."""
    return _adapter(type(obj)).dump_python(obj, mode="json")


def load(tp: type[T], data: Any) -> T:
    return _adapter(tp).validate_python(data)
