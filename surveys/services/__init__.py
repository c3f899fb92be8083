"""Use cases. Each takes the session first, flushes, and never commits."""
