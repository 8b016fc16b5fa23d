"""The local fail-safe AGI script (classic stdin AGI, standard library + pyst2 only)."""
