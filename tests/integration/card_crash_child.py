"""One card operation in a process of its own, which the simulated terminal kills with
SIGKILL at the point named by ``POS_SIM_TERMINAL_CRASH`` (see test_card_crashes.py).

    python -m tests.integration.card_crash_child '{"url": ..., "op": "charge", ...}'
"""

from __future__ import annotations

import json
import sys

from pos.app import open_app
from pos.domain.sale import RefundItem
from pos.domain.staff import Role
from pos.ports.staff import Actor
from pos.services import checkout


def main(spec: dict) -> None:  # type: ignore[type-arg]
    app = open_app(spec["url"], migrate=False)
    ctx = app.ctx
    who = spec["actor"]
    actor = Actor(
        who["user_id"], who["username"], Role(who["role"]), who["full_name"], who["token"]
    )
    op = spec["op"]
    if op == "charge":
        checkout.pay_by_card(ctx, actor, spec["cart_id"])
    elif op == "refund":
        item = RefundItem(spec["line_id"], 1)
        checkout.refund(ctx, actor, spec["register_id"], spec["sale_id"], [item])
    elif op == "void":
        checkout.void_sale(ctx, actor, spec["register_id"], spec["sale_id"], reason="mistake")
    elif op == "clear":
        checkout.clear_cart(ctx, actor, spec["cart_id"], "customer left")
    app.close()
    print("survived")


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
