"""The back office's pages, in the order the navigation lists them.

A page is a :class:`PageSpec`: a key, a title, an icon, the lowest role that may open it,
and a function that builds its widget from a :class:`PageContext`. To add a page, write its
module and add one line here. A page widget may offer:

- ``show_with(**kwargs)``: called when another page (or the main window) opens it with
  something to show, e.g. ``shell.show_page("stock", product_id=42)``;
- ``set_actor(actor)``: called when the signed-in user changes (a PIN switch);
- ``refresh()``: called each time the page is shown again.

The services check every permission again; ``min_role`` only keeps a page out of the
navigation of someone who could do nothing on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QWidget

from pos.domain.staff import Role
from pos.ports.settings import StoreSettings
from pos.ports.staff import Actor
from pos.services.context import ServiceContext
from ui.back_office.alerts_page import AlertsPage
from ui.back_office.audit_page import AuditPage
from ui.back_office.categories_page import CategoriesPage
from ui.back_office.count_page import CountPage
from ui.back_office.customers_page import CustomersPage
from ui.back_office.dashboard import DashboardPage
from ui.back_office.import_page import ImportPage
from ui.back_office.orders_page import OrdersPage
from ui.back_office.products_page import ProductsPage
from ui.back_office.purchase_orders_page import PurchaseOrdersPage
from ui.back_office.receive_page import ReceivePage
from ui.back_office.settings_page import SettingsPage
from ui.back_office.staff_page import StaffPage
from ui.back_office.stock_page import StockPage
from ui.back_office.suppliers_page import SuppliersPage
from ui.back_office.sync_page import SyncPage
from ui.back_office.tax_page import TaxPage
from ui.live import LiveEvents
from ui.reports_screen import ReportsScreen

if TYPE_CHECKING:
    from ui.back_office.shell import BackOffice


@dataclass
class PageContext:
    """What every page is built with; ``actor`` follows the signed-in user."""

    ctx: ServiceContext
    actor: Actor
    settings: StoreSettings
    register_code: str
    shell: BackOffice
    live: LiveEvents | None = None  # every app's changes, as Qt signals (ui.live)


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    icon: str  # a name in resources/icons
    min_role: Role
    build: Callable[[PageContext], QWidget]
    group: str = ""  # the heading it is listed under in the navigation ("" = none)


def _dashboard(pc: PageContext) -> QWidget:
    return DashboardPage(pc.ctx, pc.actor, pc.live)


def _orders(pc: PageContext) -> QWidget:
    zone = ZoneInfo(pc.settings.timezone)
    return OrdersPage(pc.ctx, pc.actor, pc.settings.money, zone, pc.register_code, pc.live)


def _customers(pc: PageContext) -> QWidget:
    return CustomersPage(pc.ctx, pc.actor, pc.settings.money, pc.shell)


def _staff(pc: PageContext) -> QWidget:
    return StaffPage(pc.ctx, pc.actor)


def _audit(pc: PageContext) -> QWidget:
    return AuditPage(pc.ctx, pc.actor, ZoneInfo(pc.settings.timezone))


def _settings(pc: PageContext) -> QWidget:
    return SettingsPage(pc.ctx, pc.actor, pc.register_code)


def _products(pc: PageContext) -> QWidget:
    return ProductsPage(pc.ctx, pc.actor, pc.settings.money)


def _categories(pc: PageContext) -> QWidget:
    return CategoriesPage(pc.ctx, pc.actor)


def _tax(pc: PageContext) -> QWidget:
    return TaxPage(pc.ctx, pc.actor, ZoneInfo(pc.settings.timezone))


def _suppliers(pc: PageContext) -> QWidget:
    return SuppliersPage(pc.ctx, pc.actor)


def _import(pc: PageContext) -> QWidget:
    return ImportPage(pc.ctx, pc.actor)


def _reports(pc: PageContext) -> QWidget:
    return ReportsScreen(pc.ctx, pc.actor, pc.register_code)


def _stock(pc: PageContext) -> QWidget:
    zone = ZoneInfo(pc.settings.timezone)
    return StockPage(pc.ctx, pc.actor, pc.settings.money, zone, pc.shell)


def _alerts(pc: PageContext) -> QWidget:
    return AlertsPage(pc.ctx, pc.actor, ZoneInfo(pc.settings.timezone), pc.shell)


def _receive(pc: PageContext) -> QWidget:
    return ReceivePage(pc.ctx, pc.actor, pc.settings.money, pc.shell)


def _count(pc: PageContext) -> QWidget:
    return CountPage(pc.ctx, pc.actor, pc.shell)


def _purchase_orders(pc: PageContext) -> QWidget:
    return PurchaseOrdersPage(pc.ctx, pc.actor, pc.settings, pc.shell)


def _sync(pc: PageContext) -> QWidget:
    return SyncPage(pc.ctx, pc.actor, pc.settings.money)


SALES, CATALOG, STOCK, ADMIN = "Sales", "Catalog", "Stock", "Admin"

PAGES: tuple[PageSpec, ...] = (
    PageSpec("dashboard", "Dashboard", "back-office", Role.MANAGER, _dashboard),
    PageSpec("orders", "Orders", "returns", Role.MANAGER, _orders, SALES),
    PageSpec("customers", "Customers", "customer", Role.MANAGER, _customers, SALES),
    PageSpec("reports", "Reports", "printer", Role.MANAGER, _reports, SALES),
    PageSpec("sync", "Storefront", "store", Role.MANAGER, _sync, SALES),
    PageSpec("products", "Products", "store", Role.MANAGER, _products, CATALOG),
    PageSpec("categories", "Categories", "discount", Role.MANAGER, _categories, CATALOG),
    PageSpec("tax", "Tax classes", "price", Role.MANAGER, _tax, CATALOG),
    PageSpec("suppliers", "Suppliers", "store", Role.MANAGER, _suppliers, CATALOG),
    PageSpec("import", "Import / export", "database", Role.MANAGER, _import, CATALOG),
    PageSpec("stock", "Stock", "store", Role.MANAGER, _stock, STOCK),
    PageSpec("alerts", "Low-stock alerts", "bell", Role.MANAGER, _alerts, STOCK),
    PageSpec("receive", "Receive delivery", "store", Role.MANAGER, _receive, STOCK),
    PageSpec("count", "Stock count", "quantity", Role.MANAGER, _count, STOCK),
    PageSpec("reorder", "Reorder", "price", Role.MANAGER, _purchase_orders, STOCK),
    PageSpec("staff", "Staff", "user", Role.MANAGER, _staff, ADMIN),
    PageSpec("audit", "Audit log", "shift", Role.MANAGER, _audit, ADMIN),
    PageSpec("settings", "Settings", "store", Role.OWNER, _settings, ADMIN),
)
