"""Machine translation between residents and the city's team (off by default).

- ``connector``: LibreTranslate or the DeepL API over HTTP, with timeouts, retries and a cool-down.
- ``texts``: how translations and originals appear to the staff and to residents, and the
  record of one translation (``MachineTranslation``) that an outbox row keeps.
- ``fill``: drafts of missing knowledge-base translations for curators (``status: machine``).

This package imports nothing from Telegram or the escalation; ``bot.escalation.translation``
translates inside the outbox worker with ``connector`` and ``texts``.
"""
