"""The bank blueprint."""
