"""Inventory features: back-in-stock requests (and, beside them, low-stock and visibility)."""
