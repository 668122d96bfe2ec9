"""Inventory automation: low stock with demand, sold-out visibility, back-in-stock requests."""
