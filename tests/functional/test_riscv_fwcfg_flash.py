"""fw_cfg and the CFI flash banks of mimic-system-riscv64's virt machine, driven
by the bare-metal program tests/tcg/riscv64/fwcfg-flash.c (which prints what
it reads and self-checks the protocol), and checked here against what the test
gave: -fw_cfg files, -smp, and the flash banks' backing files afterwards.

Environment: MIMIC_SYSTEM_RISCV64, MIMIC_RISCV64_TESTS (defaults under <repo>/build).
"""

import re

import pytest

from test_riscv_baremetal import _program_path, run

MiB = 1 << 20
BANK = 32 * MiB
BLOCK = 256 * 1024


def _pattern(n):
    return bytes((i * 7 + 3) & 0xff for i in range(n))


# With bank 0 backed and -bios none the harts start in the flash (as on QEMU):
# its first words jump on to the -kernel program at the base of RAM, a0/a1 kept:
# auipc t0, 0x60000 (t0 = 0x20000000 + 0x60000000); jr t0.
FLASH_TO_RAM = (0x60000297).to_bytes(4, "little") + (0x00028067).to_bytes(4, "little")


# Bank 1, read-only, as a -drive or as a -blockdev named by the machine (QEMU's spelling).
BANK1_READ_ONLY = {
    "drive": ("virt", ["-drive", "if=pflash,unit=1,format=raw,file={flash1},readonly=on"]),
    "blockdev": ("virt,pflash1=bank1",
                 ["-blockdev", "node-name=bank1,driver=file,filename={flash1},read-only=on"]),
}


@pytest.mark.parametrize("bank1", sorted(BANK1_READ_ONLY))
def test_fw_cfg_files_and_flash_program_erase(tmp_path, bank1):
    flash0, flash1, blob = tmp_path / "flash0.img", tmp_path / "flash1.img", tmp_path / "blob"
    original0 = FLASH_TO_RAM + _pattern(2 * BLOCK)[8:] + b"\xab" * (BANK - 2 * BLOCK)
    flash0.write_bytes(original0)
    flash1.write_bytes(b"\x5a" * BANK)
    blob_bytes = bytes(range(256)) * 2 + b"tail"
    blob.write_bytes(blob_bytes)
    machine, bank1_args = BANK1_READ_ONLY[bank1]
    status, out, cmd = run([
        "-M", machine, "-bios", "none", "-nographic", "-smp", "2",
        "-kernel", str(_program_path("fwcfg-flash")),
        "-drive", f"if=pflash,unit=0,format=raw,file={flash0}",
        *[a.format(flash1=flash1) for a in bank1_args],
        "-fw_cfg", "name=opt/mimic/greeting,string=hello-fw-cfg",
        "-fw_cfg", f"opt/mimic/blob,file={blob}",
    ])
    report = f"command: {' '.join(cmd)}\n{out}"
    assert status == 0 and "PASS fwcfg-flash" in out, report

    # fw_cfg: the machine's items, and the user's files through both paths.
    assert "fw_cfg nb_cpus 2" in out, report
    assert "fw_cfg file etc/boot-fail-wait 4" in out, report
    for name, data in (("opt/mimic/greeting", b"hello-fw-cfg"), ("opt/mimic/blob", blob_bytes)):
        assert f"fw_cfg file {name} {len(data)}" in out, report
        for path in ("data", "dma"):
            m = re.search(rf"^fw_cfg {path} {name} ([0-9a-f]*)\r?$", out, re.MULTILINE)
            assert m and bytes.fromhex(m.group(1)) == data, f"{path} read of {name}\n{report}"

    # Flash: bank 0 read as its file, then block 1 erased and programmed in the file.
    first = original0[:8]
    want = f"{int.from_bytes(first[:4], 'little'):08x} {int.from_bytes(first[4:], 'little'):08x}"
    assert f"flash0 first bytes {want}" in out, report
    now0 = flash0.read_bytes()
    block1 = bytearray(b"\xff" * BLOCK)
    block1[0x10:0x14] = (0xcafef00d).to_bytes(4, "little")
    for i in range(8):
        block1[0x200 + 4 * i:0x204 + 4 * i] = (0x11111111 * (i + 1)).to_bytes(4, "little")
    assert now0[BLOCK:2 * BLOCK] == bytes(block1), "block 1 of flash0.img"
    assert now0[:BLOCK] == original0[:BLOCK] and now0[2 * BLOCK:] == original0[2 * BLOCK:], \
        "flash0.img changed outside block 1"
    # The read-only bank refused the program, in the guest and in its file.
    assert "flash1 first word 5a5a5a5a" in out, report
    assert flash1.read_bytes() == b"\x5a" * BANK


def test_flash_without_drive_reads_erased(tmp_path):
    status, out, cmd = run(["-M", "virt", "-bios", "none", "-nographic",
                            "-kernel", str(_program_path("fwcfg-flash"))])
    assert "flash0 first bytes ffffffff ffffffff" in out, out


@pytest.mark.parametrize("args, message", [
    (["-drive", "if=pflash,unit=0,format=raw,file={small}"], "make the image exactly that size"),
    (["-drive", "if=pflash,unit=2,format=raw,file={bank}"], "two flash banks"),
    (["-M", "virt,pflash0=b0", "-drive", "if=pflash,unit=0,format=raw,file={bank},id=b0"],
     "give one of them"),
    (["-M", "virt,pflash1=nowhere"], "no drive or block node named 'nowhere'"),
    (["-fw_cfg", "name=opt/x"], "exactly one of file=PATH or string=TEXT"),
    (["-fw_cfg", "name=opt/x,file=/nonexistent/file"], "-fw_cfg name=opt/x"),
    (["-fw_cfg", "name=opt/" + "x" * 60 + ",string=y"], "name= must be 1 to 55 characters"),
    (["-fw_cfg", "name=opt/a,string=1", "-fw_cfg", "name=opt/a,string=2"], "name is taken"),
])
def test_bad_options_are_errors(tmp_path, args, message):
    small, bank = tmp_path / "small.img", tmp_path / "bank.img"
    small.write_bytes(b"\0" * 4096)
    bank.write_bytes(b"\0" * BANK)
    args = [a.format(small=small, bank=bank) for a in args]
    status, out, cmd = run(["-M", "virt", "-bios", "none", "-nographic", *args,
                            "-kernel", str(_program_path("hello"))])
    assert status == 1 and message in out, f"command: {' '.join(cmd)}\n{out}"


FLASH_BASE = 0x20000000


def _flash_image(path, program):
    """A bank-sized image holding the loadable segments of program's ELF
    (linked at the flash's base)."""
    elf = _program_path(program).read_bytes()
    image = bytearray(b"\xff" * BANK)
    phoff, phentsize, phnum = (int.from_bytes(elf[0x20:0x28], "little"),
                               int.from_bytes(elf[0x36:0x38], "little"),
                               int.from_bytes(elf[0x38:0x3a], "little"))
    for i in range(phnum):
        ph = elf[phoff + i * phentsize:phoff + (i + 1) * phentsize]
        if int.from_bytes(ph[0:4], "little") != 1:  # PT_LOAD
            continue
        offset, paddr, filesz = (int.from_bytes(ph[o:o + 8], "little") for o in (8, 24, 32))
        at = paddr - FLASH_BASE
        assert 0 <= at and at + filesz <= BANK, f"{program}: segment at {paddr:#x}"
        image[at:at + filesz] = elf[offset:offset + filesz]
    path.write_bytes(bytes(image))
    return path


def test_bios_none_starts_harts_in_flash(tmp_path):
    flash0 = _flash_image(tmp_path / "flash0.img", "flash-m")
    status, out, cmd = run(["-M", "virt", "-bios", "none", "-nographic", "-smp", "2",
                            "-drive", f"if=pflash,unit=0,format=raw,file={flash0}"])
    assert status == 0 and "flash-m: M-mode hart 0, dtb magic ok" in out, \
        f"command: {' '.join(cmd)}\n{out}"


@pytest.mark.parametrize("with_kernel", [False, True])
def test_firmware_enters_flash_as_next_stage(tmp_path, with_kernel):
    flash0 = _flash_image(tmp_path / "flash0.img", "flash-s")
    args = ["-M", "virt", "-nographic", "-drive", f"if=pflash,unit=0,format=raw,file={flash0}"]
    if with_kernel:
        kernel = tmp_path / "Image"
        kernel.write_bytes(bytes(range(256)) * 20 + b"end")
        args += ["-kernel", str(kernel), "-append", "console=hvc0 from-fw-cfg"]
    status, out, cmd = run(args)
    report = f"command: {' '.join(cmd)}\n{out}"
    assert status == 0 and "flash-s: S-mode payload" in out, report
    size, cmdline = (5123, "console=hvc0 from-fw-cfg") if with_kernel else (0, "")
    assert f"flash-s: kernel size {size:#x}" in out, report
    assert f'flash-s: cmdline "{cmdline}"' in out, report


def test_bios_none_without_kernel_or_flash_is_a_clear_error():
    status, out, _ = run(["-M", "virt", "-bios", "none", "-nographic"])
    assert status == 1 and "nothing to boot" in out and "if=pflash" in out, out
