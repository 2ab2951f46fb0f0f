#!/usr/bin/python3
"""Run every test of mimic: the GTest unit tests (TAP) and the pytest functional
tests, and end with one line 'N passed, N failed, N skipped' counting them all."""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
totals = {"passed": 0, "failed": 0, "skipped": 0}


def run_unit_tests():
    tests = json.loads(subprocess.check_output(["meson", "introspect", "--tests", build]))
    for t in tests:
        cmd = t["cmd"] + ["--tap"] if "--tap" not in t["cmd"] else t["cmd"]
        proc = subprocess.run(cmd, cwd=t.get("workdir") or build, capture_output=True, text=True,
                              timeout=300)
        ok = fail = skip = 0
        for line in proc.stdout.splitlines():
            if line.startswith("ok "):
                if "# SKIP" in line:
                    skip += 1
                else:
                    ok += 1
            elif line.startswith("not ok"):
                fail += 1
                print(f"  FAIL {t['name']}: {line}")
        if proc.returncode != 0 and fail == 0:
            fail = 1  # crashed or bailed out before reporting
            print(f"  FAIL {t['name']}: exit status {proc.returncode}")
            print("\n".join(proc.stdout.splitlines()[-5:] + proc.stderr.splitlines()[-10:]))
        print(f"unit {t['name']}: {ok} passed, {fail} failed, {skip} skipped")
        totals["passed"] += ok
        totals["failed"] += fail
        totals["skipped"] += skip


def run_functional_tests():
    xml_path = os.path.join(build, "functional-results.xml")
    env = dict(os.environ)
    env.setdefault("MIMIC_BUILD", build)
    env.setdefault("MIMIC_SYSTEM_X86_64", os.path.join(build, "mimic-system-x86_64"))
    env.setdefault("MIMIC_X86_TESTS", os.path.join(build, "tests", "x86"))
    env.setdefault("MIMIC_SYSTEM_RISCV64", os.path.join(build, "mimic-system-riscv64"))
    env.setdefault("MIMIC_RISCV64_TESTS", os.path.join(build, "tests", "tcg", "riscv64"))
    env.setdefault("MIMIC_RISCV64_SPIKE_TESTS",
                   os.path.join(build, "tests", "tcg", "riscv64-spike"))
    cmd = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
           f"--junitxml={xml_path}", os.path.join(repo, "tests", "functional")]
    if os.path.exists(xml_path):
        os.unlink(xml_path)
    proc = subprocess.run(cmd, cwd=repo, env=env)
    if not os.path.exists(xml_path):
        totals["failed"] += 1
        print(f"functional: pytest did not run (exit status {proc.returncode})")
        return
    suites = ET.parse(xml_path).getroot()
    suites = [suites] if suites.tag == "testsuite" else list(suites)
    for s in suites:
        n = int(s.get("tests", 0))
        failed = int(s.get("failures", 0)) + int(s.get("errors", 0))
        skipped = int(s.get("skipped", 0))
        totals["passed"] += n - failed - skipped
        totals["failed"] += failed
        totals["skipped"] += skipped


run_unit_tests()
if os.path.isdir(os.path.join(repo, "tests", "functional")):
    run_functional_tests()
print(f"{totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
sys.exit(1 if totals["failed"] else 0)
