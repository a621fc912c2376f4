"""The share rules in force, read from the ``shares.*`` settings.

Keeping the rules as data (settings) rather than code lets a co-op's general assembly change the
nominal value or the minimum holding without a release. A movement records the nominal value in
force when it happened, so later changes never rewrite history.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from node.config import Settings
from node.errors import ConfigError
from node.money import from_minor, to_minor
from node.shares.models import ShareClass


@dataclass(frozen=True)
class Terms:
    """The rules a subscription or redemption is checked against."""

    currency: str
    nominal_value: Decimal
    unit_value_minor: int
    class_a_minimum: int
    class_b_minimum: int
    maximum_per_member: int  # 0: no maximum
    redeem_only_on_leaving: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> Terms:
        currency = settings["node.currency"]
        nominal = settings["shares.nominal_value"]
        try:
            unit = to_minor(nominal, currency)
        except ValueError as exc:
            raise ConfigError("shares.nominal_value", str(exc)) from None
        return cls(
            currency=currency,
            nominal_value=from_minor(unit, currency),
            unit_value_minor=unit,
            class_a_minimum=settings["shares.class_a_minimum"],
            class_b_minimum=settings["shares.class_b_minimum"],
            maximum_per_member=settings["shares.maximum_per_member"],
            redeem_only_on_leaving=settings["shares.redeem_only_on_leaving"],
        )

    def minimum(self, share_class: str) -> int:
        return self.class_a_minimum if share_class == ShareClass.A else self.class_b_minimum

    def as_dict(self) -> dict[str, object]:
        return {
            "currency": self.currency,
            "nominal_value": self.nominal_value,
            "class_a_minimum": self.class_a_minimum,
            "class_b_minimum": self.class_b_minimum,
            "maximum_per_member": self.maximum_per_member,
            "redeem_only_on_leaving": self.redeem_only_on_leaving,
        }
