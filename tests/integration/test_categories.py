"""The category tree: add, rename, move (paths of the whole sub-tree follow; refused
under itself), merge (products and sub-categories move, the source goes)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from pos.domain.errors import PermissionDenied, ValidationError
from pos.services import categories as cats
from pos.services.context import ServiceContext
from tests import factories as f


@pytest.fixture
def who(ctx: ServiceContext) -> dict[str, Any]:
    with ctx.uow() as uow:
        s = uow.session  # type: ignore[attr-defined]
        out = {"manager": f.user(s, "max", "manager"), "cashier": f.user(s, "cara", "cashier")}
        uow.commit()
    return out


def paths(ctx: ServiceContext) -> list[tuple[str, str | None]]:
    """Each category's path and its parent's path (checks parent_id and path agree)."""
    with ctx.read() as uow:
        rows = uow.session.execute(  # type: ignore[attr-defined]
            text(
                "SELECT c.path, p.path FROM categories c LEFT JOIN categories p "
                "ON p.id = c.parent_id ORDER BY c.path"
            )
        ).all()
    return [(r[0], r[1]) for r in rows]


def tree(ctx: ServiceContext, m: Any) -> dict[str, int]:
    return {n.path: n.id for n in cats.category_tree(ctx, m)}


def build(ctx: ServiceContext, m: Any) -> dict[str, int]:
    food = cats.add_category(ctx, m, "Food")
    dairy = cats.add_category(ctx, m, "Dairy", food.id)
    cats.add_category(ctx, m, "Cheese", dairy.id)
    cats.add_category(ctx, m, "Soft", cats.find_path(ctx, "Food/Dairy/Cheese").id)
    cats.add_category(ctx, m, "Drinks")
    return tree(ctx, m)


def test_add_and_the_names_it_refuses(ctx: ServiceContext, who: dict[str, Any]) -> None:
    m = who["manager"]
    ids = build(ctx, m)
    assert list(ids) == [
        "Drinks",
        "Food",
        "Food/Dairy",
        "Food/Dairy/Cheese",
        "Food/Dairy/Cheese/Soft",
    ]
    with pytest.raises(ValidationError, match=r"^name: there is already a category Food/Dairy$"):
        cats.add_category(ctx, m, "Dairy", ids["Food"])
    with pytest.raises(ValidationError, match=r"^name: cannot contain '/'"):
        cats.add_category(ctx, m, "A/B")
    with pytest.raises(ValidationError, match=r"^name: is empty"):
        cats.add_category(ctx, m, "  ")
    with pytest.raises(PermissionDenied):
        cats.add_category(ctx, who["cashier"], "Nope")


def test_rename_carries_the_whole_subtree(ctx: ServiceContext, who: dict[str, Any]) -> None:
    m = who["manager"]
    ids = build(ctx, m)
    assert cats.rename_category(ctx, m, ids["Food/Dairy"], "Milk products") == 3
    assert paths(ctx) == [
        ("Drinks", None),
        ("Food", None),
        ("Food/Milk products", "Food"),
        ("Food/Milk products/Cheese", "Food/Milk products"),
        ("Food/Milk products/Cheese/Soft", "Food/Milk products/Cheese"),
    ]
    with pytest.raises(ValidationError, match="already a category Drinks"):
        cats.rename_category(ctx, m, ids["Food"], "Drinks")


def test_move_reparents_and_refuses_its_own_descendant(
    ctx: ServiceContext, who: dict[str, Any]
) -> None:
    m = who["manager"]
    ids = build(ctx, m)
    with ctx.uow() as uow:
        p = f.product(uow.session, category="Food/Dairy/Cheese/Soft")  # type: ignore[attr-defined]
        uow.commit()
        pid = p.id
    assert cats.move_category(ctx, m, ids["Food/Dairy"], ids["Drinks"]) == 3
    assert paths(ctx) == [
        ("Drinks", None),
        ("Drinks/Dairy", "Drinks"),
        ("Drinks/Dairy/Cheese", "Drinks/Dairy"),
        ("Drinks/Dairy/Cheese/Soft", "Drinks/Dairy/Cheese"),
        ("Food", None),
    ]
    before = paths(ctx)
    with pytest.raises(
        ValidationError, match=r"^parent: Drinks/Dairy/Cheese is inside Drinks/Dairy"
    ):
        cats.move_category(ctx, m, ids["Food/Dairy"], ids["Food/Dairy/Cheese"])
    with pytest.raises(ValidationError, match=r"^parent: "):
        cats.move_category(ctx, m, ids["Food/Dairy"], ids["Food/Dairy"])
    assert paths(ctx) == before
    assert cats.move_category(ctx, m, ids["Food/Dairy/Cheese"], None) == 2
    assert ("Cheese/Soft", "Cheese") in paths(ctx)
    with ctx.read() as uow:
        cid = uow.session.execute(  # type: ignore[attr-defined]
            text("SELECT category_id FROM products WHERE id = :p"), {"p": pid}
        ).scalar()
    assert cid == ids["Food/Dairy/Cheese/Soft"]  # products stay in their category


def test_merge_moves_products_and_children_then_removes_the_source(
    ctx: ServiceContext, who: dict[str, Any]
) -> None:
    m = who["manager"]
    ids = build(ctx, m)
    with ctx.uow() as uow:
        s = uow.session  # type: ignore[attr-defined]
        in_dairy = [f.product(s, category="Food/Dairy").id for _ in range(3)]
        f.product(s, category="Drinks")
        uow.commit()
    assert cats.merge_categories(ctx, m, ids["Food/Dairy"], ids["Drinks"]) == 3
    nodes = {n.path: n for n in cats.category_tree(ctx, m)}
    assert "Food/Dairy" not in nodes
    assert nodes["Drinks"].products == 4
    assert ("Drinks/Cheese/Soft", "Drinks/Cheese") in paths(ctx)
    with ctx.read() as uow:
        got = (
            uow.session.execute(  # type: ignore[attr-defined]
                text("SELECT DISTINCT category_id FROM products WHERE id IN (:a, :b, :c)"),
                dict(zip("abc", in_dairy, strict=True)),
            )
            .scalars()
            .all()
        )
    assert got == [ids["Drinks"]]


def test_merge_refusals(ctx: ServiceContext, who: dict[str, Any]) -> None:
    m = who["manager"]
    ids = build(ctx, m)
    cats.add_category(ctx, m, "Cheese", ids["Drinks"])
    before = paths(ctx)
    with pytest.raises(ValidationError, match=r"^into: both have a sub-category Cheese"):
        cats.merge_categories(ctx, m, ids["Food/Dairy"], ids["Drinks"])
    with pytest.raises(ValidationError, match=r"^into: Food/Dairy is inside Food"):
        cats.merge_categories(ctx, m, ids["Food"], ids["Food/Dairy"])
    with pytest.raises(ValidationError, match=r"^into: choose another"):
        cats.merge_categories(ctx, m, ids["Food"], ids["Food"])
    with pytest.raises(PermissionDenied):
        cats.merge_categories(ctx, who["cashier"], ids["Food"], ids["Drinks"])
    assert paths(ctx) == before
