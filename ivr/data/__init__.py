"""Shipped model weights (no message text; see ivr.classify)."""
