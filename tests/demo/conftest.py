"""Fixtures for the demo-site tests."""

from __future__ import annotations

import pytest

from crawler.demo.server import SiteServer
from crawler.demo.site import build_site


@pytest.fixture(scope="module")
def site():
    """The full demo site on a free loopback port (shared per test module)."""
    with SiteServer({}) as srv:
        srv.routes.update(build_site(srv.base_url))
        yield srv


@pytest.fixture
def server():
    """An empty server; tests install their own routes."""
    with SiteServer({}) as srv:
        yield srv
