"""The till's session: its register, shift and cart, and one method per cashier action.

Every action is one job on the database worker (:func:`ui.ops.run`), made from the GUI
thread: the service call (or, for a hold, a clear or a payment, the call and the opening
of the next cart), whose answer comes back to the caller's ``on_done``, or its failure to
``on_error``, on the GUI thread. Jobs run one after another in the order they were made,
so a burst of scans lands in order and the last answer is the database's. The session
never touches a widget: the till screen and its dialogs call it and show what comes back.
``owner`` is the QObject whose deletion drops a late answer (a dialog that closed); the
session itself when not given.

The cart the actions work on is held by :class:`CartRef` on the worker's side, so an
action always lands on the cart the database worker has reached, not on the one the GUI
last saw. The register, the settings and the shift are the GUI's side: set when the start,
the opening or the closing of the shift comes back.

Receipts print after the sale is committed (:meth:`TillSession.print_receipt`: the
snapshot on the database worker, the printer on the network pool), so a printer failure
never loses a sale.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, TypeVar

from PySide6.QtCore import QObject

from pos.domain.errors import Conflict
from pos.domain.pricing import Discount
from pos.domain.receipt import PrinterConfig, ReceiptSnapshot
from pos.domain.sale import RefundItem
from pos.ports.catalog import ProductHit
from pos.ports.sales import CartLineView, CartView, SaleView
from pos.ports.settings import StoreSettings
from pos.ports.shifts import RegisterView, ShiftFigures, ShiftRow
from pos.ports.staff import Actor, Approval
from pos.ports.till import ClosedShift, HeldAndNext, ReceiptJob, TillStart
from pos.services import cart as carts
from pos.services import checkout, shifts, till
from pos.services.checkout import SaleAndNext
from pos.services.context import ServiceContext
from ui import ops

T = TypeVar("T")
Done = Callable[[T], None]
Failed = Callable[[BaseException], None]
PrintFn = Callable[[PrinterConfig, ReceiptSnapshot], bool]
Resolved = CartView | list[ProductHit]  # Enter on text: the cart, or hits to choose from


def default_print(config: PrinterConfig, snapshot: ReceiptSnapshot) -> bool:
    from ui.printing import print_receipt  # ReportLab loads on the first receipt

    return print_receipt(config, snapshot)


class CartRef:
    """The cart the till works on, as the database worker sees it.

    Calls run on the worker one at a time, in the order they were made. A call that moves
    the till to another cart (the next sale after a payment, a hold, a clear, a recall, a
    cashier switch) sets ``id`` there, inside that same call; every call on "the cart"
    reads it there too (:func:`on_cart`). So a scan made a moment after a sale was paid,
    before the GUI has even seen the new cart, lands on the new cart, never on the sold
    one. Only the worker-side functions of this module touch it."""

    __slots__ = ("id",)

    def __init__(self) -> None:
        self.id: int | None = None


# -- on the database worker -------------------------------------------------------------


def on_cart(
    ref: CartRef,
    ctx: ServiceContext,
    actor: Actor,
    fn: Callable[..., Any],
    *args: Any,
    **kwargs: Any,
) -> Any:
    """``fn(ctx, actor, <the till's cart>, *args)``."""
    if ref.id is None:
        raise Conflict("No sale is open on this till; open the shift first.")
    return fn(ctx, actor, ref.id, *args, **kwargs)


def _start(ref: CartRef, ctx: ServiceContext, actor: Actor, code: str) -> TillStart:
    start = till.start_till(ctx, actor, code)
    ref.id = start.cart.id if start.cart is not None else None
    return start


def _open_cart(ref: CartRef, ctx: ServiceContext, actor: Actor, register_id: int) -> CartView:
    view = carts.current_cart(ctx, actor, register_id)
    ref.id = view.id
    return view


def _hold(ref: CartRef, ctx: ServiceContext, actor: Actor, label: str) -> HeldAndNext:
    done: HeldAndNext = on_cart(ref, ctx, actor, till.hold_and_open_next, label)
    ref.id = done.next_cart.id
    return done


def _clear(
    ref: CartRef, ctx: ServiceContext, actor: Actor, register_id: int, reason: str
) -> CartView:
    view: CartView = on_cart(ref, ctx, actor, till.clear_and_open_next, register_id, reason)
    ref.id = view.id
    return view


def _recall(ref: CartRef, ctx: ServiceContext, actor: Actor, cart_id: int) -> CartView:
    view = carts.recall_cart(ctx, actor, cart_id)
    ref.id = view.id
    return view


def _complete(
    ref: CartRef, ctx: ServiceContext, actor: Actor, cart_id: int, cash_minor: int
) -> SaleAndNext:
    done = checkout.complete_and_open_next(ctx, actor, cart_id, cash_minor)
    if done.next_cart is not None:
        ref.id = done.next_cart.id
    return done


# -- on the GUI thread ------------------------------------------------------------------


class TillSession(QObject):
    """One till: the register ``register_code`` and the signed-in cashier (``actor``,
    replaced on a cashier switch)."""

    def __init__(
        self,
        ctx: ServiceContext,
        actor: Actor,
        register_code: str,
        *,
        print_fn: PrintFn | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor
        self.register_code = register_code
        self.print_fn: PrintFn = print_fn or default_print
        self.register: RegisterView | None = None
        self.settings: StoreSettings | None = None
        self.shift: ShiftRow | None = None
        self.search_hits: Callable[[str, int], list[ProductHit]] = partial(till.search_hits, ctx)
        self._cart = CartRef()
        self._qty_target: dict[int, int] = {}  # line id -> the quantity last asked for
        self._qty_inflight: dict[int, int] = {}  # line id -> quantity calls not yet answered

    @property
    def register_id(self) -> int:
        if self.register is None:
            raise RuntimeError("the till has not started yet")
        return self.register.id

    def _run(
        self,
        fn: Callable[..., T],
        *args: Any,
        on_done: Done[T],
        on_error: Failed | None,
        owner: QObject | None = None,
        **kwargs: Any,
    ) -> None:
        ops.run(fn, *args, on_done=on_done, on_error=on_error, owner=owner or self, **kwargs)

    def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> None:
        """``fn(ctx, actor, *args)`` on the worker: a service acting as the cashier."""
        self._run(fn, self.ctx, self.actor, *args, **kwargs)

    def _job(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> None:
        """``fn(<the cart ref>, ctx, actor, *args)`` on the worker: a job of this module
        that works on, or moves, the till's cart."""
        self._run(fn, self._cart, self.ctx, self.actor, *args, **kwargs)

    # -- the till and its cart ---------------------------------------------------------

    def start(self, *, on_done: Done[TillStart], on_error: Failed) -> None:
        """The register (ensured), the settings, the shift and the cashier's open cart."""

        def started(start: TillStart) -> None:
            self.register, self.settings, self.shift = start.register, start.settings, start.shift
            on_done(start)

        self._job(_start, self.register_code, on_done=started, on_error=on_error)

    def open_cart(self, *, on_done: Done[CartView], on_error: Failed) -> None:
        """The cashier's open cart, a new one if none (after a shift opens, or a switch)."""
        self._job(_open_cart, self.register_id, on_done=on_done, on_error=on_error)

    def scan(self, code: str, quantity: int, *, on_done: Done[CartView], on_error: Failed) -> None:
        """A barcode: looked up and added in one transaction (``cart.scan``)."""
        self._job(on_cart, carts.scan, code, quantity, on_done=on_done, on_error=on_error)

    def enter_text(
        self, text: str, quantity: int, *, on_done: Done[Resolved], on_error: Failed
    ) -> None:
        """Enter on text that is not a GTIN (``till.resolve_text``): the cart with the
        product added, or the hits to choose from."""
        self._job(on_cart, till.resolve_text, text, quantity, on_done=on_done, on_error=on_error)

    def add_product(
        self, product_id: int, quantity: int, *, on_done: Done[CartView], on_error: Failed
    ) -> None:
        """A product chosen by a tap or from the hits."""
        self._job(
            on_cart, carts.add_product, product_id, quantity, on_done=on_done, on_error=on_error
        )

    def quantity_target(self, line: CartLineView) -> int:
        """The quantity of ``line`` once the quantities asked for have landed (``+``
        pressed three times asks for +1, +2 and +3)."""
        return self._qty_target.get(line.id, line.quantity)

    def set_quantity(
        self, line_id: int, quantity: int, *, on_done: Done[CartView], on_error: Failed
    ) -> None:
        self._qty_target[line_id] = quantity
        self._qty_inflight[line_id] = self._qty_inflight.get(line_id, 0) + 1

        def done(view: CartView) -> None:
            self._settle_quantity(line_id)
            on_done(view)

        def failed(exc: BaseException) -> None:
            self._settle_quantity(line_id)
            self._qty_target.pop(line_id, None)
            on_error(exc)

        self._job(on_cart, carts.set_quantity, line_id, quantity, on_done=done, on_error=failed)

    def _settle_quantity(self, line_id: int) -> None:
        left = self._qty_inflight.get(line_id, 1) - 1
        if left <= 0:
            self._qty_inflight.pop(line_id, None)
            self._qty_target.pop(line_id, None)
        else:
            self._qty_inflight[line_id] = left

    def remove_line(self, line_id: int, *, on_done: Done[CartView], on_error: Failed) -> None:
        self._job(on_cart, carts.remove_line, line_id, on_done=on_done, on_error=on_error)

    def set_line_discount(
        self,
        line_id: int,
        discount: Discount | None,
        *,
        approver: Approval | None = None,
        on_done: Done[CartView],
        on_error: Failed,
    ) -> None:
        """A line discount (None removes it); over the cashier's limit, with a manager
        (``approver``)."""
        self._job(
            on_cart,
            carts.set_line_discount,
            line_id,
            discount,
            approver=approver,
            on_done=on_done,
            on_error=on_error,
        )

    def set_cart_discount(
        self,
        discount: Discount | None,
        *,
        approver: Approval | None = None,
        on_done: Done[CartView],
        on_error: Failed,
    ) -> None:
        """A discount on the whole sale (None removes it); over the limit, with a manager."""
        self._job(
            on_cart,
            carts.set_cart_discount,
            discount,
            approver=approver,
            on_done=on_done,
            on_error=on_error,
        )

    def override_price(
        self,
        line_id: int,
        price: str | None,
        *,
        approver: Approval | None = None,
        on_done: Done[CartView],
        on_error: Failed,
    ) -> None:
        """A new unit price for a line (None restores the list price), with a manager."""
        self._job(
            on_cart,
            carts.override_price,
            line_id,
            price,
            approver=approver,
            on_done=on_done,
            on_error=on_error,
        )

    def attach_customer(
        self, customer_id: int | None, *, on_done: Done[CartView], on_error: Failed
    ) -> None:
        """The customer of the sale (None: no customer)."""
        self._job(on_cart, carts.attach_customer, customer_id, on_done=on_done, on_error=on_error)

    def hold(self, label: str, *, on_done: Done[HeldAndNext], on_error: Failed) -> None:
        """Park the sale under ``label``; the till goes on with the cashier's next cart."""
        self._job(_hold, label, on_done=on_done, on_error=on_error)

    def held_carts(
        self, *, on_done: Done[list[CartView]], on_error: Failed, owner: QObject
    ) -> None:
        """The sales on hold on this register."""
        self._run(
            carts.held_carts,
            self.ctx,
            self.register_id,
            on_done=on_done,
            on_error=on_error,
            owner=owner,
        )

    def recall(
        self, cart_id: int, *, on_done: Done[CartView], on_error: Failed, owner: QObject
    ) -> None:
        """Bring a held sale back as the till's cart (the open one is held in its place
        if it has lines)."""
        self._job(_recall, cart_id, on_done=on_done, on_error=on_error, owner=owner)

    def clear(self, reason: str, *, on_done: Done[CartView], on_error: Failed) -> None:
        """Abandon the sale (card payments on it are refunded); the next cart comes back."""
        self._job(_clear, self.register_id, reason, on_done=on_done, on_error=on_error)

    # -- payment and returns -----------------------------------------------------------

    def pay_by_card(
        self,
        cart_id: int,
        amount_minor: int,
        *,
        on_done: Done[CartView],
        on_error: Failed,
        owner: QObject,
    ) -> None:
        """Charge the card terminal for part or all of what is due on ``cart_id``."""
        self._call(
            checkout.pay_by_card,
            cart_id,
            amount_minor,
            on_done=on_done,
            on_error=on_error,
            owner=owner,
        )

    def complete(
        self,
        cart_id: int,
        cash_minor: int,
        *,
        on_done: Done[SaleAndNext],
        on_error: Failed,
        owner: QObject,
    ) -> None:
        """Record the sale with ``cash_minor`` handed over; the cashier's next cart is
        opened in the same transaction and becomes the till's cart."""
        self._job(_complete, cart_id, cash_minor, on_done=on_done, on_error=on_error, owner=owner)

    def find_sale(
        self, receipt: str, *, on_done: Done[SaleView], on_error: Failed, owner: QObject
    ) -> None:
        """The sale with receipt ``receipt`` (``TILL-1-000042``, any case)."""
        self._run(
            checkout.find_sale, self.ctx, receipt, on_done=on_done, on_error=on_error, owner=owner
        )

    def refund(
        self,
        original_id: int,
        items: Sequence[RefundItem],
        tender: str,
        *,
        reason: str,
        client_id: str,
        approver: Approval | None = None,
        on_done: Done[SaleView],
        on_error: Failed,
        owner: QObject,
    ) -> None:
        """Give money back for ``items`` of a sale (``tender``: original or cash), with a
        manager (``approver``) over the threshold; one ``client_id`` per attempt, so a
        refund sent twice is recorded once."""
        self._call(
            checkout.refund,
            self.register_id,
            original_id,
            items,
            tender,
            approver=approver,
            reason=reason,
            client_id=client_id,
            on_done=on_done,
            on_error=on_error,
            owner=owner,
        )

    # -- the shift -----------------------------------------------------------------------

    def open_shift(
        self, float_minor: int, *, on_done: Done[ShiftRow], on_error: Failed, owner: QObject
    ) -> None:
        """Open the register's shift with ``float_minor`` in the drawer."""

        def opened(shift: ShiftRow) -> None:
            self.shift = shift
            on_done(shift)

        self._call(
            shifts.open_shift,
            self.register_id,
            float_minor,
            on_done=opened,
            on_error=on_error,
            owner=owner,
        )

    def x_report(self, *, on_done: Done[ShiftFigures], on_error: Failed) -> None:
        """The open shift's figures so far."""
        self._call(shifts.x_report, self.register_id, on_done=on_done, on_error=on_error)

    def close_shift(
        self,
        counts: dict[str, int],
        *,
        on_done: Done[ClosedShift],
        on_error: Failed,
        owner: QObject,
    ) -> None:
        """The Z close with the drawer counted by denomination, and its report."""

        def closed(result: ClosedShift) -> None:
            self.shift = None
            on_done(result)

        self._call(
            till.close_shift_and_report,
            self.register_id,
            dict(counts),
            on_done=closed,
            on_error=on_error,
            owner=owner,
        )

    # -- receipts ------------------------------------------------------------------------

    def print_receipt(
        self,
        order_id: int | None,
        copy: bool = False,
        *,
        on_ready: Done[ReceiptSnapshot],
        on_printed: Done[bool],
        on_error: Failed,
    ) -> None:
        """Make the receipt of ``order_id`` (None: a copy of the register's last one),
        hand it to ``on_ready``, then print it; ``on_printed(False)``: no printer is set
        up. A failure on the way goes to ``on_error`` (the sale stays recorded)."""

        def ready(job: ReceiptJob) -> None:
            on_ready(job.snapshot)
            ops.run_network(
                self.print_fn,
                job.printer,
                job.snapshot,
                on_done=on_printed,
                on_error=on_error,
                owner=self,
            )

        self._run(
            till.receipt_job,
            self.ctx,
            self.register_id,
            order_id,
            copy,
            on_done=ready,
            on_error=on_error,
        )
