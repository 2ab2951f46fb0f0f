"""Where the functional tests find mimic's binaries and guest programs, and
whether this host can run KVM guests. Environment variables override the
defaults under <repo>/build (scripts/run-tests.py sets them)."""
import os
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("MIMIC_BUILD", os.path.join(REPO, "build"))
MIMIC_X86_64 = os.environ.get("MIMIC_SYSTEM_X86_64", os.path.join(BUILD, "mimic-system-x86_64"))
X86_PROGRAMS = os.environ.get("MIMIC_X86_TESTS", os.path.join(BUILD, "tests", "x86"))
HEARTBEAT = os.path.join(X86_PROGRAMS, "heartbeat.elf")


def kvm_usable():
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
        return True
    except OSError:
        return False


needs_kvm = pytest.mark.skipif(not kvm_usable(), reason="/dev/kvm is not usable on this host")


def riscv_guest(linux="6.1"):
    """The riscv64 Linux guest's (Image, initramfs) paths, built and cached by
    scripts/build-riscv-guest.sh (minutes the first time) from Debian's
    linux-source-<linux>; vmlinux lies beside Image."""
    script = os.path.join(REPO, "scripts", "build-riscv-guest.sh")
    r = subprocess.run([script, "--print", "--linux", linux], capture_output=True, text=True,
                       timeout=1800)
    if r.returncode != 0:
        pytest.fail(f"{os.path.basename(script)} failed (exit {r.returncode}):\n{r.stderr}")
    kernel, initrd = r.stdout.split()
    return kernel, initrd
