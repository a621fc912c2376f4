"""A toy plugin that forgets to declare COOPNODE_HOOK_API."""
