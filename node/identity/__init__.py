"""Identity and access: users, roles, passwords, second factor, tokens and sessions."""
