"""Running mimic-img and mimic-io from the block layer's tests: where the
binaries are (MIMIC_BUILD, MIMIC_IMG, MIMIC_IO) and a runner that fails the
test with the tool's output when it exits non-zero."""
import os
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("MIMIC_BUILD", os.path.join(REPO, "build"))
MIMIC_IMG = os.environ.get("MIMIC_IMG", os.path.join(BUILD, "tools", "mimic-img"))
MIMIC_IO = os.environ.get("MIMIC_IO", os.path.join(BUILD, "tools", "mimic-io"))


def run(*args, check=True, cwd=None, input=None, timeout=120):
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                       timeout=timeout, cwd=cwd, input=input)
    if check and r.returncode != 0:
        raise AssertionError(f"{args} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


def mimg(*args, **kw):
    return run(MIMIC_IMG, *args, **kw)


def mio(*args, **kw):
    return run(MIMIC_IO, *args, **kw)
