"""Posting: members of this node working abroad under its law, and peers' members posted here."""
