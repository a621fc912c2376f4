"""The plugin host: load plugins, check them, and collect what they register.

Plugins come from the ``coopnode`` entry-point group (the built-in country plugins register there
exactly like a third-party plugin) and from the config's ``plugins.modules`` list. Each plugin module
declares the hook API versions it supports in ``COOPNODE_HOOK_API``; a plugin that does not support
:data:`plugins.HOOK_API_VERSION`, a misspelt hook (``check_pending``) or two plugins registering the
same country are start-up errors that name the plugins involved.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pluggy

import plugins
from node.errors import PluginError
from plugins import hookspecs

if TYPE_CHECKING:
    from node.config import Settings
    from plugins.jurisdiction import Jurisdiction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PluginInfo:
    """What ``coopnode plugins`` shows for one plugin."""

    name: str
    module: str
    version: str
    hooks: tuple[str, ...]


def supported_versions(module: ModuleType) -> set[int]:
    declared = getattr(module, "COOPNODE_HOOK_API", None)
    if declared is None:
        raise PluginError(
            f"plugin {module.__name__} does not declare COOPNODE_HOOK_API "
            f"(this node speaks hook API {plugins.HOOK_API_VERSION})"
        )
    return {declared} if isinstance(declared, int) else set(declared)


def _distribution_version(module: ModuleType, dist_version: str | None) -> str:
    return dist_version or str(getattr(module, "__version__", "unknown"))


class PluginHost:
    """A pluggy manager plus what the node needs to know about each plugin."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(plugins.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self._versions: dict[str, str] = {}

    @property
    def hook(self) -> Any:
        return self.pm.hook

    def register(self, module: ModuleType, name: str | None = None, version: str = "") -> None:
        """Register one plugin module after checking its hook API version."""
        name = name or module.__name__
        wanted = supported_versions(module)
        if plugins.HOOK_API_VERSION not in wanted:
            raise PluginError(
                f"plugin {name} supports hook API {sorted(wanted)}, "
                f"but this node speaks {plugins.HOOK_API_VERSION}"
            )
        if self.pm.is_registered(module) or self.pm.get_plugin(name) is not None:
            raise PluginError(f"plugin {name} is registered twice")
        self.pm.register(module, name=name)
        self._versions[name] = _distribution_version(module, version)

    def load(self, modules: Iterable[str] = (), disabled: Iterable[str] = ()) -> None:
        """Load entry-point plugins (minus ``disabled``) and extra modules, then check them."""
        skip = set(disabled)
        for ep in entry_points(group=plugins.PROJECT_NAME):
            if ep.name in skip:
                continue
            version = ep.dist.version if ep.dist is not None else ""
            self.register(_import(ep.value, ep.name), name=ep.name, version=version)
        for dotted in modules:
            self.register(_import(dotted, dotted), name=dotted)
        self.check()

    def check(self) -> None:
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"plugin {exc.plugin}: {exc}") from None

    def describe(self) -> list[PluginInfo]:
        infos = []
        for name, plugin in sorted(self.pm.list_name_plugin(), key=lambda item: item[0]):
            hooks = tuple(sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or []))
            module = getattr(plugin, "__name__", repr(plugin))
            infos.append(PluginInfo(name, module, self._versions.get(name, ""), hooks))
        return infos

    def collect(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call a ``register_*`` hook; return ``(plugin name, object)`` for every object."""
        caller = getattr(self.pm.hook, hook_name)
        found: list[tuple[str, Any]] = []
        for impl in caller.get_hookimpls():  # registration order: entry points first
            wanted = {k: v for k, v in kwargs.items() if k in impl.argnames}
            for obj in impl.function(**wanted) or []:
                found.append((impl.plugin_name, obj))
        return found

    def jurisdictions(self, settings: Settings) -> dict[str, Jurisdiction]:
        """Every registered jurisdiction by country code; a duplicate is an error naming both."""
        by_country: dict[str, Jurisdiction] = {}
        owner: dict[str, str] = {}
        for plugin_name, jurisdiction in self.collect(
            "coop_register_jurisdictions", settings=settings
        ):
            country = jurisdiction.country
            if country in by_country:
                raise PluginError(
                    f"country {country} is claimed by two plugins: {owner[country]} and {plugin_name}"
                )
            by_country[country] = jurisdiction
            owner[country] = plugin_name
        return by_country

    def unique_by_name(
        self, hook_name: str, what: str, taken: Iterable[str] = (), **kwargs: Any
    ) -> dict[str, Any]:
        """Collect objects with a ``name``; a name claimed twice is an error naming both owners."""
        owner = {name: "coopnode" for name in taken}
        objects: dict[str, Any] = {}
        for plugin_name, obj in self.collect(hook_name, **kwargs):
            if obj.name in owner:
                raise PluginError(
                    f"{what} {obj.name!r} is claimed twice: by {owner[obj.name]} and {plugin_name}"
                )
            owner[obj.name] = plugin_name
            objects[obj.name] = obj
        return objects


def _import(dotted: str, name: str) -> ModuleType:
    try:
        return importlib.import_module(dotted)
    except Exception as exc:
        raise PluginError(f"plugin {name} cannot be imported: {exc}") from exc


def load_plugins(settings: Settings) -> PluginHost:
    host = PluginHost()
    host.load(settings["plugins.modules"], settings["plugins.disabled"])
    return host
