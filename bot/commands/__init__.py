"""Command-line commands beyond running the bot: assess, draft, audit."""
