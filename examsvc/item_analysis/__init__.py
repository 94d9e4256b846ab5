"""The item analysis blueprint."""
