"""The file protocol's aio backends (aio=threads, native, io_uring): bytes
written through one backend read back through every other, with O_DIRECT
(cache=none) and the unaligned requests it bounces, short reads at EOF, many
requests in flight at once, and QEMU's refusal of aio=native without
cache.direct=on. Then the same backends under a riscv64 Linux guest's
virtio-blk disk, and a kernel that refuses the backend (a seccomp filter)."""
import ctypes
import ctypes.util
import errno
import os
import subprocess

import pytest

from img_tools import MIMIC_IO, mimg, mio
from test_riscv_linux import console, emulator, guest, guest_argv  # noqa: F401 (fixtures)

AIO_MODES = ["threads", "native", "io_uring"]

pytestmark = pytest.mark.skipif(not os.path.exists(MIMIC_IO), reason="mimic-io not built")


def verify(img, fmt, aio, *reads):
    r = mio("-f", fmt, "-n", "-i", aio, *[a for cmd in reads for a in ("-c", cmd)], img,
            check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "verification failed" not in r.stdout, r.stdout
    assert r.stdout.count("read ") == len(reads), r.stdout


@pytest.mark.parametrize("fmt", ["raw", "qcow2"])
@pytest.mark.parametrize("aio", AIO_MODES)
def test_pattern_written_with_each_backend_reads_back_with_all(tmp_path, fmt, aio):
    img = str(tmp_path / f"d.{fmt}")
    mimg("create", "-q", "-f", fmt, img, "4M")
    r = mio("-f", fmt, "-n", "-i", aio,
            "-c", "write -P 0xa5 0 64k",
            "-c", "write -P 0x3c 1000 3000",        # unaligned: bounced under O_DIRECT
            "-c", "write -P 0x77 3M 1M", img, check=False)
    assert r.returncode == 0 and r.stdout.count("wrote ") == 3, r.stdout + r.stderr
    for reader in AIO_MODES:
        verify(img, fmt, reader, "read -P 0xa5 0 1000", "read -P 0x3c 1000 3000",
               "read -P 0xa5 4000 61536", "read -P 0 64k 64k", "read -P 0x77 3M 1M")
    if fmt == "raw":
        data = open(img, "rb").read()
        assert data[:1000] == b"\xa5" * 1000 and data[1000:4000] == b"\x3c" * 3000
        assert data[3 << 20:] == b"\x77" * (1 << 20)


@pytest.mark.parametrize("aio", ["native", "io_uring"])
def test_short_read_at_eof_is_completed(tmp_path, aio):
    """A 1000-byte raw file under O_DIRECT: the aligned read of 1024 bytes comes back
    short from the kernel and the request still returns every byte of the file."""
    img = tmp_path / "odd.raw"
    payload = bytes(range(250)) * 4
    img.write_bytes(payload)
    r = mio("-f", "raw", "-n", "-i", aio, "-c", "read -v 0 1000", str(img))
    dumped = bytes.fromhex("".join(line.split(":")[1][:48].replace(" ", "")
                                   for line in r.stdout.splitlines()
                                   if line[:8].isalnum() and ":" in line))
    assert dumped == payload


@pytest.mark.parametrize("aio", ["native", "io_uring"])
def test_many_requests_in_flight(tmp_path, aio):
    img = str(tmp_path / "d.qcow2")
    mimg("create", "-q", "-f", "qcow2", "-o", "cluster_size=4k", img, "8M")
    writes = [f"aio_write -q -P {i + 1} {i * 64}k 64k" for i in range(64)]
    r = mio("-f", "qcow2", "-n", "-i", aio, *[a for w in writes for a in ("-c", w)],
            "-c", "aio_flush", img, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    verify(img, "qcow2", "threads", *[f"read -P {i + 1} {i * 64}k 64k" for i in range(64)])
    assert mimg("check", img).returncode == 0


@pytest.mark.parametrize("aio, message", [
    ("native", "aio=native was specified, but it requires cache.direct=on"),
    ("posix", "Invalid aio option 'posix'; use threads, native or io_uring"),
])
def test_unusable_aio_option_is_refused(tmp_path, aio, message):
    img = str(tmp_path / "d.raw")
    mimg("create", "-q", "-f", "raw", img, "1M")
    r = mio("-f", "raw", "-i", aio, "-c", "read 0 512", img, check=False)
    assert r.returncode != 0 and "read 512" not in r.stdout
    assert message in r.stderr


def seccomp_deny(*syscalls):
    """A preexec_fn: a seccomp filter that fails the named system calls with EPERM."""
    def install():
        lib = ctypes.CDLL("libseccomp.so.2")
        lib.seccomp_init.restype = ctypes.c_void_p
        lib.seccomp_init.argtypes = [ctypes.c_uint32]
        lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                         ctypes.c_uint]
        lib.seccomp_load.argtypes = [ctypes.c_void_p]
        scmp_act_allow, scmp_act_eperm = 0x7FFF0000, 0x00050000 | errno.EPERM
        ctx = lib.seccomp_init(scmp_act_allow)
        for name in syscalls:
            lib.seccomp_rule_add(ctx, scmp_act_eperm,
                                 lib.seccomp_syscall_resolve_name(name.encode()), 0)
        if lib.seccomp_load(ctx) != 0:
            os._exit(99)
    return install


needs_seccomp = pytest.mark.skipif(ctypes.util.find_library("seccomp") is None,
                                   reason="libseccomp not installed")


@needs_seccomp
@pytest.mark.parametrize("aio", AIO_MODES)
def test_kernel_aio_carries_the_io_itself(tmp_path, aio):
    """With preadv/pwritev denied, aio=threads fails (the filter bites) while native and
    io_uring still move the data: their requests really go through the kernel queue."""
    img = str(tmp_path / "d.raw")
    mimg("create", "-q", "-f", "raw", img, "1M")
    r = subprocess.run([MIMIC_IO, "-f", "raw", "-n", "-i", aio, "-c", "write -P 0x5a 4k 8k",
                        "-c", "read -P 0x5a 4k 8k", img], capture_output=True, text=True,
                       timeout=60,
                       preexec_fn=seccomp_deny("preadv", "pwritev", "preadv2", "pwritev2"))
    if aio == "threads":
        assert "write failed: Operation not permitted" in r.stdout + r.stderr, r.stdout + r.stderr
    else:
        assert r.returncode == 0 and "verification failed" not in r.stdout, r.stdout + r.stderr
        assert "wrote 8192/8192" in r.stdout and "read 8192/8192" in r.stdout, r.stdout


@needs_seccomp
@pytest.mark.parametrize("aio, message", [
    ("io_uring", "aio=io_uring: the kernel refused to create an io_uring (Operation not "
                 "permitted); is it disabled by kernel.io_uring_disabled or a seccomp filter?"),
    ("native", "aio=native: cannot set up a Linux AIO context (Operation not permitted)"),
])
def test_backend_refused_by_the_kernel_is_named(tmp_path, aio, message):
    img = str(tmp_path / "d.raw")
    mimg("create", "-q", "-f", "raw", img, "1M")
    r = subprocess.run([MIMIC_IO, "-f", "raw", "-n", "-i", aio, "-c", "read 0 512", img],
                       capture_output=True, text=True, timeout=60, preexec_fn=seccomp_deny("io_uring_setup", "io_setup"))
    assert r.returncode == 1 and message in r.stderr, r.stderr


@pytest.mark.parametrize("aio", ["native", "io_uring"])
def test_linux_guest_disk_on_kernel_aio(emulator, guest, console, tmp_path, aio):
    """A riscv64 Linux guest reads and writes a virtio-blk qcow2 disk opened with
    cache=none and a kernel aio backend; what it wrote is in the image afterwards."""
    if os.environ.get("MIMIC_ORACLE") == "qemu":
        pytest.skip("checks mimic's image tools too")
    disk = str(tmp_path / "disk.qcow2")
    mimg("create", "-q", "-f", "qcow2", disk, "8M")
    mio("-c", "write -P 0xab 0 64k", disk)
    cmd = ("od -An -tx1 -j 65528 -N16 /dev/vda; "
           "dd if=/dev/vda of=/dev/vda bs=64k count=1 seek=32 conv=fsync 2>/dev/null")
    c = console(guest_argv(emulator, guest, f'mimic.cmd="{cmd}"') +
                ["-drive", f"file={disk},if=virtio,format=qcow2,cache=none,aio={aio}"])
    c.expect(r"ab ab ab ab ab ab ab ab 00 00 00 00 00 00 00 00",
             "the guest reading across the end of the written data")
    assert c.expect(r"mimic guest: command exit (\d+)", "the exit line").group(1) == "0"
    status, signal = c.wait_exit("power-off")
    assert (status, signal) == (0, None), f"exit status {status}, signal {signal}"
    verify(disk, "qcow2", aio, "read -P 0xab 0 64k", "read -P 0xab 2M 64k", "read -P 0 64k 1M")
    assert mimg("check", disk).returncode == 0
