"""The library on CPUs older than this one, emulated by qemu-user: it must pick the kernel
family that CPU can run (never executing an instruction the CPU lacks) and stay exact.
scripts/test.sh installs qemu-user (Debian's package) where it is missing."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

import qnnpack_swift

QEMU = shutil.which("qemu-x86_64")
CHECK = pathlib.Path(__file__).with_name("_emulated_cpu_check.py")


@pytest.mark.skipif(QEMU is None, reason="qemu-x86_64 (Debian's qemu-user) is not installed")
@pytest.mark.parametrize("cpu, family", [("Nehalem", "portable"), ("Haswell", "avx2")])
def test_emulated_cpu_picks_its_family_and_matches_reference(cpu, family):
    env = dict(os.environ, PYTHONPATH=str(pathlib.Path(qnnpack_swift.__file__).parent.parent),
               OPENBLAS_NUM_THREADS="1")
    env.pop("QNNPACK_SWIFT_ISA", None)
    run = subprocess.run([QEMU, "-cpu", cpu, sys.executable, str(CHECK)], env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["family"] == family
    assert report["match"] == {name: True for name in report["match"]}
