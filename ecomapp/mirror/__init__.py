"""The mirror: upsert canonical records, keep aggregates current, emit canonical events."""
