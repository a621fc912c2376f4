"""Built-in coopnode plugins and the plugin contract.

Plugin authors import two things from here:

* :data:`hookimpl` — the marker for hook implementations;
* :data:`HOOK_API_VERSION` — the hook API version this host speaks. A plugin module declares the
  versions it supports in a module attribute ``COOPNODE_HOOK_API`` (an int or a collection of ints);
  the node refuses to start when a plugin does not support the host's version.

The hook specifications live in :mod:`plugins.hookspecs`; each country package (``plugins.be``,
``plugins.fr`` …) registers a :class:`plugins.jurisdiction.Jurisdiction`.
"""

import pluggy

PROJECT_NAME = "coopnode"
HOOK_API_VERSION = 1

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

__all__ = ["HOOK_API_VERSION", "PROJECT_NAME", "hookimpl"]
