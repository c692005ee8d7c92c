"""The playground as the contract suite drives it: the whole app behind its web page, on a fresh database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import Clock
from tests.contract.driver_playground import PlaygroundDriver
from tests.contract.drivers import contract_org


@pytest.fixture
async def pg(db_url: str, clock: Clock) -> AsyncIterator[PlaygroundDriver]:
    d = PlaygroundDriver()
    await d.start(db_url, contract_org(), clock)
    yield d
    await d.stop()
