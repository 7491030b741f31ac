"""Delivery channels for escalations: e-mail and the staff group."""
