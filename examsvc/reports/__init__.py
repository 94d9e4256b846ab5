"""The reports blueprint."""
