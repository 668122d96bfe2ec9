"""Platform adapters behind one interface, found through the registry."""
