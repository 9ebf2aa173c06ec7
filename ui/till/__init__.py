"""The cashier's side of the app: the till screen and its dialogs.

One screen or dialog per module: :mod:`ui.till.till_screen` (scan, cart, totals, actions),
:mod:`~ui.till.cart_model`, :mod:`~ui.till.search_popup` (scan-or-search box and its
results), :mod:`~ui.till.quick_keys`, :mod:`~ui.till.tender_dialog`,
:mod:`~ui.till.returns_dialog`, :mod:`~ui.till.shift_dialogs`, :mod:`~ui.till.pin_pad`,
:mod:`~ui.till.customer_dialog`, :mod:`~ui.till.held_carts_dialog`,
:mod:`~ui.till.receipt_view`, :mod:`~ui.till.low_stock` and :mod:`~ui.till.keymap`.

Rules shared by all of them:

- Every service call goes through :mod:`ui.ops` (never on the GUI thread); the cart view a
  call returns replaces what the till shows, so the screen is always what the database holds.
- Signals of child widgets are connected to bound methods only, never to a lambda or a
  ``partial`` holding the parent (see ``ui.main_window._open_dialog`` for the PySide bug);
  a payload travels in a small widget subclass's own signal instead.
- Key widgets have stable ``objectName`` values; tests and the stylesheets use them.
"""
