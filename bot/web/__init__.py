"""The web chat: the same assistant on the city's website (issue 19)."""
