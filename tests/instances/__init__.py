"""The service as deployed: two gunicorn instances (separate processes, two ports) over one
database, driven over HTTP with real sessions (SEC-D1, D2, D4, T1, T2, T4, T6)."""
