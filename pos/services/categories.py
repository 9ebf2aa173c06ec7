"""The category tree: add, rename, move, merge. Each is one transaction that keeps every
path (``Food/Dairy/Cheese``) true for the whole sub-tree; the tree is locked while it
changes so two managers cannot make a loop between them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pos.domain.errors import NotFound, ValidationError
from pos.domain.staff import Permission
from pos.ports.catalog import CategoryView
from pos.ports.categories import CategoryNode
from pos.services.context import ServiceContext
from pos.services.operator import Operator, require_operator

if TYPE_CHECKING:
    from pos.ports.uow import UnitOfWork

SEPARATOR = "/"
MAX_NAME = 120
MAX_PATH = 1000


def category_tree(ctx: ServiceContext, actor: Operator) -> list[CategoryNode]:
    """Every category in path order (parents first), with how many products each holds."""
    with ctx.read() as uow:
        require_operator(uow, actor, Permission.MANAGE_CATALOG, "Managing categories")
        return uow.categories.tree()


def clean_name(name: object, field: str = "name") -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(field, "is empty; type a name")
    text = " ".join(name.split())
    if SEPARATOR in text:
        raise ValidationError(field, f"cannot contain {SEPARATOR!r} (it separates levels)")
    if len(text) > MAX_NAME:
        raise ValidationError(field, f"is longer than {MAX_NAME} characters")
    return text


def _path(parent: CategoryView | None, name: str) -> str:
    path = f"{parent.path}{SEPARATOR}{name}" if parent else name
    if len(path) > MAX_PATH:
        raise ValidationError("name", f"makes the path longer than {MAX_PATH:,} characters")
    return path


def _must(uow: UnitOfWork, category_id: int | None, field: str) -> CategoryView:
    found = uow.categories.get(category_id) if category_id is not None else None
    if found is None:
        raise NotFound(f"There is no category {category_id} ({field}).")
    return found


def _free(uow: UnitOfWork, path: str) -> None:
    if uow.categories.by_path(path) is not None:
        raise ValidationError("name", f"there is already a category {path}")


def add_category(
    ctx: ServiceContext, actor: Operator, name: str, parent_id: int | None = None
) -> CategoryView:
    """A new category ``name`` under ``parent_id`` (None: at the top)."""
    clean = clean_name(name)
    with ctx.uow() as uow:
        who = require_operator(uow, actor, Permission.MANAGE_CATALOG, "Adding a category")
        uow.categories.lock_tree()
        parent = _must(uow, parent_id, "parent") if parent_id is not None else None
        path = _path(parent, clean)
        _free(uow, path)
        made = uow.categories.insert(parent.id if parent else None, clean, path)
        uow.audit.record("category_added", who.user_id, detail={**who.detail, "path": path})
        uow.commit()
    return made


def rename_category(ctx: ServiceContext, actor: Operator, category_id: int, name: str) -> int:
    """Rename; the paths of all its sub-categories follow. How many categories changed."""
    clean = clean_name(name)
    with ctx.uow() as uow:
        who = require_operator(uow, actor, Permission.MANAGE_CATALOG, "Renaming a category")
        uow.categories.lock_tree()
        cat = _must(uow, category_id, "category")
        if clean == cat.name:
            return 0
        parent = uow.categories.get(cat.parent_id) if cat.parent_id is not None else None
        path = _path(parent, clean)
        if path.casefold() != cat.path.casefold():
            _free(uow, path)
        changed = uow.categories.relocate(cat.id, cat.parent_id, clean, path)
        uow.audit.record(
            "category_renamed", who.user_id, detail={**who.detail, "from": cat.path, "to": path}
        )
        uow.commit()
    return changed


def move_category(
    ctx: ServiceContext, actor: Operator, category_id: int, parent_id: int | None
) -> int:
    """Put a category (and its sub-tree) under ``parent_id`` (None: the top level).
    Refused under itself or one of its own sub-categories. How many categories changed."""
    with ctx.uow() as uow:
        who = require_operator(uow, actor, Permission.MANAGE_CATALOG, "Moving a category")
        uow.categories.lock_tree()
        cat = _must(uow, category_id, "category")
        parent = _must(uow, parent_id, "new parent") if parent_id is not None else None
        if parent is not None and (
            parent.id == cat.id or parent.path.startswith(cat.path + SEPARATOR)
        ):
            raise ValidationError(
                "parent", f"{parent.path} is inside {cat.path}; a category cannot go under itself"
            )
        if cat.parent_id == (parent.id if parent else None):
            return 0
        path = _path(parent, cat.name)
        _free(uow, path)
        changed = uow.categories.relocate(cat.id, parent.id if parent else None, cat.name, path)
        uow.audit.record(
            "category_moved", who.user_id, detail={**who.detail, "from": cat.path, "to": path}
        )
        uow.commit()
    return changed


def merge_categories(ctx: ServiceContext, actor: Operator, source_id: int, target_id: int) -> int:
    """Everything in ``source`` goes to ``target``: its products and its sub-categories
    (refused if ``target`` already has a sub-category of the same name); ``source`` is
    removed. How many products moved."""
    with ctx.uow() as uow:
        who = require_operator(uow, actor, Permission.MANAGE_CATALOG, "Merging categories")
        uow.categories.lock_tree()
        src = _must(uow, source_id, "category")
        dst = _must(uow, target_id, "merge into")
        if src.id == dst.id:
            raise ValidationError("into", "choose another category to merge into")
        if dst.path.startswith(src.path + SEPARATOR):
            raise ValidationError(
                "into", f"{dst.path} is inside {src.path}; merge it the other way"
            )
        clashes = sorted(
            set(uow.categories.child_names(src.id)) & set(uow.categories.child_names(dst.id))
        )
        if clashes:
            raise ValidationError(
                "into",
                f"both have a sub-category {clashes[0]}; merge those first",
            )
        uow.categories.adopt_children(src.id, dst.id)
        moved = uow.categories.move_products(src.id, dst.id)
        uow.categories.delete(src.id)
        if moved:  # the storefront sync's outbox (nothing while unlinked)
            uow.sync.outbox_products(moved, ctx.clock())
        uow.audit.record(
            "categories_merged",
            who.user_id,
            detail={**who.detail, "from": src.path, "into": dst.path, "products": len(moved)},
        )
        uow.commit()
    return len(moved)


def find_path(ctx: ServiceContext, path: str) -> CategoryView:
    """The category at ``path`` (as typed: spaces around ``/`` ignored)."""
    clean = SEPARATOR.join(part.strip() for part in path.strip().strip(SEPARATOR).split(SEPARATOR))
    with ctx.read() as uow:
        found = uow.categories.by_path(clean)
    if found is None:
        raise ValidationError("category", f"there is no category {clean or path!r}")
    return found
