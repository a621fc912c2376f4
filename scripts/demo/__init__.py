"""``make demo``: three real nodes (Belgium, France, Germany) on 127.0.0.1, driven as their
admins, staff and members would (``coopnode`` commands and the JSON API only), through a
posting, a hosting, a three-country value chain and the settlement between each pair.

Run it from the repository root with the project's venv: ``.venv/bin/python -m scripts.demo``
(``--dir`` chooses the nodes' folder, ``var/demo`` by default, emptied first).
"""
