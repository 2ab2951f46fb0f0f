"""HMP info irq and info pic against the riscv64 Linux guest on the virt machine: the
PLIC counts how often each source's line went high, so the UART's (source 10) and
the virtio disk's (sources 1-8) counts grow as Linux uses them."""
import re

import pytest

from riscv_qmp_guest import paused_linux  # noqa: F401 (fixture)
from test_riscv_linux import emulator, guest  # noqa: F401 (fixtures)

UART_IRQ = 10
VIRTIO_IRQS = range(1, 9)
GUEST_CMD = "sleep 1; cat /dev/vda > /dev/null; echo READ-DONE-$((6 * 7)); sleep 600"


def irq_counts(q):
    text = q.ok("human-monitor-command", {"command-line": "info irq"})
    sections = re.split(r"IRQ statistics for (\S+):\r?\n", text)
    assert sections[0] == "", text
    counts = {}
    for name, body in zip(sections[1::2], sections[2::2]):
        counts[name] = {int(n): int(c) for n, c in re.findall(r"^\s*(\d+): (\d+)\r?$", body,
                                                              re.M)}
    return counts


@pytest.fixture
def linux(paused_linux, tmp_path):
    disk = tmp_path / "disk.raw"
    disk.write_bytes(b"\x5a" * (2 << 20))
    return paused_linux(GUEST_CMD, ["-drive", f"file={disk},format=raw,if=virtio"])


def test_info_irq_counts_grow_as_linux_uses_uart_and_disk(linux):
    q = linux.qmp
    before_boot = irq_counts(q)
    assert before_boot == {"riscv.sifive.plic": {}}, before_boot
    q.ok("cont")
    linux.wait_console("mimic guest: ready")
    at_ready = irq_counts(q)["riscv.sifive.plic"]
    assert at_ready.get(UART_IRQ, 0) > 0, at_ready
    linux.wait_console("READ-DONE-42")
    after = irq_counts(q)["riscv.sifive.plic"]
    assert after[UART_IRQ] > at_ready[UART_IRQ], (at_ready, after)
    virtio_before = sum(at_ready.get(n, 0) for n in VIRTIO_IRQS)
    virtio_after = sum(after.get(n, 0) for n in VIRTIO_IRQS)
    # 2 MiB read through the disk's queue takes many completions.
    assert virtio_after > virtio_before + 4, (at_ready, after)
    assert set(after) <= {UART_IRQ, *VIRTIO_IRQS, 11}, after


def test_info_pic_shows_the_plic_contexts_linux_programmed(linux):
    q = linux.qmp
    q.ok("cont")
    linux.wait_console("mimic guest: ready")
    text = q.ok("human-monitor-command", {"command-line": "info pic"})
    assert "riscv.sifive.plic: 96 sources, 2 contexts" in text, text
    assert re.search(r"context 0 \(hart 0 M-mode\): threshold \d+, enabled none", text), text
    # Linux runs in S-mode and enables the UART there.
    m = re.search(r"context 1 \(hart 0 S-mode\): threshold (\d+), enabled (\S+)", text)
    assert m, text
    enabled = set()
    for part in m.group(2).split(","):
        lo, _, hi = part.partition("-")
        enabled |= set(range(int(lo), int(hi or lo) + 1))
    assert UART_IRQ in enabled, text
