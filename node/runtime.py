"""The running node: settings, database, plugins and jurisdictions, built once at start-up.

:func:`bootstrap` is the one place start-up checks happen (configuration, plugins, the node's own
identity against its country's jurisdiction), so ``serve``, the CLI and tests fail the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from node.config import Settings
from node.crypto import Cipher
from node.db import Database
from node.errors import ConfigError
from node.identity.roles import Principal
from node.pluginhost import PluginHost, load_plugins

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from plugins.jurisdiction import Jurisdiction

log = logging.getLogger("coopnode")


@dataclass
class Node:
    settings: Settings
    db: Database
    plugins: PluginHost
    jurisdictions: dict[str, Jurisdiction]
    cipher: Cipher
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def jurisdiction(self) -> Jurisdiction:
        """The jurisdiction of the node's own country."""
        return self.jurisdictions[self.settings["node.country"]]

    def jurisdiction_for(self, country: str) -> Jurisdiction | None:
        return self.jurisdictions.get(country)

    def authenticate(self, request: Request, session: Session) -> tuple[Principal | None, bool]:
        from node.web.auth import authenticate

        return authenticate(request, session, self.settings)

    def close(self) -> None:
        self.db.dispose()


def check_identity(settings: Settings, jurisdictions: dict[str, Jurisdiction]) -> None:
    """The node's country must have a jurisdiction, and its company number must be valid there."""
    from plugins.jurisdiction import InvalidIdentifier

    country = settings["node.country"]
    jurisdiction = jurisdictions.get(country)
    if jurisdiction is None:
        known = ", ".join(sorted(jurisdictions)) or "none"
        raise ConfigError("node.country", f"no plugin provides {country} (installed: {known})")
    if settings["node.currency"] != jurisdiction.currency:
        raise ConfigError(
            "node.currency",
            f"{settings['node.currency']} is not the currency of {country} ({jurisdiction.currency})",
        )
    number = settings["node.legal_entity_number"]
    if number:
        try:
            jurisdiction.validate_company_id(number)
        except InvalidIdentifier as exc:
            raise ConfigError("node.legal_entity_number", exc.reason) from None
    vat = settings["node.vat_number"]
    if vat and not vat.upper().startswith(_vat_prefix(country)):
        raise ConfigError("node.vat_number", f"must be a VAT number of {country}")


def _vat_prefix(country: str) -> str:
    return "EL" if country == "GR" else country


def bootstrap(
    settings: Settings, *, db: Database | None = None, plugin_host: PluginHost | None = None
) -> Node:
    """Build a :class:`Node`; raises ConfigError/PluginError on anything that would fail later."""
    host = plugin_host or load_plugins(settings)
    jurisdictions = host.jurisdictions(settings)
    check_identity(settings, jurisdictions)
    database = db or Database(settings["database.url"])
    database.on_callback_error = lambda exc: log.error("event hook failed: %r", exc)
    return Node(settings, database, host, jurisdictions, Cipher.from_settings(settings))
