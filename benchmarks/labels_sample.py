"""Sample shelf labels, for screenshots and for looking at the layouts.

``python -m benchmarks.labels_sample OUT_DIR`` writes ``labels-3x8.pdf``,
``labels-2x7.pdf`` and ``labels-62x29.pdf`` (the first label alone) from a few products
with EAN-13, EAN-8, UPC-A and in-store (Code 128) codes, unit prices and long names."""

from __future__ import annotations

import sys
from pathlib import Path

from pos.ports.labels import ShelfLabel
from reports.labels import LAYOUTS, render_labels

SAMPLE = (
    ShelfLabel(
        1, "Whole Milk 1L", "Meadow", "£1.25", "£1.25 / l", "4006381333931", "EAN13", "MILK-1"
    ),
    ShelfLabel(
        2,
        "Extra virgin olive oil, cold pressed, first harvest 750 ml",
        "Oliva",
        "£12.99",
        "£17.32 / l",
        "5012345000015",
        "EAN13",
        "OIL-750",
    ),
    ShelfLabel(3, "Spearmint gum", "Fresh", "£0.79", "", "96385074", "EAN8", "GUM-1"),
    ShelfLabel(
        4,
        "Sourdough loaf",
        "Solent Bakery",
        "£3.20",
        "£4.00 / kg",
        "BREAD-01",
        "Code128",
        "BREAD-01",
    ),
    ShelfLabel(
        5,
        "Peanut butter 340 g",
        "Crunch",
        "£2.49",
        "£7.32 / kg",
        "0012345678905",
        "EAN13",
        "PB-340",
    ),
)


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else ".")
    out.mkdir(parents=True, exist_ok=True)
    for key, spec in LAYOUTS.items():
        labels = (
            SAMPLE[:1]
            if spec.per_page == 1
            else [SAMPLE[i % len(SAMPLE)] for i in range(spec.per_page)]
        )
        (out / f"labels-{key}.pdf").write_bytes(render_labels(labels, key, outline=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
