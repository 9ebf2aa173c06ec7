"""A realistic synthetic catalog, written in the ``pos import products`` CSV format.

Products get multi-word names built from per-department word lists ("Hillcrest Organic
Salted Caramel Chocolate Bar 100g"), brands, category paths, valid and unique EAN-13
barcodes (one in ten has a second code), prices ending in .99/.49/.00, costs, three tax
classes, stock and a few low-stock thresholds. The output is deterministic for a given
size and seed, and cached under ``bench-data/`` so each size is generated once.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pos.domain.gtin import make
from pos.services.product_io import HEADER as IMPORT_HEADER

HEADER = list(IMPORT_HEADER)

DATA_DIR = Path("bench-data")
SEED = 20_240_501

# fmt: off
# The tax classes the catalog refers to; the harness creates them before importing.
TAX_CLASSES = (
    ("standard", "Standard", "0.20"),
    ("reduced", "Reduced", "0.05"),
    ("zero", "Zero", "0"),
)

FOOD_MODIFIERS = (
    "Organic", "Classic", "Premium", "Extra", "Light", "Original", "Natural", "Fresh", "Family",
    "Mini", "Value", "Deluxe", "Everyday", "Free Range", "Wholegrain", "Gluten Free",
    "Reduced Sugar", "Smoked", "Spicy", "Mild", "Farmhouse", "Artisan", "Golden", "Crunchy",
    "Creamy", "Rich", "Simply", "Little", "Big", "Super",
)
FLAVOURS = (
    "Strawberry", "Vanilla", "Salted Caramel", "Sea Salt", "Mint", "Lemon", "Cherry", "Honey",
    "Garlic", "Cheddar", "Coconut", "Almond", "Hazelnut", "Raspberry", "Mango", "Chilli",
    "Orange", "Blueberry", "Apple", "Cinnamon", "Ginger", "Peach", "Banana", "Chocolate",
    "Toffee", "Pepper", "Tomato", "Onion", "Paprika", "Lime", "Sesame", "Barbecue", "Maple",
    "Oat", "Pistachio", "Black Cherry", "Dark Chocolate",
)
GOODS_MODIFIERS = (
    "Professional", "Compact", "Heavy Duty", "Eco", "Deluxe", "Essential", "Classic", "Ultra",
    "Premium", "Basic", "Smart", "Portable", "Wireless", "Cordless", "Slim", "Soft",
    "Sensitive", "Gentle", "Fresh", "Travel", "Kids", "Family", "Multi Purpose",
)
COLOURS = (
    "Black", "White", "Blue", "Red", "Green", "Silver", "Grey", "Pink", "Yellow", "Navy",
    "Charcoal", "Teal", "Purple", "Orange", "Natural", "Clear",
)
FOOD_SIZES = (
    "100g", "150g", "200g", "250g", "400g", "500g", "750g", "1kg", "2kg", "330ml", "500ml",
    "750ml", "1L", "2L", "4 Pack", "6 Pack", "12 Pack", "Multipack", "Twin Pack",
)
GOODS_SIZES = (
    "Small", "Medium", "Large", "XL", "Pack of 2", "Pack of 3", "Pack of 5", "Pack of 10",
    "30cm", "50cm", "1m", "2m", "5m", "Set of 4", "Single", "Refill",
)

# department -> (tax class, modifier set, sizes, {subcategory: nouns})
DEPARTMENTS: dict[str, tuple[str, str, tuple[str, ...], dict[str, tuple[str, ...]]]] = {
    "Food": ("zero", "food", FOOD_SIZES, {
        "Dairy": ("Milk", "Yogurt", "Cheese", "Butter", "Cream", "Kefir", "Custard"),
        "Dairy/Cheese": ("Cheddar", "Brie", "Mozzarella", "Halloumi", "Feta", "Parmesan"),
        "Bakery": ("Bread", "Bagels", "Croissants", "Muffins", "Loaf", "Rolls", "Crumpets"),
        "Snacks": ("Crisps", "Pretzels", "Popcorn", "Crackers", "Nuts", "Rice Cakes"),
        "Confectionery": ("Chocolate Bar", "Toffee", "Gummies", "Mints", "Fudge", "Truffles"),
        "Breakfast": ("Cereal", "Granola", "Porridge Oats", "Muesli", "Pancake Mix"),
        "Pantry": ("Pasta", "Rice", "Lentils", "Soup", "Beans", "Stock Cubes", "Noodles"),
        "Pantry/Sauces": ("Ketchup", "Mayonnaise", "Mustard", "Pesto", "Salsa", "Gravy"),
        "Frozen": ("Pizza", "Ice Cream", "Peas", "Fish Fingers", "Chips", "Sorbet"),
        "Fruit & Veg": ("Apples", "Bananas", "Carrots", "Potatoes", "Tomatoes", "Berries"),
    }),
    "Drinks": ("standard", "food", FOOD_SIZES, {
        "Soft Drinks": ("Cola", "Lemonade", "Sparkling Water", "Juice", "Cordial", "Tonic"),
        "Coffee & Tea": ("Coffee Beans", "Ground Coffee", "Green Tea", "Tea Bags", "Cocoa"),
        "Beer & Cider": ("Lager", "Pale Ale", "Stout", "Cider", "IPA", "Porter"),
        "Wine": ("Red Wine", "White Wine", "Rose", "Prosecco", "Sparkling Wine"),
    }),
    "Household": ("standard", "goods", GOODS_SIZES, {
        "Cleaning": ("Washing Up Liquid", "Surface Spray", "Bleach", "Sponges", "Cloths"),
        "Laundry": ("Laundry Detergent", "Fabric Softener", "Stain Remover", "Pegs"),
        "Kitchen": ("Frying Pan", "Saucepan", "Chopping Board", "Mug", "Tea Towel", "Knife"),
        "Paper": ("Kitchen Roll", "Toilet Tissue", "Tissues", "Napkins", "Foil"),
    }),
    "Health & Beauty": ("standard", "goods", GOODS_SIZES, {
        "Hair": ("Shampoo", "Conditioner", "Hair Spray", "Hair Gel", "Hair Brush"),
        "Skin": ("Moisturiser", "Sun Cream", "Face Wash", "Body Lotion", "Lip Balm"),
        "Oral Care": ("Toothpaste", "Toothbrush", "Mouthwash", "Dental Floss"),
        "Bath": ("Body Wash", "Soap", "Bubble Bath", "Bath Salts", "Shower Gel"),
        "Pharmacy": ("Vitamins", "Plasters", "Pain Relief", "Hand Sanitiser", "Cough Syrup"),
    }),
    "Hardware": ("standard", "goods", GOODS_SIZES, {
        "Tools": ("Screwdriver Set", "Hammer", "Tape Measure", "Drill Bits", "Spanner"),
        "Fixings": ("Screws", "Nails", "Wall Plugs", "Hooks", "Cable Ties", "Bolts"),
        "Paint": ("Emulsion Paint", "Gloss Paint", "Paint Brush", "Roller", "Primer"),
        "Electrical": ("Extension Lead", "Light Bulb", "Plug", "Fuse", "Torch"),
    }),
    "Electronics": ("standard", "goods", GOODS_SIZES, {
        "Phone Accessories": ("USB Cable", "Phone Charger", "Phone Case", "Power Bank"),
        "Audio": ("Headphones", "Earbuds", "Speaker", "Radio", "Soundbar"),
        "Batteries": ("AA Batteries", "AAA Batteries", "Button Cell", "9V Battery"),
        "Computing": ("Mouse", "Keyboard", "Memory Stick", "SD Card", "Webcam"),
    }),
    "Stationery": ("standard", "goods", GOODS_SIZES, {
        "Writing": ("Ballpoint Pens", "Pencils", "Markers", "Highlighters", "Fineliners"),
        "Paper": ("Notebook", "Sticky Notes", "Envelopes", "Printer Paper", "Journal"),
        "Office": ("Stapler", "Scissors", "Sellotape", "Ring Binder", "Calculator"),
    }),
    "Garden": ("standard", "goods", GOODS_SIZES, {
        "Plants": ("Seeds", "Bulbs", "Compost", "Plant Food", "Seedlings"),
        "Tools": ("Trowel", "Secateurs", "Watering Can", "Garden Hose", "Rake"),
        "Outdoor": ("Bird Feeder", "Solar Light", "Plant Pot", "Garden Chair", "Barbecue"),
    }),
    "Pets": ("standard", "food", FOOD_SIZES, {
        "Dog": ("Dog Food", "Dog Treats", "Dog Chew", "Dog Biscuits"),
        "Cat": ("Cat Food", "Cat Litter", "Cat Treats", "Cat Milk"),
        "Small Animals": ("Bird Seed", "Hamster Food", "Fish Flakes", "Hay"),
    }),
    "Toys": ("standard", "goods", GOODS_SIZES, {
        "Games": ("Board Game", "Puzzle", "Playing Cards", "Dice Set"),
        "Outdoor Toys": ("Football", "Frisbee", "Bubble Wand", "Kite", "Skipping Rope"),
        "Crafts": ("Colouring Book", "Crayons", "Modelling Clay", "Sticker Book"),
    }),
    "Clothing": ("standard", "goods", GOODS_SIZES, {
        "Basics": ("T-Shirt", "Socks", "Vest", "Leggings", "Hoodie"),
        "Accessories": ("Gloves", "Scarf", "Beanie Hat", "Umbrella", "Sunglasses"),
        "Baby": ("Baby Wipes", "Nappies", "Bodysuit", "Bib", "Baby Lotion"),
    }),
}

BRAND_PARTS = (
    (
        "Hill", "Brook", "Oak", "Green", "Sun", "River", "Stone", "Golden", "Silver", "Meadow",
        "North", "West", "Rose", "Maple", "Bright", "Clear", "Blue", "Red", "Wild", "Old", "Fair",
        "Kings", "Harbour", "Willow", "Ash", "Swift", "Pure", "Happy", "True", "Lake",
    ),
    (
        "crest", "field", "way", "side", "wood", "vale", "gate", "ford", "well", "dale", "mill",
        "farm", "stone", "bridge", "leaf", "light", "wick", "ton", "bury", "moor",
    ),
)
DESCRIPTIONS = (
    "Made with carefully selected ingredients.", "Great value for everyday use.",
    "Perfect for the whole family.", "Easy to use and long lasting.",
    "In recyclable packaging.", "Sourced responsibly from trusted suppliers.",
    "Store in a cool, dry place.", "Suitable for vegetarians.", "A customer favourite.",
    "Tested for quality and safety.", "Our best ever recipe.", "Designed to last.",
)
# fmt: on


@dataclass(frozen=True, slots=True)
class Department:
    name: str
    tax: str
    modifiers: tuple[str, ...]
    variants: tuple[str, ...]
    sizes: tuple[str, ...]
    leaves: tuple[tuple[str, tuple[str, ...]], ...]  # (category path, nouns)


def _departments() -> list[Department]:
    out = []
    for name, (tax, kind, sizes, subs) in DEPARTMENTS.items():
        modifiers = FOOD_MODIFIERS if kind == "food" else GOODS_MODIFIERS
        variants = FLAVOURS if kind == "food" else COLOURS
        leaves = tuple((f"{name}/{sub}", nouns) for sub, nouns in subs.items())
        out.append(Department(name, tax, modifiers, variants, sizes, leaves))
    return out


def brands(rng: random.Random, count: int = 600) -> list[str]:
    names = sorted({a + b for a in BRAND_PARTS[0] for b in BRAND_PARTS[1]})
    rng.shuffle(names)
    return names[:count]


def _price(rng: random.Random) -> int:
    """A shelf price in pence: mostly under £10, a long tail up to a few hundred."""
    pounds = int(rng.lognormvariate(1.3, 1.0))
    pounds = min(pounds, 999)
    pence = rng.choice((99, 99, 99, 49, 0, 50, 25, 79))
    return max(pounds * 100 + pence, 25)


def _ean13(i: int) -> str:
    """The i-th of 10^10 distinct EAN-13 codes (prefix 50), scattered by an affine map."""
    body = (i * 7_919_191 + 1_234_567) % 10_000_000_000
    return make(f"50{body:010d}")


def _money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def rows(count: int, seed: int = SEED) -> Iterator[list[str]]:
    """The catalog's CSV rows (without the header), deterministic for (count, seed)."""
    rng = random.Random(seed)
    depts = _departments()
    weights = [len(d.leaves) for d in depts]
    brand_names = brands(rng)
    second_code = count  # extra barcodes are numbered after the primary ones
    for i in range(count):
        dept = rng.choices(depts, weights)[0]
        path, nouns = rng.choice(dept.leaves)
        brand = rng.choice(brand_names)
        words = [brand]
        if rng.random() < 0.7:
            words.append(rng.choice(dept.modifiers))
        if rng.random() < 0.6:
            words.append(rng.choice(dept.variants))
        words.append(rng.choice(nouns))
        if rng.random() < 0.8:
            words.append(rng.choice(dept.sizes))
        price = _price(rng)
        cost = "" if rng.random() < 0.05 else _money(price * rng.randint(40, 75) // 100)
        codes = [_ean13(i)]
        if rng.random() < 0.1:
            codes.append(_ean13(second_code))
            second_code += 1
        stock = rng.randint(0, 400) if rng.random() < 0.9 else 0
        threshold = str(rng.choice((5, 10, 20))) if rng.random() < 0.2 else ""
        noun = words[-2] if len(words) > 2 and words[-1] in dept.sizes else words[-1]
        description = f"{noun} by {brand}. " + " ".join(rng.sample(DESCRIPTIONS, 2))
        tax = dept.tax if rng.random() < 0.95 else "reduced"
        yield [
            f"{dept.name[:3].upper()}-{i:07d}",
            " ".join(words),
            description,
            brand,
            path,
            _money(price),
            cost,
            tax,
            "|".join(codes),
            str(stock),
            threshold,
            "true" if rng.random() < 0.98 else "false",
        ]


def write(path: Path, count: int, seed: int = SEED) -> Path:
    """Write the catalog CSV (gzip if ``path`` ends in .gz), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with contextlib.ExitStack() as stack:
        raw: IO[bytes] = stack.enter_context(open(tmp, "wb"))
        if path.suffix == ".gz":
            raw = stack.enter_context(gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=3))
        text = stack.enter_context(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows(count, seed))
    tmp.replace(path)
    return path


def catalog_file(count: int, data_dir: Path = DATA_DIR, seed: int = SEED) -> Path:
    """The cached catalog of ``count`` products, generated on first use."""
    path = data_dir / f"catalog-{count}-{seed}.csv"
    if not path.exists():
        write(path, count, seed)
    return path


def sample_barcodes(count: int, n: int, seed: int = 7) -> list[str]:
    """``n`` barcodes known to be in a catalog of ``count`` products (primary codes)."""
    rng = random.Random(seed)
    return [_ean13(rng.randrange(count)) for _ in range(n)]


def vocabulary() -> list[str]:
    """Every word that can appear in a product name (for search queries)."""
    words: set[str] = set()
    for dept in _departments():
        for group in (dept.modifiers, dept.variants, dept.sizes):
            for phrase in group:
                words.update(phrase.split())
        for _, nouns in dept.leaves:
            for phrase in nouns:
                words.update(phrase.split())
    return sorted(words)
