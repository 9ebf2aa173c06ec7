"""Building a cart at the till. Every change is saved at once (a crash never loses an
open cart), and every view is priced by :func:`pos.domain.pricing.price_cart`.

Permissions: a cashier may discount a line or the cart up to the store's limit
(``cashier_discount_limit_percent``); a bigger discount or a price override needs a
manager, who approves in place (``approver``); the override is audited with both users.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal
from typing import NoReturn

from pos.domain.bounds import check_id, check_text, money_fits
from pos.domain.errors import Conflict, NotFound, UnknownBarcode, UnknownProduct, ValidationError
from pos.domain.gtin import normalize
from pos.domain.money import Currency
from pos.domain.pricing import Discount, DiscountKind, LineInput, price_cart
from pos.domain.sale import CartStatus, merge_target
from pos.domain.staff import Permission
from pos.domain.stock import MAX_QUANTITY, check_quantity
from pos.ports.sales import CartLineRow, CartLineView, CartRow, CartView
from pos.ports.settings import StoreSettings
from pos.ports.staff import Actor, Approval
from pos.ports.uow import UnitOfWork
from pos.services.context import (
    Approver,
    ServiceContext,
    authorise,
    require,
    signed_in,
    token_hash,
)
from pos.services.settings import read_settings
from pos.services.staff import verify_approval


def describe(discount: Discount | None, cur: Currency) -> str:
    if discount is None:
        return ""
    if discount.kind is DiscountKind.PERCENT:
        return f"-{discount.value.normalize():f}%"
    return f"-{cur.format(cur.from_minor(int(discount.value)))}"


def price_row(row: CartRow, settings: StoreSettings) -> CartView:
    cur = settings.money
    totals = price_cart(
        [LineInput(ln.unit_price_minor, ln.quantity, ln.tax_rate, ln.discount) for ln in row.lines],
        settings.mode,
        settings.rounding,
        row.discount,
    )
    if not all(money_fits(t) for t in (totals.subtotal, totals.total, totals.tax)):
        raise ValidationError("total", "the sale would be over the largest amount a sale may be")
    lines = tuple(
        CartLineView(
            id=ln.id,
            product_id=ln.product_id,
            sku=ln.sku,
            name=ln.name,
            quantity=ln.quantity,
            unit_price_minor=ln.unit_price_minor,
            list_price_minor=ln.list_price_minor,
            discount_label=describe(ln.discount, cur),
            discount_minor=t.discount,
            total_minor=t.total,
            tax_rate=ln.tax_rate,
        )
        for ln, t in zip(row.lines, totals.lines, strict=True)
    )
    paid = sum(t.amount_minor for t in row.tenders)
    return CartView(
        id=row.id,
        client_id=row.client_id,
        register_id=row.register_id,
        status=row.status,
        label=row.label,
        customer_id=row.customer_id,
        customer_name=row.customer_name,
        currency=cur.code,
        lines=lines,
        subtotal_minor=totals.subtotal,
        discount_minor=totals.discount,
        tax_minor=totals.tax,
        total_minor=totals.total,
        tax_by_rate=totals.tax_by_rate,
        paid_minor=paid,
        tenders=row.tenders,
        cart_discount_label=describe(row.discount, cur),
        updated_at=row.updated_at,
    )


def load_cart(uow: UnitOfWork, cart_id: int, *, editable: bool = True) -> CartRow:
    row = uow.sales.cart(cart_id, lock=editable)
    if row is None:
        raise NotFound(f"No cart {cart_id} exists.")
    if editable and row.status != CartStatus.OPEN:
        raise Conflict(f"This cart is {row.status} and can no longer be changed.")
    if editable and row.pending_ref is not None:
        raise Conflict("A card payment is in progress on this cart; wait for the terminal.")
    return row


def _view(uow: UnitOfWork, cart_id: int) -> CartView:
    return price_row(load_cart(uow, cart_id, editable=False), read_settings(uow.settings))


def _no_tenders(row: CartRow) -> None:
    if row.tenders:
        raise Conflict(
            "A card payment is already taken on this cart; finish the sale or void the cart."
        )


def current_cart(ctx: ServiceContext, actor: Actor, register_id: int) -> CartView:
    """The open cart of this register and cashier, restored after a crash, or a new one."""
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.SELL, "Selling")
        row = uow.sales.open_cart_for(register_id, actor.user_id)
        if row is None:
            row = uow.sales.create_cart(str(uuid.uuid4()), register_id, actor.user_id)
            uow.commit()
        return price_row(row, read_settings(uow.settings))


def get_cart(ctx: ServiceContext, cart_id: int) -> CartView:
    cart_id = check_id(cart_id, "cart")
    with ctx.read() as uow:
        return _view(uow, cart_id)


def add_product(
    ctx: ServiceContext, actor: Actor, cart_id: int, product_id: int, quantity: int = 1
) -> CartView:
    """Add a product (a tap on a quick key, a search hit); the same product without a price
    of its own or a discount joins its line."""
    return _add(ctx, actor, cart_id, check_quantity(quantity), product_id=product_id)


def scan(ctx: ServiceContext, actor: Actor, cart_id: int, code: str, quantity: int = 1) -> CartView:
    """A scanned or typed barcode: the product added, in one unit of work."""
    quantity = check_quantity(quantity)
    return _add(ctx, actor, cart_id, quantity, code=normalize(code), typed=code.strip())


def _add(
    ctx: ServiceContext,
    actor: Actor,
    cart_id: int,
    quantity: int,
    *,
    code: str | None = None,
    typed: str = "",
    product_id: int | None = None,
) -> CartView:
    """The till's hottest path, three statements when all is well: claim the cart (open,
    no card payment, the cashier's session good; the settings' revision comes back), add
    the line (:func:`pos.domain.sale.merge_target`'s rule, as one upsert), read the cart
    back to price it. Only a refusal costs more statements, to say why."""
    cart_id = check_id(cart_id, "cart")
    if product_id is not None:
        product_id = check_id(product_id, "product")
    if code is not None:
        check_text(typed, "barcode", 64)
    with ctx.uow() as uow:
        revision = uow.sales.claim(cart_id, actor.user_id, token_hash(actor.token), ctx.clock())
        if revision is None:
            _refused(uow, actor, cart_id)
        if code is not None:
            line = uow.sales.add_scanned(cart_id, code, quantity, MAX_QUANTITY)
        else:
            assert product_id is not None
            line = uow.sales.add_product(cart_id, product_id, quantity, MAX_QUANTITY)
        if line is None:
            _not_added(uow, cart_id, quantity, code, typed, product_id)
        row = uow.sales.cart(cart_id)
        assert row is not None
        view = price_row(row, ctx.settings_cache.current(uow.settings, revision or ""))
        uow.commit()
    return view


def _refused(uow: UnitOfWork, actor: Actor, cart_id: int) -> NoReturn:
    """Why the cart could not be claimed for a change, in one sentence."""
    signed_in(uow, actor)
    _no_tenders(load_cart(uow, cart_id))
    raise Conflict("This cart cannot be changed right now; try again.")


def _not_added(
    uow: UnitOfWork,
    cart_id: int,
    quantity: int,
    code: str | None,
    typed: str,
    product_id: int | None,
) -> NoReturn:
    """Why a product was not added: unknown, not for sale, or too many units."""
    if code is not None:
        product = uow.catalog.by_barcode(code)
        if product is None:
            raise UnknownBarcode(typed)
    else:
        assert product_id is not None
        product = uow.catalog.get(product_id)
        if product is None:
            raise UnknownProduct(product_id)
    if not product.active:
        raise ValidationError("product", f"{product.name} is not for sale (inactive)")
    row = load_cart(uow, cart_id, editable=False)
    line = merge_target(row.lines, product.id)
    check_quantity((line.quantity if line else 0) + quantity)
    raise Conflict(f"{product.name} could not be added; try again.")


def _fold_if_plain(uow: UnitOfWork, row: CartRow, line: CartLineRow) -> None:
    """A line losing its own price or discount becomes plain: it joins the product's
    plain line when the cart has one (a product has one plain line per cart), else it
    stays where it is, plain."""
    others = [ln for ln in row.lines if ln.id != line.id]
    target = merge_target(others, line.product_id)
    if target is None:
        uow.sales.set_line_discount(row.id, line.id, None, None)
        uow.sales.set_line_price(row.id, line.id, None, None)
        return
    quantity = check_quantity(target.quantity + line.quantity)
    uow.sales.delete_line(row.id, line.id)
    uow.sales.set_line_quantity(row.id, target.id, quantity)


def _line(row: CartRow, line_id: int) -> CartLineRow:
    for line in row.lines:
        if line.id == line_id:
            return line
    raise NotFound("That line is no longer in the cart.")


def set_quantity(
    ctx: ServiceContext, actor: Actor, cart_id: int, line_id: int, quantity: int
) -> CartView:
    cart_id = check_id(cart_id, "cart")
    line_id = check_id(line_id, "line")
    quantity = check_quantity(quantity)
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.SELL, "Selling")
        row = load_cart(uow, cart_id)
        _no_tenders(row)
        _line(row, line_id)
        uow.sales.set_line_quantity(cart_id, line_id, quantity)
        uow.sales.touch_cart(cart_id)
        view = _view(uow, cart_id)
        uow.commit()
    return view


def remove_line(ctx: ServiceContext, actor: Actor, cart_id: int, line_id: int) -> CartView:
    cart_id = check_id(cart_id, "cart")
    line_id = check_id(line_id, "line")
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.SELL, "Selling")
        row = load_cart(uow, cart_id)
        _no_tenders(row)
        line = _line(row, line_id)
        uow.sales.delete_line(cart_id, line_id)
        uow.sales.touch_cart(cart_id)
        uow.audit.record(
            "line_removed",
            actor.user_id,
            register_id=row.register_id,
            detail={"cart": row.client_id, "sku": line.sku, "quantity": line.quantity},
        )
        view = _view(uow, cart_id)
        uow.commit()
    return view


def parse_discount(kind: str, value: str | Decimal, cur: Currency) -> Discount:
    """A discount from the till: ``percent`` and ``10`` or ``amount`` and ``2.50``."""
    try:
        dk = DiscountKind(kind)
    except ValueError:
        raise ValidationError("discount", "must be a percent or an amount") from None
    if dk is DiscountKind.PERCENT:
        text = str(value).strip().rstrip("%").strip()
        try:
            if len(text) > 20 or "e" in text.lower():
                raise ArithmeticError(text)
            pct = Decimal(text)
        except ArithmeticError:
            raise ValidationError("discount", f"{str(value)[:40]!r} is not a number") from None
        if not pct.is_finite():
            raise ValidationError("discount", f"{value!r} is not a number")
        if not 0 <= pct <= 100:
            raise ValidationError("discount", f"{pct}% is not from 0 to 100")
        if pct != pct.quantize(Decimal("0.01")):
            raise ValidationError("discount", "a percent may have at most 2 decimals")
        return Discount(dk, pct)
    amount = cur.parse(value, "discount")
    return Discount(dk, Decimal(cur.to_minor(amount)))


def _check_discount_limit(
    uow: UnitOfWork,
    actor: Actor,
    approver: Approver | None,
    discount: Discount,
    base: int,
    limit: Decimal,
) -> int | None:
    if discount.percent_of(base) <= limit:
        return None
    action = "A discount over the limit"
    return authorise(uow, actor, approver, Permission.DISCOUNT_OVER_LIMIT, action)


def set_line_discount(
    ctx: ServiceContext,
    actor: Actor,
    cart_id: int,
    line_id: int,
    discount: Discount | None,
    approver: Approval | None = None,
) -> CartView:
    cart_id = check_id(cart_id, "cart")
    line_id = check_id(line_id, "line")
    approved_by = verify_approval(ctx, approver)
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.SELL, "Selling")
        settings = read_settings(uow.settings)
        row = load_cart(uow, cart_id)
        _no_tenders(row)
        line = _line(row, line_id)
        approved = None
        if discount is not None:
            base = line.unit_price_minor * line.quantity
            approved = _check_discount_limit(
                uow, actor, approved_by, discount, base, settings.discount_limit
            )
        if discount is None and line.price_override_minor is None:
            _fold_if_plain(uow, row, line)
        else:
            uow.sales.set_line_discount(cart_id, line_id, discount, approved)
        uow.sales.touch_cart(cart_id)
        uow.audit.record(
            "discount_override" if approved else "discount",
            actor.user_id,
            approver_id=approved,
            register_id=row.register_id,
            detail={
                "cart": row.client_id,
                "sku": line.sku,
                "discount": describe(discount, settings.money) or "removed",
            },
        )
        view = _view(uow, cart_id)
        uow.commit()
    return view


def set_cart_discount(
    ctx: ServiceContext,
    actor: Actor,
    cart_id: int,
    discount: Discount | None,
    approver: Approval | None = None,
) -> CartView:
    cart_id = check_id(cart_id, "cart")
    approved_by = verify_approval(ctx, approver)
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.SELL, "Selling")
        settings = read_settings(uow.settings)
        row = load_cart(uow, cart_id)
        _no_tenders(row)
        approved = None
        if discount is not None:
            before = price_row(replace(row, discount=None), settings)
            base = before.subtotal_minor - before.discount_minor  # after line discounts
            approved = _check_discount_limit(
                uow, actor, approved_by, discount, base, settings.discount_limit
            )
        uow.sales.set_cart_discount(cart_id, discount, approved)
        uow.audit.record(
            "discount_override" if approved else "discount",
            actor.user_id,
            approver_id=approved,
            register_id=row.register_id,
            detail={
                "cart": row.client_id,
                "discount": describe(discount, settings.money) or "removed",
            },
        )
        view = _view(uow, cart_id)
        uow.commit()
    return view


def override_price(
    ctx: ServiceContext,
    actor: Actor,
    cart_id: int,
    line_id: int,
    price: str | Decimal | None,
    approver: Approval | None = None,
) -> CartView:
    """Sell a line at another unit price (``None`` restores the list price)."""
    cart_id = check_id(cart_id, "cart")
    line_id = check_id(line_id, "line")
    approved_by = verify_approval(ctx, approver)
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.SELL, "Selling")
        settings = read_settings(uow.settings)
        cur = settings.money
        row = load_cart(uow, cart_id)
        _no_tenders(row)
        line = _line(row, line_id)
        new_minor = None if price is None else cur.to_minor(cur.parse(price, "price"))
        approved = authorise(uow, actor, approved_by, Permission.PRICE_OVERRIDE, "A price override")
        if new_minor is None and line.discount is None:
            _fold_if_plain(uow, row, line)
        else:
            uow.sales.set_line_price(cart_id, line_id, new_minor, approved)
        uow.sales.touch_cart(cart_id)
        uow.audit.record(
            "price_override",
            actor.user_id,
            approver_id=approved,
            register_id=row.register_id,
            detail={
                "cart": row.client_id,
                "sku": line.sku,
                "list_price": line.list_price_minor,
                "old_price": line.unit_price_minor,
                "new_price": new_minor if new_minor is not None else line.list_price_minor,
            },
        )
        view = _view(uow, cart_id)
        uow.commit()
    return view


def attach_customer(
    ctx: ServiceContext, actor: Actor, cart_id: int, customer_id: int | None
) -> CartView:
    cart_id = check_id(cart_id, "cart")
    if customer_id is not None:
        customer_id = check_id(customer_id, "customer")
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.SELL, "Selling")
        load_cart(uow, cart_id)
        if customer_id is not None and uow.customers.get(customer_id) is None:
            raise NotFound(f"No customer {customer_id} exists.")
        uow.sales.set_cart_customer(cart_id, customer_id)
        view = _view(uow, cart_id)
        uow.commit()
    return view


def hold_cart(ctx: ServiceContext, actor: Actor, cart_id: int, label: str = "") -> CartView:
    """Park the cart (status held) so the till can serve someone else."""
    cart_id = check_id(cart_id, "cart")
    check_text(label, "name")
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.SELL, "Selling")
        row = load_cart(uow, cart_id)
        _no_tenders(row)
        if not row.lines:
            raise ValidationError("cart", "is empty; there is nothing to hold")
        uow.sales.set_cart_status(cart_id, CartStatus.HELD, label=label.strip()[:100])
        view = _view(uow, cart_id)
        uow.commit()
    return view


def held_carts(ctx: ServiceContext, register_id: int) -> list[CartView]:
    with ctx.read() as uow:
        settings = read_settings(uow.settings)
        return [price_row(r, settings) for r in uow.sales.held_carts(register_id)]


def recall_cart(ctx: ServiceContext, actor: Actor, cart_id: int) -> CartView:
    """Bring a held cart back. The cart open on the till, if empty, is dropped; if it has
    lines it is held in its place."""
    cart_id = check_id(cart_id, "cart")
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.SELL, "Selling")
        row = uow.sales.cart(cart_id, lock=True)
        if row is None or row.status != CartStatus.HELD:
            raise Conflict("That cart is not on hold.")
        current = uow.sales.open_cart_for(row.register_id, actor.user_id)
        if current is not None:
            keep = current.lines or current.tenders
            uow.sales.set_cart_status(current.id, CartStatus.HELD if keep else CartStatus.VOID)
        uow.sales.reassign_cart(cart_id, actor.user_id)
        view = _view(uow, cart_id)
        uow.commit()
    return view
