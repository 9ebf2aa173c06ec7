"""The back office: one shell (:mod:`ui.back_office.shell`) with a page per area of the
shop, listed in :mod:`ui.back_office.pages`. Each page is a module of its own, built the
first time it is shown, and talks to ``pos.services`` through :mod:`ui.ops`."""
