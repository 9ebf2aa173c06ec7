"""Frozen records and repository protocols, one module per area: what the services and
the database layer agree on. No use cases live here, and nothing here imports the
services, the database layer or a GUI toolkit."""
