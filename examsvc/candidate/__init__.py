"""The candidate blueprint."""
