"""Crash consistency of qcow2 metadata: a mimic-io writer doing allocating
writes (new L2 tables, refcount blocks, COW from a backing file) is killed with
SIGKILL at a random moment, 50 times over one image; after every kill
`mimic-img check` (and `qemu-img check` when installed) finds no corruption
(leaks are allowed: the ordering promises leaks at worst), and the data
written before the writer started is intact."""
import random
import shutil
import signal
import subprocess
import time

from img_tools import MIMIC_IO, mimg, mio, run

KILLS = 50


def writer_commands(rng):
    cmds = []
    for _ in range(2000):
        off = rng.randrange(0, 62 << 20, 512)  # the last MiB is never touched
        length = rng.choice([512, 4096, 65536, 200000])
        cmds += ["-c", f"aio_write -q -P {rng.randrange(1, 255)} {off} {length}"]
        if rng.random() < 0.1:
            cmds += ["-c", "aio_flush"]
        if rng.random() < 0.05:
            cmds += ["-c", f"discard -q {rng.randrange(0, 62) << 20} 1M"]
    return cmds


def test_killed_writer_never_corrupts_qcow2(tmp_path):
    rng = random.Random(20261123)
    base = str(tmp_path / "base.raw")
    img = str(tmp_path / "crash.qcow2")
    mimg("create", "-q", "-f", "raw", base, "64M")
    mio("-f", "raw", "-c", "write -P 0x42 0 1M", base)
    mimg("create", "-q", "-f", "qcow2", "-o", "cluster_size=4k", "-b", base, "-F", "raw", img)
    mio("-f", "qcow2", "-c", "write -P 0x5a 63M 1M", img)   # survives every kill below
    qemu_img = shutil.which("qemu-img")
    leaks_seen = interrupted = 0
    for i in range(KILLS):
        writer = subprocess.Popen([MIMIC_IO, "-f", "qcow2", *writer_commands(rng), img],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.005, 0.08))
        writer.send_signal(signal.SIGKILL)
        status = writer.wait()
        assert status in (0, -signal.SIGKILL), writer.stderr.read().decode()
        interrupted += status == -signal.SIGKILL
        r = mimg("check", "--output=json", img, check=False)
        assert r.returncode in (0, 3), f"kill {i}: mimic-img check exit {r.returncode}\n{r.stdout}"
        assert '"corruptions": 0' in r.stdout or '"corruptions"' not in r.stdout, r.stdout
        leaks_seen += r.returncode == 3
        if qemu_img:
            q = run(qemu_img, "check", "-f", "qcow2", img, check=False)
            assert q.returncode in (0, 3), f"kill {i}: qemu-img check:\n{q.stdout}{q.stderr}"
        r = mio("-f", "qcow2", "-r", "-c", "read -P 0x5a 63M 1M", img, check=False)
        assert r.returncode == 0 and "verification failed" not in r.stdout, r.stdout
    assert interrupted >= KILLS * 0.9, f"only {interrupted} of {KILLS} kills hit a running writer"
    print(f"{interrupted} writers killed mid-run, {leaks_seen} checks found leaks")
    # Repairing the leaks leaves a clean image.
    mimg("check", "-r", "leaks", img, check=False)
    assert mimg("check", img).returncode == 0
