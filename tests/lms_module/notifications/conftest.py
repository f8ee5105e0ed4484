"""Fixtures of the notification tests: a real SMTP server and an app that sends to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from mail_support import Inbox, smtp_config, smtp_server


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A running SMTP server on a free local port: (its inbox, its port)."""
    with smtp_server() as running:
        yield running


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], smtp: tuple[Inbox, int]) -> Flask:
    """An app on the test's rolled-back database whose e-mail goes to ``smtp``."""
    return make_app(**smtp_config(smtp[1]))


@pytest.fixture
def inbox(smtp: tuple[Inbox, int]) -> Inbox:
    return smtp[0]
