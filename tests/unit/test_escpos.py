"""ESC/POS receipts through real python-escpos devices: a File printer writing to a temp
file, and a Network printer talking to a socket server on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import socket
import threading
from pathlib import Path

import pytest

from benchmarks.receipt_sample import sample_snapshot
from pos.adapters.printing import EscposPrinter, print_sale_receipt, should_kick
from pos.domain.errors import PrinterError, ValidationError
from pos.domain.receipt import PrinterConfig, PrinterKind, parse_printer
from reports.escpos_text import cells, receipt_rows, render_receipt_escpos

KICK = b"\x1bp\x0022"  # ESC p m=0 (pin 2), on/off 50 x 2 ms: python-escpos CD_KICK_2
CUT = b"\x1dV\x00"  # GS V 0: full cut
INIT = b"\x1b@"


def _file_printer(tmp_path: Path, kick: bool = True) -> tuple[PrinterConfig, Path]:
    out = tmp_path / "lp0"
    return parse_printer("escpos-file", str(out), kick_drawer=kick), out


def test_escpos_bytes_have_text_styles_barcode_and_cut() -> None:
    snap = sample_snapshot()
    data = render_receipt_escpos(snap)
    assert data.startswith(INIT)
    for text in (b"Harbour Street Grocer", b"Sourdough loaf", b"TOTAL", b"Change", b"16.68"):
        assert text in data, text
    assert "£33.32".encode("cp437") in data  # code page 437 (ESC t 0) has the pound sign
    assert b"Card VISA ****4242 auth A123456" in data
    assert b"\x1bE\x01" in data  # bold on
    assert b"\x1b!\x10" in data  # double height, for the total
    assert b"\x1dkI\x0f{BTILL-1-000042" in data  # native CODE128, 15 bytes: {B + the ref
    assert data.endswith(b"\x1bd\x06" + CUT)  # feed, then cut
    assert KICK not in data  # the drawer is the device layer's business


def test_rows_fit_the_paper_width() -> None:
    snap = sample_snapshot(copy=True)
    for columns in (42, 48):
        for row in receipt_rows(snap, columns):
            width = columns // 2 if row.wide else columns
            assert cells(row.left) + cells(row.right) + (1 if row.right else 0) <= width, row


def test_file_printer_gets_the_receipt_and_the_drawer_kick(tmp_path: Path) -> None:
    config, out = _file_printer(tmp_path)
    snap = sample_snapshot()
    assert snap.cash_involved and should_kick(config, snap)
    assert print_sale_receipt(config, snap)
    data = out.read_bytes()
    assert data.startswith(KICK)  # the drawer opens first, while the receipt prints
    assert data[len(KICK) :] == render_receipt_escpos(snap)
    assert b"Sourdough loaf" in data and CUT in data


def test_no_kick_for_a_copy_a_card_only_sale_or_a_printer_without_drawer(tmp_path: Path) -> None:
    config, out = _file_printer(tmp_path)
    snap = sample_snapshot()
    print_sale_receipt(config, dataclasses.replace(snap, copy=True))
    assert KICK not in out.read_bytes() and b"*** COPY ***" in out.read_bytes()
    card_only = dataclasses.replace(snap, tenders=snap.tenders[:1], change="", change_minor=0)
    print_sale_receipt(config, card_only)
    assert KICK not in out.read_bytes()
    no_drawer, out2 = _file_printer(tmp_path, kick=False)
    print_sale_receipt(no_drawer, snap)
    assert KICK not in out2.read_bytes() and CUT in out2.read_bytes()


def test_open_drawer_alone(tmp_path: Path) -> None:
    config, out = _file_printer(tmp_path)
    EscposPrinter(config).open_drawer()
    assert out.read_bytes() == KICK


def test_network_printer_receives_every_byte() -> None:
    received = bytearray()
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.settimeout(10)
        port = server.getsockname()[1]

        def serve() -> None:
            conn, _ = server.accept()
            with conn:
                conn.settimeout(10)
                while chunk := conn.recv(65536):
                    received.extend(chunk)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        config = parse_printer("escpos-network", f"127.0.0.1:{port}", kick_drawer=True)
        snap = sample_snapshot()
        assert print_sale_receipt(config, snap)
        thread.join(10)
    assert not thread.is_alive()
    assert bytes(received) == KICK + render_receipt_escpos(snap)


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_network_printer_that_does_not_answer_is_one_sentence() -> None:
    port = _unused_port()
    config = parse_printer("escpos-network", f"127.0.0.1:{port}")
    with pytest.raises(PrinterError) as failed:
        print_sale_receipt(config, sample_snapshot())
    message = str(failed.value)
    assert message == f"The receipt printer at 127.0.0.1:{port} did not answer."
    assert "\n" not in message and message.count(". ") == 0


@pytest.mark.parametrize(
    ("kind", "target", "expected"),
    [
        ("escpos-usb", "04b8:0e15", "The receipt printer on USB 04b8:0e15 was not found"),
        ("escpos-serial", "/dev/pos-no-such-tty:19200", "on /dev/pos-no-such-tty could not be"),
        ("escpos-file", "/nonexistent-dir/lp0", "device /nonexistent-dir/lp0 could not be opened"),
    ],
)
def test_devices_that_are_missing_raise_printer_error(
    kind: str, target: str, expected: str
) -> None:
    with pytest.raises(PrinterError, match=expected):
        EscposPrinter(parse_printer(kind, target)).print_receipt(b"hello")


def test_system_and_no_printer() -> None:
    snap = sample_snapshot()
    assert print_sale_receipt(PrinterConfig(), snap) is False  # nothing configured
    system = parse_printer("system", "Receipts")
    with pytest.raises(PrinterError, match="needs the desktop app"):
        print_sale_receipt(system, snap)
    seen: list[tuple[str, str]] = []
    assert print_sale_receipt(
        system, snap, system=lambda s, name: seen.append((s.receipt_ref, name))
    )
    assert seen == [("TILL-1-000042", "Receipts")]


@pytest.mark.parametrize(
    ("kind", "target", "where"),
    [
        ("escpos-network", "10.0.0.5", "10.0.0.5:9100"),
        ("escpos-network", "printer.local:9101", "printer.local:9101"),
        ("escpos-usb", "0x04b8:0x0202", "USB 04b8:0202"),
        ("escpos-serial", "/dev/ttyUSB0", "/dev/ttyUSB0"),
        ("escpos-serial", "COM3:19200", "COM3"),
        ("escpos-file", "/dev/usb/lp0", "/dev/usb/lp0"),
        ("system", "", "the default printer"),
        ("none", "anything", "no printer"),
    ],
)
def test_printer_targets_that_parse(kind: str, target: str, where: str) -> None:
    config = parse_printer(kind, target)
    assert config.where == where
    if config.kind is not PrinterKind.NONE:
        assert parse_printer(kind, config.target) == config  # the stored form reads back


@pytest.mark.parametrize(
    ("kind", "target", "kick"),
    [
        ("laser", "", False),
        ("escpos-network", "", False),
        ("escpos-network", "10.0.0.5:http", False),
        ("escpos-network", "10.0.0.5:0", False),
        ("escpos-network", "two words", False),
        ("escpos-network", "[::1]:9100", False),  # python-escpos speaks IPv4 only
        ("escpos-usb", "04b8", False),
        ("escpos-usb", "epson:tm", False),
        ("escpos-serial", "/dev/ttyS0:1234", False),
        ("system", "Office", True),  # a drawer needs an ESC/POS printer
        ("escpos-file", "x" * 201, False),
    ],
)
def test_printer_targets_that_are_refused(kind: str, target: str, kick: bool) -> None:
    with pytest.raises(ValidationError, match=r"^(printer|cash drawer): "):
        parse_printer(kind, target, kick)
