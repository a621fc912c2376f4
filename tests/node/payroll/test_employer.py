"""The co-op as employer in payroll declarations comes from the node's settings."""

from __future__ import annotations

from typing import Any

from node.payroll.service import employer_of


def test_the_employer_carries_its_social_security_number(settings_factory: Any) -> None:
    settings = settings_factory(
        **{
            "node.legal_entity_number": "0403019261",
            "node.employer_social_security_id": "123456789",
        }
    )
    employer = employer_of(settings)
    assert (employer.company_id, employer.social_security_id) == ("0403019261", "123456789")
    assert employer.country == settings["node.country"]


def test_without_the_setting_the_number_is_empty(settings_factory: Any) -> None:
    assert employer_of(settings_factory()).social_security_id == ""
