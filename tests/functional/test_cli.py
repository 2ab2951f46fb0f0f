"""Command-line behaviour of mimic-system-x86_64: help output, and mistakes that
must end with a readable message naming the option and exit status 1."""
import os
import subprocess

import pytest

from mimic_env import kvm_usable

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MIMIC = os.environ.get("MIMIC_SYSTEM_X86_64", os.path.join(REPO, "build", "mimic-system-x86_64"))
PROGRAMS = os.environ.get("MIMIC_X86_TESTS", os.path.join(REPO, "build", "tests", "x86"))
# A bootable kernel, so that errors found after the machine is built can be reached.
PROGRAM = os.path.join(PROGRAMS, "debugexit.elf")


def run(*args, timeout=20):
    return subprocess.run([MIMIC, *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def test_version_names_the_program():
    r = run("-version")
    assert r.returncode == 0
    assert r.stdout.startswith("mimic emulator version ")


def test_help_lists_options():
    r = run("-help")
    assert r.returncode == 0
    for opt in ("-machine", "-smp", "-kernel", "-serial", "-device", "-no-reboot"):
        assert opt in r.stdout


def test_machine_help_lists_pc():
    r = run("-machine", "help")
    assert r.returncode == 0
    assert "pc" in r.stdout and "(default)" in r.stdout


def test_cpu_help_lists_models():
    r = run("-cpu", "help")
    assert r.returncode == 0
    assert "host" in r.stdout and "mimic64" in r.stdout


def test_device_help_lists_user_devices():
    r = run("-device", "help")
    assert r.returncode == 0
    assert 'name "isa-debug-exit", bus ISA' in r.stdout
    assert 'name "isa-serial", bus ISA' in r.stdout


def test_device_prop_help():
    r = run("-device", "isa-debug-exit,help")
    assert r.returncode == 0
    assert "iobase=<uint32>" in r.stdout and "iosize=<uint32>" in r.stdout


@pytest.mark.parametrize("args, expect", [
    (["-m", "512X"], "512M or 2G"),
    (["-m", "0"], "at least 1 MiB"),
    (["-smp", "cpus=4,sockets=3,cores=1"], "does not match"),
    (["-smp", "foo"], "-smp"),
    (["-smp", "1000"], "at most 255"),
    (["-frobnicate"], "unknown option '-frobnicate'"),
    (["-m"], "needs an argument"),
    (["-machine", "nosuch"], "unknown machine type"),
    (["-cpu", "nosuch", "-kernel", PROGRAM], "unknown CPU model"),
    (["-accel", "nosuch"], "not an accelerator"),
    (["-device", "nosuch-device"], "no device type 'nosuch-device'"),
    (["-device", "isa-debug-exit,iobase=zz", "-kernel", PROGRAM], "iobase=zz"),
    (["-device", "isa-debug-exit,colour=red", "-kernel", PROGRAM], "no property 'colour'"),
    (["-device", "isa-debug-exit,iobase=0xfffff", "-kernel", PROGRAM], "does not fit"),
    (["-global", "isa-debug-exit.nope=1"], "no property 'nope'"),
    (["-serial", "bogus:thing"], "-serial bogus:thing"),
    (["-chardev", "socket,id=s"], "socket"),
    (["-kernel", "/nonexistent/bzImage"], "/nonexistent/bzImage"),
    (["-initrd", "/tmp/x"], "-initrd needs -kernel"),
    (["diskimage.qcow2"], "expected an option"),
    (["-display", "sdl"], "-display sdl"),
])
def test_bad_option_gives_message_and_status_1(args, expect):
    r = run(*args)
    assert r.returncode == 1, r.stderr
    assert expect in r.stderr
    assert "Traceback" not in r.stderr and "Assertion" not in r.stderr
    assert r.stderr.startswith("mimic-system-x86_64: ")


def test_kernel_that_is_not_bootable(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(os.urandom(64 * 1024))
    if not kvm_usable():
        pytest.skip("/dev/kvm is not usable: the machine is never built")
    r = run("-kernel", str(junk), "-accel", "kvm")
    assert r.returncode == 1
    assert "neither a Linux bzImage nor a Multiboot image" in r.stderr, r.stderr
