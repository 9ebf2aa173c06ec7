"""Storefront sync: the client (the only module that imports requests) and the sync engine."""
