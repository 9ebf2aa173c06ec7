"""The cashier's side of the app: the till screen and its dialogs.

:mod:`ui.till.session` is the till's orchestration: its register, shift and cart, and one
method per cashier action (a job on the database worker, its answer by callback); it
never touches a widget. :mod:`ui.till.till_screen` is the screen that calls it (pages,
keys, what each action asks and shows), helped by :mod:`~ui.till.sale_page` (the selling
page's widgets), :mod:`~ui.till.scan_entry` (what the scan box, the hits and the quick
keys add) and :mod:`~ui.till.checkout_desk` (payment, returns, receipts).

One screen, panel or dialog per module: :mod:`~ui.till.totals_panel`,
:mod:`~ui.till.cart_model`, :mod:`~ui.till.search_popup` (scan-or-search box and its
results), :mod:`~ui.till.quick_keys`, :mod:`~ui.till.suggestions`,
:mod:`~ui.till.tender_dialog`, :mod:`~ui.till.returns_dialog`,
:mod:`~ui.till.shift_dialogs`, :mod:`~ui.till.pin_pad`, :mod:`~ui.till.customer_dialog`,
:mod:`~ui.till.held_carts_dialog`, :mod:`~ui.till.value_dialog` (and the till's questions
made with it), :mod:`~ui.till.receipt_view`, :mod:`~ui.till.low_stock` and
:mod:`~ui.till.keymap`.

Rules shared by all of them:

- Every service call goes through :mod:`ui.ops` (never on the GUI thread); the till's cart,
  payment, return and shift actions go through its session. The cart view a call returns
  replaces what the till shows, so the screen is always what the database holds.
- Signals of child widgets are connected to bound methods only, never to a lambda or a
  ``partial`` holding the parent (see ``ui.main_window._open_dialog`` for the PySide bug);
  a payload travels in a small widget subclass's own signal instead.
- Key widgets have stable ``objectName`` values; tests and the stylesheets use them.
"""
