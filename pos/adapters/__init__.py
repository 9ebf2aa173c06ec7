"""Adapters to devices outside the database: receipt printers and the cash drawer, the
card terminal. Services reach them only through the protocols in :mod:`pos.ports`;
the composition roots (``pos.app``, ``ui.bootstrap``) plug them in."""
