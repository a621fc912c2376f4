"""A toy plugin written for a hook API this node does not speak."""

COOPNODE_HOOK_API = 0
