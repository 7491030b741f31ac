"""Telegram's message limits: length in UTF-16 code units and splitting a long text into messages.

The domain renders answers without a length limit; the Telegram layer splits what it sends, and
``bot.validation`` refuses knowledge whose single answer would not fit one message.
"""

from __future__ import annotations

TELEGRAM_LIMIT = 4096  # UTF-16 code units per message


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def _hard_cut(line: str, limit: int) -> int:
    """Where to cut a line longer than ``limit`` UTF-16 units: at a space in the second half if
    there is one, never inside an HTML entity (``&amp;``) or tag."""
    units, cut = 0, len(line)
    for index, char in enumerate(line):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            cut = index
            break
    space = line.rfind(" ", 0, cut)
    if space > cut // 2:
        cut = space
    for opener, closer in (("&", ";"), ("<", ">")):
        start = line.rfind(opener, 0, cut)
        if start > 0 and closer not in line[start:cut]:
            cut = start
    return max(cut, 1)


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split at paragraph, then line boundaries so that no part exceeds ``limit`` UTF-16 units
    (Telegram's measure: 2,048 emoji are 4,096 units).

    HTML tags in this project never span a line break, so line-based splitting keeps them whole;
    a line cut in the middle is never cut inside an entity or a tag.
    """
    if utf16_len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while utf16_len(line) > limit:  # a single monster line: cut hard, at a space if any
            cut = _hard_cut(line, limit)
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut])
            line = line[cut:].lstrip()
        candidate = f"{current}\n{line}" if current else line
        if utf16_len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    return [p for p in parts if p.strip()]
