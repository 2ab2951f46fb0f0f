"""mimic-img bench: the requests it sends are the ones its flags describe
(pattern bytes land at offset, offset+step, ... and nowhere else), its report
reads like qemu-img bench's, and bad flags are refused with a message."""
import re
import shutil

import pytest

from img_tools import mimg, mio, run


@pytest.mark.parametrize("fmt", ["raw", "qcow2"])
@pytest.mark.parametrize("extra", [[], ["-t", "none", "-i", "io_uring"], ["-t", "none", "-n"],
                                   ["--flush-interval=3"], ["--flush-interval=4", "--no-drain"]])
def test_write_bench_puts_pattern_at_each_step(tmp_path, fmt, extra):
    img = str(tmp_path / f"b.{fmt}")
    mimg("create", "-q", "-f", fmt, img, "1M")
    r = mimg("bench", "-f", fmt, "-w", "-c", "10", "-d", "3", "-s", "4k", "-S", "12k",
             "-o", "8k", "--pattern=0x6b", *extra, img)
    lines = r.stdout.splitlines()
    assert lines[0] == ("Sending 10 write requests, 4096 bytes each, 3 in parallel "
                        "(starting at offset 8192, step size 12288)")
    assert re.fullmatch(r"Run completed in \d+\.\d{3} seconds\.", lines[-1])
    reads = []
    for i in range(10):
        reads += ["-c", f"read -P 0x6b {8 + 12 * i}k 4k", "-c", f"read -P 0 {12 + 12 * i}k 8k"]
    r = mio("-f", fmt, "-c", "read -P 0 0 8k", *reads, img, check=False)
    assert r.returncode == 0 and "verification failed" not in r.stdout, r.stdout


def test_bench_report_matches_qemu_img(tmp_path):
    if shutil.which("qemu-img") is None:
        pytest.skip("qemu-img not installed")
    img = str(tmp_path / "b.qcow2")
    mimg("create", "-q", "-f", "qcow2", img, "4M")
    args = ["bench", "-f", "qcow2", "-c", "300", "-d", "4", "-s", "64k", "-S", "128k",
            "--flush-interval=7", "-w", img]
    ours, theirs = mimg(*args).stdout.splitlines(), run("qemu-img", *args).stdout.splitlines()
    assert ours[:-1] == theirs[:-1]
    assert ours[-1].split()[:3] == theirs[-1].split()[:3] == ["Run", "completed", "in"]


@pytest.mark.parametrize("args, message", [
    (["-d", "0"], "Invalid queue depth specified: '0'"),
    (["-c", "x"], "Invalid request count specified: 'x'"),
    (["--flush-interval=2"], "--flush-interval is only available in write tests"),
    (["-w", "--no-drain"], "--no-drain requires --flush-interval"),
    (["-w", "-d", "4", "--flush-interval=3"], "Flush interval can't be smaller than depth"),
    (["-s", "2M"], "does not fit in the image"),
    (["-n"], "aio=native was specified, but it requires cache.direct=on"),
])
def test_bad_bench_flags_are_refused(tmp_path, args, message):
    img = str(tmp_path / "b.raw")
    mimg("create", "-q", "-f", "raw", img, "1M")
    r = mimg("bench", "-f", "raw", *args, img, check=False)
    assert r.returncode == 1 and message in r.stderr, r.stderr
