"""Authoring a plan section by section: forms, editors per section kind, statuses."""
