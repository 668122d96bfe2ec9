"""Store intelligence: pure functions over mirror rows."""
