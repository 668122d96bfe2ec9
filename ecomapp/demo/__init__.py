"""The demo store: a realistic, deterministic store generated locally."""
