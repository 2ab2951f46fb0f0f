"""LUKS encryption: the "luks" format and qcow2 encrypt.format=luks, keys from
--object secret. Images written by qemu-io read back byte for byte in mimic-io
and the reverse; what mimic writes is not in the file as plain text; convert
round-trips through both tools; check counts the LUKS header as used; a wrong
or missing key and hostile headers give clear errors. The Linux guest test
boots with an encrypted disk through -object/-drive."""
import json
import os
import shutil
import struct
import time

import pytest

from img_tools import MIMIC_IMG, mimg, mio, run
from test_riscv_linux import console, emulator, guest, guest_argv  # noqa: F401 (fixtures)

PASSWORD = "correct horse"
SECRET = f"secret,id=sec0,data={PASSWORD}"
have_qemu = shutil.which("qemu-img") is not None and shutil.which("qemu-io") is not None
needs_qemu = pytest.mark.skipif(not have_qemu, reason="qemu-utils not installed")
pytestmark = pytest.mark.skipif(not os.path.exists(MIMIC_IMG), reason="mimic-img not built")

# Writes that cross sector and cluster boundaries, and what they leave behind.
WRITES = ["write -P 0x61 0 64k", "write -P 0x62 1000 3000", "write -P 0x63 2M 100k",
          "write -P 0x64 70000 200"]
READS = ["read -P 0x61 0 1000", "read -P 0x62 1000 3000", "read -P 0x61 4000 61536",
         "read -P 0x64 70000 200", "read -P 0x63 2M 100k"]


def image_opts(fmt, path, secret_id="sec0"):
    key = "encrypt.key-secret" if fmt == "qcow2" else "key-secret"
    return f"driver={fmt},{key}={secret_id},file.filename={path}"


def cmds(lines):
    return [a for line in lines for a in ("-c", line)]


def assert_reads(r, count):
    assert r.returncode == 0, r.stdout + r.stderr
    assert "verification failed" not in r.stdout, r.stdout
    assert r.stdout.count("read ") == count, r.stdout


def create_with_mimic(tmp_path, fmt, name="m"):
    img = str(tmp_path / f"{name}.{fmt}")
    opts = ("encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=10" if fmt == "qcow2"
            else "key-secret=sec0,iter-time=10")
    mimg("create", "--object", SECRET, "-q", "-f", fmt, "-o", opts, img, "4M")
    return img


@pytest.fixture(scope="module")
def qemu_images(tmp_path_factory):
    """Fresh images from qemu-img (slow: its PBKDF2 calibration), made once, copied per test."""
    if not have_qemu:
        pytest.skip("qemu-utils not installed")
    d = tmp_path_factory.mktemp("qemu-luks")
    return {fmt: create_with_qemu(d, fmt) for fmt in ("luks", "qcow2")}


def copy_of(qemu_images, tmp_path, fmt):
    img = str(tmp_path / f"q.{fmt}")
    shutil.copyfile(qemu_images[fmt], img)
    return img


def create_with_qemu(tmp_path, fmt):
    img = str(tmp_path / f"q.{fmt}")
    opts = ("encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=50" if fmt == "qcow2"
            else "key-secret=sec0,iter-time=50")
    for _ in range(10):
        # QEMU's PBKDF2 calibration can measure no CPU time on a busy host and give up.
        r = run("qemu-img", "create", "--object", SECRET, "-q", "-f", fmt, "-o", opts, img, "4M",
                check=False)
        if "Unable to get accurate CPU usage" not in r.stderr:
            break
        time.sleep(0.5)
    assert r.returncode == 0, r.stderr
    return img


@pytest.mark.parametrize("fmt", ["luks", "qcow2"])
def test_qemu_encrypted_image_reads_back_in_mimic(tmp_path, qemu_images, fmt):
    img = copy_of(qemu_images, tmp_path, fmt)
    run("qemu-io", "--object", SECRET, "--image-opts", *cmds(WRITES), image_opts(fmt, img))
    r = mio("--object", SECRET, "--image-opts", *cmds(READS), image_opts(fmt, img), check=False)
    assert_reads(r, len(READS))


@needs_qemu
@pytest.mark.parametrize("fmt", ["luks", "qcow2"])
def test_mimic_encrypted_image_reads_back_in_qemu(tmp_path, fmt):
    img = create_with_mimic(tmp_path, fmt)
    mio("--object", SECRET, "--image-opts", *cmds(WRITES), image_opts(fmt, img))
    r = run("qemu-io", "--object", SECRET, "--image-opts", *cmds(READS), image_opts(fmt, img))
    assert_reads(r, len(READS))
    if fmt == "qcow2":
        r = run("qemu-img", "check", "--object", SECRET, "--image-opts", image_opts(fmt, img))
        assert "No errors were found on the image." in r.stdout
        r = mimg("check", img)
        assert "No errors were found on the image." in r.stdout


@pytest.mark.parametrize("fmt", ["luks", "qcow2"])
def test_mimic_writes_ciphertext(tmp_path, fmt):
    """What mimic-io reads back as the patterns written is nowhere in the file as plain text."""
    img = create_with_mimic(tmp_path, fmt)
    mio("--object", SECRET, "--image-opts", *cmds(WRITES), image_opts(fmt, img))
    r = mio("--object", SECRET, "--image-opts", *cmds(READS), image_opts(fmt, img), check=False)
    assert_reads(r, len(READS))
    raw = open(img, "rb").read()
    for pattern in (0x61, 0x62, 0x63, 0x64):
        assert bytes([pattern]) * 200 not in raw, hex(pattern)


def test_convert_round_trip_through_both_tools(tmp_path, qemu_images):
    src = tmp_path / "src.raw"
    data = os.urandom(1 << 20) + bytes(1 << 20) + b"mimic" * 100000
    src.write_bytes(data + bytes(-len(data) % 512))
    ours = str(tmp_path / "ours.qcow2")
    mimg("convert", "--object", SECRET, "-O", "qcow2", "-o",
         "encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=10", str(src), ours)
    back = tmp_path / "back.raw"
    run("qemu-img", "convert", "--object", SECRET, "--image-opts", image_opts("qcow2", ours),
        "-O", "raw", str(back))
    assert back.read_bytes() == src.read_bytes()
    theirs = copy_of(qemu_images, tmp_path, "luks")
    run("qemu-img", "convert", "--object", SECRET, "-n", "--target-image-opts", str(src),
        image_opts("luks", theirs))
    again = tmp_path / "again.raw"
    mimg("convert", "--object", SECRET, "-O", "raw", "--image-opts", image_opts("luks", theirs),
         str(again))
    assert again.read_bytes()[:len(src.read_bytes())] == src.read_bytes()


@pytest.mark.parametrize("fmt", ["luks", "qcow2"])
def test_secret_from_file_and_base64(tmp_path, fmt):
    img = create_with_mimic(tmp_path, fmt)
    key_file = tmp_path / "key"
    key_file.write_text(PASSWORD)
    mio("--object", f"secret,id=k,file={key_file}", "--image-opts", "-c", "write -P 7 0 4k",
        image_opts(fmt, img, "k"))
    b64 = __import__("base64").b64encode(PASSWORD.encode()).decode()
    r = mio("--object", f"secret,id=k,data={b64},format=base64", "--image-opts",
            "-c", "read -P 7 0 4k", image_opts(fmt, img, "k"), check=False)
    assert_reads(r, 1)


@pytest.mark.parametrize("fmt", ["luks", "qcow2"])
@pytest.mark.parametrize("args, message", [
    (["--object", "secret,id=sec0,data=wrong", "--image-opts", "{opts}"],
     "Invalid password, cannot unlock any keyslot"),
    (["--image-opts", "{opts}"], "No secret with id 'sec0'"),
    (["{img}"], "give its key with"),
])
def test_wrong_or_missing_key_is_refused(tmp_path, fmt, args, message):
    img = create_with_mimic(tmp_path, fmt)
    args = [a.format(opts=image_opts(fmt, img), img=img) for a in args]
    before = open(img, "rb").read()
    r = mio("-f", fmt, *args, "-c", "read 0 512", check=False) if args == [img] else \
        mio(*args, "-c", "read 0 512", check=False)
    assert r.returncode != 0 and message in r.stderr, r.stderr
    assert open(img, "rb").read() == before


@pytest.mark.parametrize("fmt", ["luks", "qcow2"])
def test_info_without_key_shows_the_luks_header(tmp_path, fmt):
    img = create_with_mimic(tmp_path, fmt)
    info = json.loads(mimg("info", "--output=json", img).stdout)
    assert info["encrypted"] is True and info["format"] == fmt
    data = info["format-specific"]["data"]
    luks = data["encrypt"] if fmt == "qcow2" else data
    assert luks["cipher-alg"] == "aes-256" and luks["cipher-mode"] == "xts"
    assert luks["hash-alg"] == "sha256" and luks["ivgen-alg"] == "plain64"
    if have_qemu:
        theirs = json.loads(run("qemu-img", "info", "--output=json", img).stdout)
        qluks = theirs["format-specific"]["data"]
        qluks = qluks["encrypt"] if fmt == "qcow2" else qluks
        assert qluks == luks
        assert theirs["virtual-size"] == info["virtual-size"] == 4 << 20


# Header fields (offset, struct format) and hostile values for them.
HOSTILE = [
    ((108, ">I"), 1000, "key size 1000 bytes is invalid"),
    ((8, "4s"), b"des\0", "cipher 'des-xts-plain64' is not supported"),
    ((72, "8s"), b"sha1\0\0\0\0", "hash 'sha1' is not supported"),
    ((208 + 44, ">I"), 0xffffffff, "key slot 0 is invalid"),
    ((208 + 40, ">I"), 0x7fffffff, "key slot 0 is invalid"),
    ((104, ">I"), 8, "key slot 0 is invalid"),
    ((104, ">I"), 0, "payload offset (sector 0) lies inside the header"),
    ((6, ">H"), 2, "No LUKS1 header"),
]


@pytest.mark.parametrize("field, value, message", HOSTILE)
def test_hostile_luks_header_gives_an_error(tmp_path, field, value, message):
    img = create_with_mimic(tmp_path, "luks")
    with open(img, "r+b") as f:
        f.seek(field[0])
        f.write(struct.pack(field[1], value))
    r = mio("--object", SECRET, "--image-opts", "-c", "read 0 512", image_opts("luks", img),
            check=False)
    assert r.returncode == 1 and message in r.stderr, r.stderr


def test_create_without_key_secret_is_refused(tmp_path):
    r = mimg("create", "-f", "qcow2", "-o", "encrypt.format=luks", str(tmp_path / "x.qcow2"),
             "1M", check=False)
    assert r.returncode == 1 and "needs encrypt.key-secret=ID" in r.stderr


def test_linux_guest_on_encrypted_qcow2(emulator, guest, console, tmp_path):
    if os.environ.get("MIMIC_ORACLE") == "qemu":
        pytest.skip("checks mimic's image tools too")
    disk = create_with_mimic(tmp_path, "qcow2", "disk")
    mio("--object", SECRET, "--image-opts", "-c", "write -P 0xab 0 64k", image_opts("qcow2", disk))
    cmd = ("od -An -tx1 -j 65528 -N16 /dev/vda; "
           "dd if=/dev/vda of=/dev/vda bs=64k count=1 seek=32 conv=fsync 2>/dev/null")
    c = console(guest_argv(emulator, guest, f'mimic.cmd="{cmd}"') +
                ["-object", SECRET,
                 "-drive", f"file={disk},if=virtio,format=qcow2,encrypt.key-secret=sec0"])
    c.expect(r"ab ab ab ab ab ab ab ab 00 00 00 00 00 00 00 00", "the guest reading its disk")
    assert c.expect(r"mimic guest: command exit (\d+)", "the exit line").group(1) == "0"
    status, signal = c.wait_exit("power-off")
    assert (status, signal) == (0, None), f"exit status {status}, signal {signal}"
    r = mio("--object", SECRET, "--image-opts", "-c", "read -P 0xab 2M 64k",
            image_opts("qcow2", disk), check=False)
    assert_reads(r, 1)
    assert b"\xab" * 64 not in open(disk, "rb").read(), "plaintext reached the image file"


def measure(*opts):
    out = mimg("measure", "--object", SECRET, "-O", "qcow2", "--size", "64M", *opts).stdout
    return [int(line.split(":")[1]) for line in out.splitlines()]


def test_measure_counts_the_luks_header_like_qemu(qemu_images):
    """The extra space is the LUKS header QEMU reserves in its own encrypted images."""
    info = json.loads(run("qemu-img", "info", "--output=json", qemu_images["qcow2"]).stdout)
    header = info["format-specific"]["data"]["encrypt"]["payload-offset"]
    header_clusters = -(-header // 65536) * 65536
    plain = measure()
    encrypted = measure("-o", "encrypt.format=luks,encrypt.key-secret=sec0")
    assert [e - p for e, p in zip(encrypted, plain)] == [header_clusters] * 2


def test_open_command_takes_the_key(tmp_path):
    img = create_with_mimic(tmp_path, "qcow2")
    r = mio("--object", SECRET, "-c", f"open -o driver=qcow2,encrypt.key-secret=sec0 {img}",
            "-c", "write -P 9 0 4k", "-c", "read -P 9 0 4k", check=False)
    assert_reads(r, 1)
