"""A Belgian node able to issue invoices, whose guarantee settings a test may change.

``@pytest.mark.parametrize("settings", [{"guarantee.clients": "approved"}], indirect=True)``
gives a test a node with that policy.
"""

from pathlib import Path
from typing import Any

import pytest

from node.config import Settings
from tests.conftest import make_settings
from tests.node.invoices.test_invoices import setup
from tests.node.member_helpers import BE_COMPANY, BE_VAT

__all__ = ["settings", "setup"]


@pytest.fixture
def settings(tmp_path: Path, database_url: str, request: pytest.FixtureRequest) -> Settings:
    overrides: dict[str, Any] = getattr(request, "param", {})
    return make_settings(
        tmp_path,
        **{
            "database.url": database_url,
            "node.name": "Coopérative Exemple SC",
            "node.vat_number": BE_VAT,
            "node.legal_entity_number": BE_COMPANY,
            **overrides,
        },
    )
