"""The door: verify, record one inbox row, enqueue after commit, answer fast."""
