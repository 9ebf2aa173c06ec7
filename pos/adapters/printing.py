"""Receipt printers and the cash drawer: the device layer (no Qt, no database).

Rules:
- The sale is committed before anything here runs; a failure raises
  :class:`PrinterError` with one sentence for the till ("The receipt printer at
  10.0.0.5:9100 did not answer.") and the till offers "reprint last receipt".
- ESC/POS printers (network, USB, serial, or a device file) get the bytes of
  :func:`reports.escpos_text.render_receipt_escpos` through python-escpos; the drawer is
  kicked with python-escpos ``cashdraw(2)`` (ESC p on pin 2) before the receipt prints,
  so the cashier can give change while it prints.
- A system printer goes through Qt; this module does not import Qt, so the GUI passes
  its printing function (``ui.printing.print_receipt_system``) as ``system``.
- Every call opens the device, writes and closes it; nothing is held open between sales.
  Calls block (network timeouts are a few seconds): run them off the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from escpos import printer

from pos.domain.errors import PrinterError
from pos.domain.receipt import PrinterConfig, PrinterKind, ReceiptSnapshot, parse_printer
from reports.escpos_text import render_receipt_escpos

__all__ = [
    "EscposPrinter",
    "PrinterConfig",
    "PrinterError",
    "PrinterKind",
    "SystemPrint",
    "parse_printer",
    "print_sale_receipt",
    "should_kick",
]

log = logging.getLogger(__name__)

SystemPrint = Callable[[ReceiptSnapshot, str], None]
TIMEOUT_SECONDS = 5.0


class EscposPrinter:
    """One ESC/POS printer as configured; each method opens, writes and closes it."""

    def __init__(self, config: PrinterConfig, timeout: float = TIMEOUT_SECONDS) -> None:
        if not config.kind.is_escpos:
            raise ValueError(f"{config.kind.value} is not an ESC/POS printer")
        self.config = config
        self.timeout = timeout

    def print_receipt(self, data: bytes, kick_drawer: bool = False) -> None:
        """Send rendered ESC/POS bytes; with ``kick_drawer`` open the drawer first."""
        with self._session() as device:
            if kick_drawer:
                device.cashdraw(2)
            device._raw(data)

    def open_drawer(self) -> None:
        with self._session() as device:
            device.cashdraw(2)

    def _device(self) -> Any:
        c = self.config
        if c.kind is PrinterKind.NETWORK:
            return printer.Network(c.host, port=c.port, timeout=self.timeout)
        if c.kind is PrinterKind.USB:
            return printer.Usb(c.usb_vendor, c.usb_product, timeout=int(self.timeout * 1000))
        if c.kind is PrinterKind.SERIAL:
            return printer.Serial(c.serial_port, baudrate=c.baudrate, timeout=self.timeout)
        return printer.File(c.file_path)

    @contextmanager
    def _session(self) -> Iterator[Any]:
        device = None
        try:
            device = self._device()
            device.open()
            if self.config.kind is PrinterKind.SERIAL:
                device.device.write_timeout = self.timeout  # never block on a dead line
        except Exception as exc:
            log.warning("receipt printer %s: %r", self.config.where, exc)
            _close(device)
            raise PrinterError(_unreachable(self.config)) from exc
        try:
            yield device
        except Exception as exc:
            log.warning("receipt printer %s failed while printing: %r", self.config.where, exc)
            raise PrinterError(
                f"The receipt printer {_named(self.config)} stopped while printing."
            ) from exc
        finally:
            _close(device)


def _close(device: Any) -> None:
    if device is None:
        return
    try:
        device.close()
    except Exception as exc:  # closing a broken connection must not hide the real error
        log.debug("closing receipt printer: %r", exc)


def _named(c: PrinterConfig) -> str:
    if c.kind is PrinterKind.NETWORK:
        return f"at {c.where}"
    return f"on {c.where}"


def _unreachable(c: PrinterConfig) -> str:
    if c.kind is PrinterKind.NETWORK:
        return f"The receipt printer at {c.where} did not answer."
    if c.kind is PrinterKind.USB:
        return f"The receipt printer on {c.where} was not found; check its cable and power."
    if c.kind is PrinterKind.SERIAL:
        return f"The receipt printer on {c.where} could not be opened."
    return f"The receipt printer device {c.where} could not be opened for writing."


def should_kick(config: PrinterConfig, snapshot: ReceiptSnapshot) -> bool:
    """Open the drawer for an original receipt that moved cash, when a drawer is set up."""
    return (
        config.kick_drawer
        and config.kind.is_escpos
        and snapshot.cash_involved
        and not (snapshot.copy)
    )


def print_sale_receipt(
    config: PrinterConfig,
    snapshot: ReceiptSnapshot,
    kick_drawer: bool | None = None,
    *,
    system: SystemPrint | None = None,
    columns: int = 42,
) -> bool:
    """Render ``snapshot`` for the configured printer, send it, and kick the drawer.

    ``kick_drawer`` None means :func:`should_kick`. Returns False when no printer is
    configured (nothing to do), True once printed; raises :class:`PrinterError`.
    """
    if config.kind is PrinterKind.NONE:
        return False
    if config.kind is PrinterKind.SYSTEM:
        if system is None:
            raise PrinterError("Printing to a system printer needs the desktop app.")
        system(snapshot, config.system_name)
        return True
    kick = should_kick(config, snapshot) if kick_drawer is None else kick_drawer
    try:
        data = render_receipt_escpos(snapshot, columns)
    except Exception as exc:
        log.exception("rendering receipt %s", snapshot.receipt_ref)
        raise PrinterError("The receipt could not be prepared for printing.") from exc
    EscposPrinter(config).print_receipt(data, kick_drawer=kick)
    return True
