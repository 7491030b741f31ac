"""Machine translation between residents and the city's team (off by default).

- ``connector``: LibreTranslate or the DeepL API over HTTP, with timeouts, retries and a cool-down.
- ``outbox``: translation inside the outbox worker, stored in the row before its first send.
- ``texts``: how translations and originals appear to the staff and to residents.
- ``fill``: drafts of missing knowledge-base translations for curators (``status: machine``).

This package imports nothing from Telegram; ``bot.escalation`` uses ``texts`` only.
"""
