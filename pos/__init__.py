"""Point of sale: domain, services and storefront sync."""

__version__ = "0.1.0"
