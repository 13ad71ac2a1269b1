"""Fixtures of the alerts tests: receivers on 127.0.0.1 and settings that let them through."""

from __future__ import annotations

import dataclasses

import pytest
from alerting import Receiver, SmtpServer


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def stack(clean_stack, receiver):
    """The clean stack, with the network guard letting exactly the webhook receiver through."""
    return dataclasses.replace(clean_stack, allowed_addresses=frozenset({receiver.address}))
