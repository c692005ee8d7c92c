"""The contract suite's view of a platform: one *driver* per adapter (playground, Slack, Teams).

A driver runs the REAL application (``bot.app.build`` with the platform's real adapter, its real
request path and verification) on port 0 over loopback, plays the platform's side of the wire (the
part a person's client and the platform's servers would play), and records what the platform
received from the bot. The contract tests (``test_contract.py``) speak only this protocol, so every
adapter is held to the same behaviour.

People are addressed by *handle* (see :data:`HANDLES`); :func:`contract_org` is the organisation file
every driver runs with, for every platform in the registry (``adapters.PLATFORMS``). A driver module
for a new platform defines ``CHANNEL`` (its incident channel's key), ``user_id(handle)`` (its id
scheme) and ``DRIVER`` (a class implementing :class:`Driver`); nothing else here names a platform.

Writing a driver (e.g. ``driver_slack.py``; the suite runs every ``driver_*.py`` here that defines
``DRIVER``, a class constructed without arguments that implements :class:`Driver`):
- ``start`` builds the app against ``db_url`` (already migrated) with ``config`` and ``clock``,
  starts a fake platform server on port 0 if the platform has one (Slack Web API, Bot Framework
  connector), and serves ``app.web`` on ``127.0.0.1:0``.
- inbound calls (``send_command``, ``press``, ``submit_form``) send what the platform would send
  (signed, authenticated), each with a fresh delivery id; ``replay_last`` sends the previous one
  again byte for byte (a platform retry).
- ``received`` lists what the platform got from the bot, in order, as :class:`Received` records.
- ``settle`` returns when everything the bot has to send has arrived (drain the runtime, then wait
  for the fake platform / live stream to catch up).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import adapters
from bot.core.config import OrgConfig
from bot.core.model import UserRef
from tests.support.orgs import parse_org

if TYPE_CHECKING:
    from bot.app import App

#: Who plays in the contract: a reporter and an outsider (both unknown to the config), the two
#: steps of the escalation chain, and a standing responder.
HANDLES = ("reporter", "manager", "deputy", "responder", "outsider")


def driver_module(platform: str) -> ModuleType:
    """``tests/contract/driver_<platform>.py``: its ``DRIVER`` class, the platform's ``CHANNEL`` key and
    ``user_id(handle)`` (the id scheme of the platform)."""
    return importlib.import_module(f"tests.contract.driver_{platform}")


def channels() -> dict[str, str]:
    """The incident channel's key on each registered platform (as in the contract organisation file)."""
    return {p: driver_module(p).CHANNEL for p in adapters.names()}


def platform_id(platform: str, handle: str) -> str:
    """The id of ``handle`` on ``platform`` (each driver module says: playground the handle, Slack
    U0HANDLE, Teams 29:handle)."""
    return str(driver_module(platform).user_id(handle))


def contract_org() -> OrgConfig:
    """The organisation file every driver runs with: chain manager (5 min) → deputy (5 min), no
    repeats; responder as a standing responder; reporter and outsider are not in the file."""
    names = {"manager": "佐藤 花子", "deputy": "鈴木 一郎", "responder": "田中 美咲"}
    where = channels()
    people = {h: {"name": n, **{p: platform_id(p, h) for p in where}} for h, n in names.items()}
    return parse_org(
        {
            "organisation": "契約テスト株式会社",
            "language": "ja",
            "people": people,
            "incident_channel": where,
            "escalation": {
                "steps": [{"people": ["manager"], "wait_minutes": 5}, {"people": ["deputy"], "wait_minutes": 5}],
                "repeat_last": 0,
            },
            "responders": ["responder"],
        },
        platforms=adapters.names(),
    )


#: A valid report form (values as a person would enter them; the date is filled in by the test).
REPORT_VALUES: dict[str, str | tuple[str, ...]] = {
    "summary": "経理担当者が帰宅途中にUSBメモリを紛失した",
    "medium": "removable",
    "people": "20",
    "data_items": ("mynumber", "name"),
    "whose": "employees",
    "encrypted": "no",
    "exposed_online": "no",
    "wrongful_purpose": "no",
    "outsourcee": "no",
}


@dataclass(frozen=True)
class Received:
    """One thing the platform received from the bot, in platform-neutral terms.

    ``op``: ``dm`` (a direct message to one person), ``post`` (a message in a channel, or a reply
    in a thread), ``update`` (a message replaced in place), ``private`` (a reply only one person
    sees: ephemeral, or a DM where the platform has no ephemeral), ``form`` (a form shown to one
    person).
    ``ref``: the platform's id of the message (for ``update``: of the message that was replaced;
    empty for ``private`` and ``form`` when the platform gives them no id).
    ``to``: the handle of the person for ``dm`` / ``private`` / ``form``; the channel key for ``post``
    and ``update`` when known.
    ``thread``: for a thread reply, the ``ref`` of the thread's parent message; else ``None``.
    ``text``: all visible text of the message flattened (title, text, fields, checklist, buttons).
    ``buttons``: the (action, value) of every button in it.
    ``form_id``: for ``form``, the form's id.
    """

    op: Literal["dm", "post", "update", "private", "form"]
    ref: str
    to: str
    text: str
    thread: str | None = None
    buttons: tuple[tuple[str, str], ...] = ()
    form_id: str | None = None
    raw: Any = field(default=None, compare=False, repr=False)  # the platform's own payload, for debugging


@dataclass(frozen=True)
class Submitted:
    """The synchronous answer to a form submission: the HTTP status, and the field errors if the
    form was shown back (rejected)."""

    status: int
    errors: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class Driver(Protocol):
    """What the contract tests need from a platform. All inbound methods return the HTTP status the
    app answered with (2xx = accepted)."""

    platform: str
    app: App  # the running application (replaced by ``restart``)

    async def start(self, db_url: str, config: OrgConfig, clock: Any) -> None:
        """Build and serve the real app (port 0, loopback) on the migrated database ``db_url``."""
        ...

    async def restart(self) -> None:
        """Stop the app and build a new one on the same database (a process restart: nothing in
        memory survives; the fake platform and what it received do)."""
        ...

    async def stop(self) -> None:
        """Stop everything ``start`` started."""
        ...

    def user(self, handle: str) -> UserRef:
        """The platform's reference for ``handle``."""
        ...

    async def send_command(self, handle: str, text: str) -> int:
        """``/mynaleak <text>`` typed by ``handle`` in the incident channel."""
        ...

    async def press(self, handle: str, action: str, value: str, message: str | None = None) -> int:
        """``handle`` presses the button (``action``, ``value``) on the message ``message`` (a
        ``Received.ref``; ``None``: wherever the button was last received by that person, or the
        channel)."""
        ...

    async def submit_form(self, handle: str, form_id: str, values: Mapping[str, str | tuple[str, ...]], context: str = "") -> Submitted:
        """``handle`` submits the form ``form_id`` with ``values`` (a multi-select is a tuple)."""
        ...

    async def bad_request(self) -> int:
        """Send an inbound request that fails verification (a bad signature, a missing token) and
        would otherwise be a valid command; return the status (the contract expects 401 or 403)."""
        ...

    async def replay_last(self) -> int:
        """Send the last inbound request again, exactly as before (a platform retry)."""
        ...

    async def settle(self) -> None:
        """Wait until everything the bot has committed to send has been received."""
        ...

    def received(self) -> list[Received]:
        """Everything received from the bot since ``start`` (across restarts), in order."""
        ...

    def mentioned(self, received: Received) -> set[str]:
        """The handles ``received`` mentions, as its platform marks a mention (Slack ``<@U…>``, a
        Teams mention entity, the playground's name chip)."""
        ...
