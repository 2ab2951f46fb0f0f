"""Run the bare-metal riscv64 test programs (tests/tcg/riscv64/) on the virt machine.

Each program prints a line per section, "FAIL <check>: ..." for each failing
check, and ends with "PASS <prog>" (exit status 0 through the SiFive test
device) or "FAIL <prog>" (exit status = number of failures). This file boots
each one as

    mimic-system-riscv64 -M virt -bios none -nographic -kernel PROG.elf

once with the default translator backend and once with -accel tcg,backend=interp,
and requires the two serial outputs to be identical.

Environment:
    MIMIC_SYSTEM_RISCV64  emulator binary (default <repo>/build/mimic-system-riscv64)
    MIMIC_RISCV64_TESTS   directory of the .elf programs (default <repo>/build/tests/tcg/riscv64)
    MIMIC_ORACLE=qemu     run the programs on Debian's qemu-system-riscv64 instead
                          (checks the programs and this harness)
"""

import os
import re
import select
import shlex
import shutil
import struct
import subprocess
import time
from pathlib import Path

import pytest

from monitor_client import HMP

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 30

ORACLE = os.environ.get("MIMIC_ORACLE", "")
EMULATOR = os.environ.get("MIMIC_SYSTEM_RISCV64", str(REPO / "build" / "mimic-system-riscv64"))
PROGRAMS_DIR = Path(os.environ.get("MIMIC_RISCV64_TESTS",
                                   str(REPO / "build" / "tests" / "tcg" / "riscv64")))

PROGRAMS = ["hello", "arith", "branch", "memory", "csr", "atomic", "timer", "smc", "fp",
            "isa-priv", "aia@aplic-imsic", "aia@aplic"]

# "prog@aia": the program run on -M virt,aia=<aia> (aia.c tests whichever it finds).
def _split_run(run_name):
    name, _, aia = run_name.partition("@")
    return name, (f"virt,aia={aia}" if aia else "virt")


def _emulator():
    """The emulator binary under test, or pytest.skip with the reason."""
    if ORACLE == "qemu":
        qemu = shutil.which("qemu-system-riscv64")
        if not qemu:
            pytest.skip("MIMIC_ORACLE=qemu but qemu-system-riscv64 is not installed "
                        "(Debian package qemu-system-misc)")
        return qemu
    if ORACLE:
        pytest.fail(f"MIMIC_ORACLE={ORACLE!r}: the only oracle is 'qemu'")
    if not os.access(EMULATOR, os.X_OK):
        if "MIMIC_SYSTEM_RISCV64" in os.environ:
            pytest.fail(f"MIMIC_SYSTEM_RISCV64={EMULATOR} is not an executable file")
        pytest.skip(f"{EMULATOR} not built (configure with --target-list=...,riscv64, "
                    "or set MIMIC_SYSTEM_RISCV64 to use another binary)")
    return EMULATOR


def _program_path(name):
    path = PROGRAMS_DIR / f"{name}.elf"
    if not path.is_file():
        if "MIMIC_RISCV64_TESTS" in os.environ:
            pytest.fail(f"{path} missing (MIMIC_RISCV64_TESTS={PROGRAMS_DIR})")
        pytest.skip(f"{path} not built (meson builds it from tests/tcg/riscv64 when "
                    "riscv64-linux-gnu-gcc is installed; or run tests/tcg/riscv64/build.sh "
                    "DIR and set MIMIC_RISCV64_TESTS=DIR)")
    return path


def run(args, timeout=TIMEOUT_S, binary=None):
    """Run the emulator (or binary) with args; return (exit status, output, argv). Fails on
    timeout."""
    cmd = [binary or _emulator()] + args
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        pytest.fail(f"no exit within {timeout} s\ncommand: {shlex.join(cmd)}\n"
                    f"--- output ---\n{out}")
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), cmd


def run_program(run_name, accel=None, smp=1):
    name, machine = _split_run(run_name)
    args = ["-M", machine, "-bios", "none", "-nographic", "-smp", str(smp)]
    if accel:
        args += ["-accel", accel]
    return run(args + ["-kernel", str(_program_path(name))])


def _report(status, out, cmd):
    return f"command: {shlex.join(cmd)}\nexit status {status}\n--- output ---\n{out}"


def _check_passed(name, status, out, cmd):
    report = _report(status, out, cmd)
    if re.search(rf"^SKIP {name}\b", out, re.MULTILINE):
        assert status == 0, report
        pytest.skip(out.strip().splitlines()[-1])
    assert not re.search(r"^FAIL", out, re.MULTILINE), report
    assert re.search(rf"^PASS {name}\r?$", out, re.MULTILINE), report
    assert status == 0, report


# What aia.c must find on each machine: it tests whichever interrupt architecture is there.
AIA_MODE_LINES = {"aia@aplic-imsic": "aia: Smaia present: IMSIC and APLIC in MSI mode",
                  "aia@aplic": "aia: no Smaia: APLIC in direct mode"}


@pytest.mark.parametrize("run_name", PROGRAMS)
def test_program_passes(run_name):
    status, out, cmd = run_program(run_name)
    _check_passed(_split_run(run_name)[0], status, out, cmd)
    if run_name in AIA_MODE_LINES:
        assert AIA_MODE_LINES[run_name] in out, _report(status, out, cmd)


def test_aplic_direct_level_source_clears_when_its_line_falls():
    """AIA 1.0 §4.7: in direct mode a level source's pending bit follows its rectified input, so
    once the UART lowers its line the IDC has nothing to report (aia.c prints topi then)."""
    if ORACLE:
        pytest.skip("QEMU 7.2 keeps a direct-mode level source pending after its line falls")
    status, out, cmd = run_program("aia@aplic")
    _check_passed("aia", status, out, cmd)
    assert "aia: level source with its line low: topi 0x0\n" in out.replace("\r", ""), \
        _report(status, out, cmd)


@pytest.mark.parametrize("run_name", PROGRAMS)
def test_interp_backend_agrees(run_name):
    """The IR interpreter must produce exactly the serial output of the code generator."""
    if ORACLE:
        pytest.skip("compares mimic's two translator backends; QEMU has one")
    status_jit, out_jit, cmd_jit = run_program(run_name)
    status_int, out_int, cmd_int = run_program(run_name, accel="tcg,backend=interp")
    _check_passed(_split_run(run_name)[0], status_int, out_int, cmd_int)
    assert (status_int, out_int) == (status_jit, out_jit), (
        f"backends disagree\n=== {shlex.join(cmd_jit)}\n{_report(status_jit, out_jit, cmd_jit)}"
        f"\n=== {shlex.join(cmd_int)}\n{_report(status_int, out_int, cmd_int)}")


@pytest.mark.parametrize("smp", [2, 4])
def test_secondary_harts_park(smp):
    """Every hart starts at the entry; the crt parks all but hart 0, which must still pass."""
    status, out, cmd = run_program("hello", smp=smp)
    _check_passed("hello", status, out, cmd)


def test_dumpdtb(tmp_path):
    dtb = tmp_path / "virt.dtb"
    status, out, cmd = run(["-M", f"virt,dumpdtb={dtb}", "-bios", "none", "-nographic",
                            "-smp", "2", "-m", "256"])
    assert status == 0, _report(status, out, cmd)
    data = dtb.read_bytes()
    assert data[:4] == bytes.fromhex("d00dfeed"), "not a flattened device tree"
    dtc = shutil.which("dtc")
    if not dtc:
        return
    dts = subprocess.run([dtc, "-I", "dtb", "-O", "dts", str(dtb)], check=True,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    for needle in ['compatible = "riscv-virtio"', "cpu@0 {", "cpu@1 {",
                   "timebase-frequency = <0x989680>", 'riscv,isa = "rv64',
                   'riscv,isa-base = "rv64i"',
                   'riscv,isa-extensions = "i\\0m\\0a\\0f\\0d\\0c\\0zicsr\\0zifencei',
                   'compatible = "riscv,cpu-intc"', "memory@80000000 {",
                   "reg = <0x00 0x80000000 0x00 0x10000000>",
                   "serial@10000000 {", 'compatible = "ns16550a"',
                   "test@100000 {", 'compatible = "sifive,test1\\0sifive,test0\\0syscon"',
                   "clint@2000000 {", 'compatible = "sifive,clint0\\0riscv,clint0"',
                   'stdout-path = "/soc/serial@10000000"', 'compatible = "syscon-poweroff"',
                   'compatible = "syscon-reboot"']:
        assert needle in dts, f"{needle!r} missing from the device tree:\n{dts}"


def _dts(dtb):
    dtc = shutil.which("dtc")
    if not dtc:
        pytest.skip("dtc not installed (Debian device-tree-compiler)")
    return subprocess.run([dtc, "-I", "dtb", "-O", "dts", str(dtb)], check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout


def test_dumpdtb_aia_aplic_imsic(tmp_path):
    """aia=aplic-imsic: IMSIC and APLIC nodes with what Linux's drivers and OpenSBI read; the
    devices and the PCIe interrupt-map point at the S-level APLIC, PCIe MSIs at the S IMSIC."""
    if ORACLE:
        pytest.skip("QEMU 7.2 writes the older spellings (compatible riscv,imsics alone, "
                    "riscv,delegate only) and another ISA string")
    dtb = tmp_path / "virt.dtb"
    status, out, cmd = run(["-M", f"virt,aia=aplic-imsic,dumpdtb={dtb}", "-bios", "none",
                            "-nographic", "-smp", "2"])
    assert status == 0, _report(status, out, cmd)
    dts = _dts(dtb)
    phandles = dict(re.findall(r"\t(\w+@[0-9a-f]+) \{[^}]*?phandle = <(0x[0-9a-f]+)>", dts))
    imsic_m, imsic_s = phandles["imsics@24000000"], phandles["imsics@28000000"]
    aplic_m, aplic_s = phandles["aplic@c000000"], phandles["aplic@d000000"]
    for needle in ['riscv,isa = "rv64imafdc_zicsr_zifencei_smaia_ssaia_sstc"',
                   'compatible = "qemu,imsics\\0riscv,imsics"', "msi-controller;",
                   "riscv,num-ids = <0xff>;", "reg = <0x00 0x24000000 0x00 0x2000>;",
                   "reg = <0x00 0x28000000 0x00 0x2000>;",
                   'compatible = "qemu,aplic\\0riscv,aplic"', "riscv,num-sources = <0x60>;",
                   f"riscv,children = <{aplic_s}>;",
                   f"riscv,delegation = <{aplic_s} 0x01 0x60>;",
                   f"msi-parent = <{imsic_m}>;", f"msi-parent = <{imsic_s}>;",
                   f"interrupt-parent = <{aplic_s}>;", "interrupts = <0x0a 0x04>;",
                   f"0x00 0x00 0x00 0x01 {aplic_s} 0x20 0x04"]:
        assert needle in dts, f"{needle!r} missing from the device tree:\n{dts}"
    assert "plic@" not in dts.replace("aplic@", ""), dts
    assert aplic_m != aplic_s


def test_dumpdtb_aia_aplic(tmp_path):
    """aia=aplic: APLIC domains wired to the harts' external interrupts, no IMSIC, no Smaia."""
    dtb = tmp_path / "virt.dtb"
    status, out, cmd = run(["-M", f"virt,aia=aplic,dumpdtb={dtb}", "-bios", "none",
                            "-nographic", "-smp", "2"])
    assert status == 0, _report(status, out, cmd)
    dts = _dts(dtb)
    assert "aplic@c000000 {" in dts and "aplic@d000000 {" in dts, dts
    assert "imsics@" not in dts and "smaia" not in dts and "msi-parent" not in dts, dts
    assert re.search(r"aplic@c000000 \{[^}]*interrupts-extended = <0x\w+ 0x0b 0x\w+ 0x0b>", dts), dts
    assert re.search(r"aplic@d000000 \{[^}]*interrupts-extended = <0x\w+ 0x09 0x\w+ 0x09>", dts), dts


def test_aia_unknown_type_is_a_clear_error():
    if ORACLE:
        pytest.skip("checks mimic's own message")
    status, out, cmd = run(["-M", "virt,aia=bogus", "-bios", "none", "-nographic"])
    assert status == 1, _report(status, out, cmd)
    assert "aia=bogus" in out and "aplic-imsic" in out, _report(status, out, cmd)


def test_dumpdtb_has_bootargs(tmp_path):
    dtb = tmp_path / "virt.dtb"
    status, out, cmd = run(["-M", f"virt,dumpdtb={dtb}", "-bios", "none", "-nographic",
                            "-kernel", str(_program_path("hello")),
                            "-append", "console=ttyS0 quiet"])
    assert status == 0, _report(status, out, cmd)
    assert b"console=ttyS0 quiet\0" in dtb.read_bytes()


def test_missing_firmware_file_is_a_clear_error():
    if ORACLE:
        pytest.skip("checks mimic's own message")
    status, out, cmd = run(["-M", "virt", "-bios", "/nonexistent/fw.bin", "-nographic"])
    assert status == 1, _report(status, out, cmd)
    assert "/nonexistent/fw.bin" in out, _report(status, out, cmd)


def test_raw_binary_loads_at_ram_base(tmp_path):
    """A -kernel that is not ELF is a raw image at 0x80000000, entered at its first byte."""
    objcopy = shutil.which("riscv64-linux-gnu-objcopy")
    if not objcopy:
        pytest.skip("riscv64-linux-gnu-objcopy not installed (Debian binutils-riscv64-linux-gnu)")
    raw = tmp_path / "hello.bin"
    subprocess.run([objcopy, "-O", "binary", str(_program_path("hello")), str(raw)], check=True)
    status, out, cmd = run(["-M", "virt", "-bios", "none", "-nographic", "-kernel", str(raw)])
    _check_passed("hello", status, out, cmd)


def _objdump_insns(elf, count=None):
    """The first count (default all) instructions objdump -d finds: (address, bytes as in
    memory, mnemonic)."""
    objdump = shutil.which("riscv64-linux-gnu-objdump")
    if not objdump:
        pytest.skip("riscv64-linux-gnu-objdump not installed (Debian binutils-riscv64-linux-gnu)")
    dump = subprocess.run([objdump, "-d", str(elf)], check=True, stdout=subprocess.PIPE,
                          text=True).stdout
    insns = []
    for m in re.finditer(r"^ *([0-9a-f]+):\t([0-9a-f]+) *\t(\S+)", dump, re.MULTILINE):
        word = bytes.fromhex(m.group(2))[::-1].hex(" ")
        insns.append((int(m.group(1), 16), word, m.group(3)))
    return insns[:count]


def _same_mnemonic(ours, objdumps):
    """binutils 2.40 names I-type instructions after their register forms ("add a0,a0,1" for
    addi, "addw" for addiw; see test-riscv-disas.c); mimic uses the ISA's names."""
    immediate_forms = {objdumps + "i"}
    if objdumps.endswith("w"):
        immediate_forms.add(objdumps[:-1] + "iw")
    return ours == objdumps or ours in immediate_forms


@pytest.mark.parametrize("command", ["xp", "x"])
def test_monitor_disassembles_riscv(command):
    """x/i and xp/i decode riscv code (the crt's start, compressed and 32-bit) as objdump does."""
    if ORACLE:
        pytest.skip("checks mimic's monitor")
    elf = _program_path("hello")
    expected = _objdump_insns(elf, 12)
    proc = subprocess.run(
        [_emulator(), "-M", "virt", "-bios", "none", "-display", "none", "-serial", "null",
         "-monitor", "stdio", "-S", "-kernel", str(elf)],
        input=f"{command} /12i 0x{expected[0][0]:x}\nquit\n", stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT_S)
    lines = re.findall(r"^0x([0-9a-f]+):  ((?:[0-9a-f]{2} )+) +(\S+)", proc.stdout, re.MULTILINE)
    assert len(lines) == 12, proc.stdout
    for (addr, hexbytes, mnemonic), (want_addr, want_bytes, want_mnemonic) in zip(lines, expected):
        assert int(addr, 16) == want_addr, proc.stdout
        assert hexbytes.strip() == want_bytes, proc.stdout
        assert _same_mnemonic(mnemonic, want_mnemonic), proc.stdout


def test_in_asm_log_disassembles_riscv(tmp_path):
    """-d in_asm lists each translated block's instructions, disassembled as objdump does."""
    if ORACLE:
        pytest.skip("checks mimic's log")
    elf = _program_path("hello")
    log = tmp_path / "in_asm.log"
    status, out, cmd = run(["-M", "virt", "-bios", "none", "-nographic", "-d", "in_asm",
                            "-D", str(log), "-kernel", str(elf)])
    _check_passed("hello", status, out, cmd)
    want = {addr: (word, mnemonic) for addr, word, mnemonic in _objdump_insns(elf)}
    lines = re.findall(r"^  ([0-9a-f]{16}): ([0-9a-f]+) +(\S+)", log.read_text(), re.MULTILINE)
    assert len(lines) > 50, log.read_text()[:2000]
    for addr, word, mnemonic in lines:
        want_word, want_mnemonic = want[int(addr, 16)]
        assert bytes.fromhex(word)[::-1].hex(" ") == want_word, (addr, word)
        assert _same_mnemonic(mnemonic, want_mnemonic), (addr, mnemonic, want_mnemonic)


class _MonitoredProgram:
    """A program with its UART on pipes and the HMP monitor on a unix socket."""

    def __init__(self, tmp_path, name, extra=()):
        self.sock_path = str(tmp_path / "mon.sock")
        self.proc = subprocess.Popen(
            [_emulator(), "-M", "virt", "-bios", "none", "-display", "none", "-serial", "stdio",
             "-monitor", f"unix:{self.sock_path},server=on,wait=off",
             "-kernel", str(_program_path(name)), *extra],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.out = b""
        self.mon = None

    def wait_serial(self, text, timeout=TIMEOUT_S):
        deadline = time.monotonic() + timeout
        while text.encode() not in self.out:
            ready, _, _ = select.select([self.proc.stdout], [], [], max(0, deadline - time.monotonic()))
            chunk = os.read(self.proc.stdout.fileno(), 4096) if ready else b""
            if not chunk:
                raise AssertionError(f"no {text!r} on the serial console:\n{self.out.decode()}")
            self.out += chunk

    def send_serial(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def hmp(self, line):
        if not self.mon:
            self.mon = HMP(self.sock_path, TIMEOUT_S)
        return self.mon.cmd(line)

    def close(self):
        if self.mon:
            self.mon.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


def _tlb_sizes(info_jit):
    m = re.search(r"cpu 0 TLB entries per MMU mode:((?: \d+)+)", info_jit)
    assert m, info_jit
    return [int(n) for n in m.group(1).split()]


def test_tlb_grows_with_working_set_and_shrinks_back(tmp_path):
    """tlbsize.c: 1024 live pages grow a mode's TLB to 2048 entries; a few live pages over a
    sizing window bring it back to the minimum of 256."""
    if ORACLE:
        pytest.skip("reads mimic's info jit")
    prog = _MonitoredProgram(tmp_path, "tlbsize")
    try:
        prog.wait_serial("big working set done")
        grown = _tlb_sizes(prog.hmp("info jit"))
        assert max(grown) == 2048, grown
        assert sorted(grown)[:-1] == [256] * (len(grown) - 1), grown  # only the mode in use
        prog.send_serial(b"g")
        prog.wait_serial("small working set done")
        assert _tlb_sizes(prog.hmp("info jit")) == [256] * len(grown)
        prog.send_serial(b"g")
        prog.wait_serial("PASS tlbsize")
        assert prog.proc.wait(timeout=TIMEOUT_S) == 0
    finally:
        prog.close()


SCRATCH_BASE = 0x80800000  # tests/tcg/riscv64/lib/test.h
SCRATCH_END = SCRATCH_BASE + 64 * 4096


def _dirty_scratch_pages(info_dirty):
    """The scratch-area page numbers in `info dirty`'s runs."""
    pages = set()
    for start, end in re.findall(r"0x([0-9a-f]+)-0x([0-9a-f]+) \(", info_dirty):
        for addr in range(int(start, 16), int(end, 16) + 1, 4096):
            if SCRATCH_BASE <= addr < SCRATCH_END:
                pages.add((addr - SCRATCH_BASE) // 4096)
    return pages


@pytest.mark.parametrize("backend", ["x86_64", "interp"])
def test_dirty_log_shows_exactly_the_pages_written(tmp_path, backend):
    """dirty.c writes chosen scratch pages (inline, page-crossing, AMO); info dirty lists those
    and only those, and after it cleared them, a page written again shows up again."""
    if ORACLE:
        pytest.skip("reads mimic's dirty log")
    prog = _MonitoredProgram(tmp_path, "dirty", ["-accel", f"tcg,backend={backend}"])
    try:
        prog.wait_serial("pages written before logging")
        assert "dirty logging is off" in prog.hmp("info dirty")
        prog.hmp("dirty_log on")
        prog.send_serial(b"g")
        prog.wait_serial("first round written")
        assert _dirty_scratch_pages(prog.hmp("info dirty")) == {0, 5, 17, 18, 23, 30, 33}
        assert _dirty_scratch_pages(prog.hmp("info dirty")) == set()  # taken and cleared
        prog.send_serial(b"g")
        prog.wait_serial("second round written")
        assert _dirty_scratch_pages(prog.hmp("info dirty")) == {0, 7}
        prog.hmp("dirty_log off")
        assert "dirty logging is off" in prog.hmp("info dirty")
        prog.send_serial(b"g")
        prog.wait_serial("PASS dirty")
        assert prog.proc.wait(timeout=TIMEOUT_S) == 0
    finally:
        prog.close()


def test_info_jit_counts_tbs_chaining_and_tlb_misses(tmp_path):
    """info jit after tlbsize's first phase: the TBs it translated are all live and its loops
    chained; 8 rounds over 1024 pages, each after a flush, miss the TLB at least 8192 times."""
    if ORACLE:
        pytest.skip("reads mimic's info jit")
    prog = _MonitoredProgram(tmp_path, "tlbsize")
    try:
        prog.wait_serial("big working set done")
        out = prog.hmp("info jit")
        live = re.search(r"TBs in the cache: (\d+) .* chained to a successor: (\d+)", out)
        translated = re.search(r"TBs translated: (\d+)", out)
        misses = re.search(r"TLB misses: (\d+)", out)
        assert live and translated and misses, out
        assert int(live.group(1)) == int(translated.group(1)) > 0, out
        assert 0 < int(live.group(2)) <= int(live.group(1)), out
        assert int(misses.group(1)) >= 8 * 1024, out
    finally:
        prog.close()


def test_fence_i_keeps_code_next_to_written_data(tmp_path):
    """fencei.c stores 100 times to data on the page of a translated function, each store followed
    by fence.i: the stores touch none of the code's bytes, so its translation must survive."""
    if ORACLE:
        pytest.skip("reads mimic's info jit")
    prog = _MonitoredProgram(tmp_path, "fencei")
    try:
        prog.wait_serial("rounds done")
        out = prog.hmp("info jit")
        inval = re.search(r"TB invalidations: (\d+)", out)
        assert inval and int(inval.group(1)) < 10, out
        prog.send_serial(b"g")
        prog.wait_serial("PASS fencei")
        assert prog.proc.wait(timeout=TIMEOUT_S) == 0
    finally:
        prog.close()


@pytest.mark.parametrize("backend", ["x86_64", "interp"])
def test_code_written_by_dma_runs_after_fence_i(tmp_path, backend):
    """dmacode.c runs `li a0, 1; ret` from a page, has virtio-blk read `li a0, 2; ret` from the
    disk over it, executes fence.i and must get 2, not the old translation's 1."""
    disk = tmp_path / "code.img"
    disk.write_bytes(struct.pack("<II", 0x00200513, 0x00008067).ljust(4096, b"\0"))
    drive = f"file={disk},if=none,id=d0,format=raw"
    args = ["-M", "virt", "-bios", "none", "-nographic", "-drive", drive,
            "-device", "virtio-blk-device,drive=d0", "-kernel", str(_program_path("dmacode"))]
    if ORACLE:
        args = ["-global", "virtio-mmio.force-legacy=false"] + args  # QEMU: modern virtio-mmio
    else:
        args = ["-accel", f"tcg,backend={backend}"] + args
    status, out, cmd = run(args)
    _check_passed("dmacode", status, out, cmd)
