"""Ankommen Dessau-Roßlau: the welcome bot of the city of Dessau-Roßlau."""

__version__ = "0.1.0"
