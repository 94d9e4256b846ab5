"""The only code that changes state. Every function takes the session, and where it needs them the
clock and the acting user, as arguments; it flushes and never commits (the caller owns the
transaction: one per web request or CLI command)."""
