"""Storefront newsletter signups: double opt-in, consent kept, pushed to the platform."""
