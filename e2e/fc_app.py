"""Module fixtures for browser tests that need FranceConnect on, as production has it:
the local stand-in provider, and an app + server pointed at it. A test module imports
`fc_provider, app, base_url` from here; they replace conftest's app for that module."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from e2e.helpers import build_app, serving
from tests.fc_provider import running_provider


@pytest.fixture(scope="module")
def fc_provider():
    with running_provider() as provider:
        yield provider


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, fc_provider):
    return build_app(tmp_path_factory.mktemp("e2e-fc-db"), FRANCECONNECT_ISSUER=fc_provider.issuer)


@pytest.fixture(scope="module")
def base_url(app) -> Iterator[str]:
    with serving(app) as url:
        # Our redirect URIs are built from PUBLIC_URL (services/web.absolute_url): the
        # address this server got, known only now.
        app.config["PUBLIC_URL"] = url
        yield url
