"""Fixtures of the value chain tests: a Belgian node able to issue invoices."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.config import Settings
from tests.conftest import make_settings
from tests.node.federation.conftest import receiver
from tests.node.member_helpers import BE_COMPANY, BE_VAT

__all__ = ["receiver"]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(
        tmp_path,
        **{
            "database.url": database_url,
            "node.name": "Coop BE",
            "node.vat_number": BE_VAT,
            "node.legal_entity_number": BE_COMPANY,
        },
    )
