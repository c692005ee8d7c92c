"""Microsoft Teams: botbuilder CloudAdapter at /api/messages (see adapter.py, docs/teams.md)."""
