"""ASGI entry point for uvicorn and other servers: ``node.asgi:app``.

Settings come from the environment and the config file, as for the CLI.
"""

from node.app import create_app
from node.config import load_settings
from node.runtime import bootstrap

app = create_app(bootstrap(load_settings()))
