"""A realistic demo store, built only through the real services.

Categories, products with valid EAN-13 barcodes, staff accounts (random passwords and
PINs, returned once for printing), customers, and ``days`` days of trading on two tills:
each day opens a shift with a float, takes deliveries of what ran low, sells through the
cart and checkout services (cash, card, split tender, some discounts and refunds) and
closes with a Z. Everything is seeded, so the same arguments give the same store.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from pos.domain.errors import Conflict, InsufficientStock, PaymentDeclined, TerminalError
from pos.domain.gtin import make
from pos.domain.pricing import Discount, DiscountKind
from pos.domain.sale import RefundItem
from pos.domain.staff import Role
from pos.ports.staff import Actor, Approval
from pos.services import cart as carts
from pos.services import catalog, checkout, customers, inventory, shifts, staff
from pos.services.context import ServiceContext
from pos.services.settings import update_settings

# category path -> (brands, nouns, adjectives, price range in minor units, tax class)
CATALOG: dict[str, tuple[list[str], list[str], list[str], tuple[int, int], str]] = {
    "Food/Bakery": (
        ["Hovis", "Warburtons", "Kingsmill", "Baker Street"],
        ["Sourdough Loaf", "Wholemeal Bread", "Croissants", "Bagels", "Crumpets", "Muffins"],
        ["Seeded", "Thick Sliced", "Butter", "Plain", "Cinnamon", "Multigrain"],
        (85, 350),
        "zero",
    ),
    "Food/Dairy": (
        ["Cathedral City", "Yeo Valley", "Anchor", "Arla", "Lurpak"],
        ["Cheddar", "Greek Yogurt", "Butter", "Semi-Skimmed Milk", "Double Cream", "Brie"],
        ["Mature", "Organic", "Salted", "Extra Light", "Natural", "Creamy"],
        (95, 520),
        "zero",
    ),
    "Food/Fruit & Veg": (
        ["Market Fresh", "Riverford", "Greenhouse"],
        ["Bananas", "Apples", "Carrots", "Tomatoes", "Avocados", "Strawberries", "Onions"],
        ["Loose", "Organic", "Vine", "Baby", "Pink Lady", "Red"],
        (45, 399),
        "zero",
    ),
    "Drinks/Hot": (
        ["Yorkshire Tea", "Twinings", "Taylors", "Lavazza", "Nescafé"],
        ["Tea Bags", "Ground Coffee", "Coffee Beans", "Instant Coffee", "Hot Chocolate"],
        ["Decaf", "Earl Grey", "Breakfast", "Espresso", "Gold", "Classic"],
        (199, 899),
        "zero",
    ),
    "Drinks/Soft": (
        ["Fentimans", "Belvoir", "Highland Spring", "Innocent", "Coca-Cola"],
        ["Lemonade", "Elderflower Cordial", "Sparkling Water", "Orange Juice", "Cola"],
        ["Still", "Sparkling", "Diet", "Cloudy", "Ginger", "Zero"],
        (60, 450),
        "standard",
    ),
    "Household/Cleaning": (
        ["Ecover", "Method", "Fairy", "Dettol", "Ariel"],
        ["Washing-Up Liquid", "Surface Spray", "Laundry Liquid", "Dishwasher Tablets", "Sponges"],
        ["Lemon", "Original", "Sensitive", "Lavender", "Bio", "Non-Bio"],
        (99, 1299),
        "standard",
    ),
    "Stationery": (
        ["Pilot", "Stabilo", "Moleskine", "Bic", "Sharpie"],
        ["Gel Pen", "Notebook", "Highlighters", "Pencils", "Marker Set", "Sticky Notes"],
        ["Black", "A5 Ruled", "Pastel", "HB", "Fine", "Neon"],
        (89, 1999),
        "standard",
    ),
    "Home/Kitchen": (
        ["Denby", "Joseph Joseph", "Le Creuset", "Kilner"],
        ["Mug", "Tea Towel", "Storage Jar", "Chopping Board", "Cafetière", "Measuring Cups"],
        ["Stoneware", "Blue", "Large", "Bamboo", "Glass", "Set of 4"],
        (350, 4999),
        "standard",
    ),
    "Health & Beauty": (
        ["Nivea", "Simple", "Colgate", "Sanex", "Radox"],
        ["Hand Cream", "Toothpaste", "Shower Gel", "Lip Balm", "Face Wash", "Shampoo"],
        ["Sensitive", "Whitening", "Fresh", "Moisturising", "Travel Size", "Mint"],
        (99, 899),
        "reduced",
    ),
}
FIRST = [
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Finn",
    "Grace",
    "Hari",
    "Isla",
    "Jon",
    "Kemi",
    "Liam",
    "Maya",
    "Noah",
    "Olu",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
    "Uma",
    "Zoe",
]
LAST = [
    "Smith",
    "Jones",
    "Patel",
    "Williams",
    "Brown",
    "Taylor",
    "Khan",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Roberts",
    "Nowak",
    "Okafor",
    "Murphy",
    "Chen",
    "García",
    "Müller",
]


@dataclass(frozen=True, slots=True)
class DemoAccount:
    username: str
    role: str
    password: str
    pin: str


@dataclass(frozen=True, slots=True)
class DemoResult:
    accounts: tuple[DemoAccount, ...]
    products: int
    customers: int
    sales: int
    refunds: int
    shifts: int


Progress = Callable[[str], None]


def build_demo_store(
    ctx: ServiceContext,
    products: int = 300,
    days: int = 7,
    seed: int = 7,
    progress: Progress | None = None,
    fast_hashing: bool = False,
    owner: Actor | None = None,
) -> DemoResult:
    """Fill an empty database with a demo store.

    From the command line the database must have no users at all; the demo makes the
    owner too. From first-start setup, ``owner`` is the owner just created: the demo adds
    the other staff and keeps the store settings chosen in setup. Either way a database
    that already has products is refused."""
    say = progress or (lambda _msg: None)
    if owner is None and staff.has_users(ctx):
        raise Conflict(
            "This database already has staff accounts; run the demo on a new database "
            "(--database-url sqlite:///demo.sqlite3)."
        )
    if owner is not None and owner.role is not Role.OWNER:
        raise Conflict("Only the owner can load the demo store.")
    if catalog.search_products(ctx, catalog.SearchQuery(limit=1)):
        raise Conflict("This database already has products; the demo needs an empty one.")
    rounds = staff.BCRYPT_ROUNDS
    if fast_hashing:  # tests only: the demo's own accounts hash at bcrypt's minimum cost
        staff.BCRYPT_ROUNDS = 4
    try:
        return _build(ctx, random.Random(seed), products, days, say, owner)
    finally:
        staff.BCRYPT_ROUNDS = rounds


def _build(
    ctx: ServiceContext,
    rnd: random.Random,
    products: int,
    days: int,
    say: Progress,
    owner: Actor | None,
) -> DemoResult:
    if owner is None:
        update_settings(
            ctx,
            None,
            store_name="Corner Shop (demo)",
            store_address="1 High Street, Anytown AB1 2CD",
            currency="GBP",
            tax_mode="inclusive",
            receipt_footer="Thank you! Returns within 30 days with this receipt.",
            setup_done=True,
        )
    accounts = _staff(ctx, owner)
    if owner is None:
        owner = staff.login(ctx, accounts[0].username, accounts[0].password)
    by_role = {a.role: a for a in accounts}
    manager = staff.login(ctx, by_role["manager"].username, by_role["manager"].password)
    cashiers = [staff.login(ctx, a.username, a.password) for a in accounts if a.role == "cashier"]
    existing = {t.code for t in catalog.list_tax_classes(ctx)}
    for code, name, rate in (
        ("standard", "Standard 20%", "0.20"),
        ("reduced", "Reduced 5%", "0.05"),
        ("zero", "Zero-rated", "0"),
    ):
        if code not in existing:
            catalog.create_tax_class(ctx, owner, code, name, Decimal(rate))
    say("catalog")
    product_ids = _products(ctx, manager, rnd, products)
    say("customers")
    customer_ids = _customers(ctx, cashiers[0], rnd, max(10, products // 8))
    say("trading")
    pin = Approval(by_role["manager"].username, by_role["manager"].pin)
    sales, refunds, shift_count = _trade(
        ctx, manager, pin, cashiers, rnd, product_ids, customer_ids, days, say
    )
    return DemoResult(
        tuple(accounts), len(product_ids), len(customer_ids), sales, refunds, shift_count
    )


def _staff(ctx: ServiceContext, owner: Actor | None) -> list[DemoAccount]:
    """The demo's staff, each with a random password and PIN (an owner too, if none)."""
    people = [
        ("owner", Role.OWNER, "Olivia Owner"),
        ("manager", Role.MANAGER, "Marcus Manager"),
        ("cashier1", Role.CASHIER, "Cara Cashier"),
        ("cashier2", Role.CASHIER, "Cal Cashier"),
    ]
    if owner is not None:
        people = people[1:]
    accounts = []
    actor: Actor | None = owner
    for username, role, full in people:
        password = secrets.token_urlsafe(9)
        pin = f"{secrets.randbelow(10**4):04d}"
        staff.create_user(ctx, actor, username, role, password, full_name=full, pin=pin)
        accounts.append(DemoAccount(username, role.value, password, pin))
        if actor is None:
            actor = staff.login(ctx, username, password)
    return accounts


def _products(ctx: ServiceContext, manager: Actor, rnd: random.Random, count: int) -> list[int]:
    owner_paths = list(CATALOG)
    for path in owner_paths:
        catalog.create_category(ctx, manager, path)
    ids: list[int] = []
    used_codes: set[str] = set()
    for i in range(count):
        path = owner_paths[i % len(owner_paths)]
        brands, nouns, adjectives, (lo, hi), tax = CATALOG[path]
        brand = rnd.choice(brands)
        name = f"{brand} {rnd.choice(adjectives)} {rnd.choice(nouns)}"
        base = rnd.randint(lo, hi)
        price = base - base % 10 + rnd.choice((9, 9, 5))  # shelf prices end in 9 or 5
        while True:
            code = make(f"50{rnd.randrange(10**10):010d}")
            if code not in used_codes:
                used_codes.add(code)
                break
        view = catalog.create_product(
            ctx,
            manager,
            sku=f"{path.split('/')[-1][:3].upper().replace(' ', '')}-{i + 1:05d}",
            name=name,
            description=f"{name}. A demo product in {path.replace('/', ' › ')}.",
            brand=brand,
            category_path=path,
            price_minor=price,
            cost_minor=int(price * rnd.uniform(0.4, 0.7)),
            tax_class_code=tax,
            barcodes=[code],
            on_hand=rnd.randint(12, 120),
            low_stock_threshold=rnd.choice((5, 8, 10)),
        )
        ids.append(view.id)
    return ids


def _customers(ctx: ServiceContext, cashier: Actor, rnd: random.Random, count: int) -> list[int]:
    ids = []
    for i in range(count):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        view = customers.create_customer(
            ctx,
            cashier,
            first_name=first,
            last_name=last,
            email=f"{first.lower()}.{last.lower()}{i}@example.com".replace("í", "i").replace(
                "ü", "u"
            ),
            phone=f"07700 9{rnd.randrange(10**5):05d}",
            country="United Kingdom",
        )
        ids.append(view.id)
    return ids


def _trade(
    ctx: ServiceContext,
    manager: Actor,
    approval: Approval,
    cashiers: list[Actor],
    rnd: random.Random,
    product_ids: list[int],
    customer_ids: list[int],
    days: int,
    say: Progress,
) -> tuple[int, int, int]:
    registers = [shifts.ensure_register(ctx, f"TILL-{n}") for n in (1, 2)]
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(product_ids))]  # a long tail
    today = ctx.clock().astimezone(UTC).date()
    sales = refunds = shift_count = 0
    clock = _Clock(ctx.clock())
    clocked = replace(ctx, clock=clock)
    for d in range(days, 0, -1):
        day = today - timedelta(days=d)
        clock.now = datetime.combine(day, time(8, 0), UTC)
        _deliver(clocked, manager)
        for reg, cashier in zip(registers, cashiers, strict=False):
            shifts.open_shift(clocked, cashier, reg.id, 10000)
        recent: list[tuple[int, int]] = []
        for _ in range(rnd.randint(25, 45)):
            clock.now += timedelta(minutes=rnd.randint(5, 25))
            idx = rnd.randrange(len(registers))
            reg, cashier = registers[idx], cashiers[idx % len(cashiers)]
            sale = _one_sale(clocked, cashier, reg.id, rnd, product_ids, weights, customer_ids)
            if sale is not None:
                sales += 1
                recent.append((reg.id, sale))
            if recent and rnd.random() < 0.03:
                reg_id, order_id = recent.pop(rnd.randrange(len(recent)))
                if _one_refund(clocked, cashier, approval, reg_id, order_id):
                    refunds += 1
        clock.now = datetime.combine(day, time(20, 0), UTC)
        for reg, cashier in zip(registers, cashiers, strict=False):
            x = shifts.x_report(clocked, cashier, reg.id)
            counted = x.expected_cash_minor + rnd.choice((0, 0, 0, -10, 20, -100))
            shifts.close_shift(clocked, cashier, reg.id, counted_minor=max(0, counted))
            shift_count += 1
        say(f"{day.isoformat()}: {sales} sales so far")
    return sales, refunds, shift_count


class _Clock:
    """A settable clock: the demo's sales happen on past days."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _deliver(ctx: ServiceContext, manager: Actor) -> None:
    """Morning delivery: bring everything at or under its threshold back up."""
    low = inventory.list_alerts(ctx, state=None, limit=10_000)
    wanted = {a.product_id: 60 for a in low if a.state != "resolved"}
    if wanted:
        inventory.receive_stock(ctx, manager, list(wanted.items()), note="morning delivery")


def _one_sale(
    ctx: ServiceContext,
    cashier: Actor,
    register_id: int,
    rnd: random.Random,
    product_ids: list[int],
    weights: list[float],
    customer_ids: list[int],
) -> int | None:
    cart = carts.current_cart(ctx, cashier, register_id)
    for pid in set(rnd.choices(product_ids, weights, k=rnd.choice((1, 1, 2, 2, 3, 4, 6)))):
        cart = carts.add_product(ctx, cashier, cart.id, pid, rnd.choice((1, 1, 1, 2, 3)))
    if rnd.random() < 0.25 and customer_ids:
        carts.attach_customer(ctx, cashier, cart.id, rnd.choice(customer_ids))
    if rnd.random() < 0.08:
        carts.set_cart_discount(ctx, cashier, cart.id, Discount(DiscountKind.PERCENT, Decimal(5)))
    try:
        cart = carts.get_cart(ctx, cart.id)
        roll = rnd.random()
        if roll < 0.40:
            checkout.pay_by_card(ctx, cashier, cart.id)
            return checkout.complete_sale(ctx, cashier, cart.id).id
        if roll < 0.47 and cart.total_minor > 200:
            checkout.pay_by_card(ctx, cashier, cart.id, cart.total_minor // 2)
            cart = carts.get_cart(ctx, cart.id)
        cash = _cash_offered(cart.due_minor, rnd)
        return checkout.complete_sale(ctx, cashier, cart.id, cash).id
    except (InsufficientStock, PaymentDeclined, TerminalError):
        checkout.clear_cart(ctx, cashier, cart.id, "demo: could not complete")
        return None


def _cash_offered(due: int, rnd: random.Random) -> int:
    notes = [n for n in (500, 1000, 2000, 5000) if n >= due]
    if notes and rnd.random() < 0.7:
        return notes[0]
    return due


def _one_refund(
    ctx: ServiceContext, cashier: Actor, approval: Approval, register_id: int, order_id: int
) -> bool:
    sale = checkout.get_sale(ctx, order_id)
    line = sale.lines[0]
    checkout.refund(
        ctx,
        cashier,
        register_id,
        order_id,
        [RefundItem(line.id, 1, restock=True)],
        approver=approval,
        reason="demo: changed mind",
    )
    return True
