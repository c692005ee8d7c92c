"""Microsoft Teams: botbuilder CloudAdapter at /api/messages (see adapter.py; README "Install in Teams")."""
