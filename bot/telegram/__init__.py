"""Telegram layer: wiring, thin handlers, keyboards."""
