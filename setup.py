"""Builds qnnpack_swift: the Swift library, then the CPython extension that links it.

`pip install .` (with or without build isolation) and `pip install -e .` run this:

1. `swift build -c release -Xswiftc -static-stdlib --product QNNPACKSwift` in this folder
   (the toolchain is $SWIFT, else `swift` on PATH, else /opt/swift/usr/bin/swift), giving a
   libQNNPACKSwift.so that needs nothing but libc, libstdc++, libm and libgcc_s;
   QNNPACK_SWIFT_LIB=/path/to/libQNNPACKSwift.so skips the Swift build and uses that file;
2. copies the library into the package, next to the extension (and into
   python/qnnpack_swift/ for editable installs and `build_ext --inplace`);
3. compiles qnnpack_swift._native against it with RUNPATH $ORIGIN, so the installed
   package needs no Swift toolchain at run time.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
PACKAGE = "qnnpack_swift"
LIBRARY = "libQNNPACKSwift.so"
SWIFT_PRODUCT = "QNNPACKSwift"


def swift_executable():
    """The swift driver: $SWIFT, `swift` on PATH, or the toolchain in /opt/swift."""
    for candidate in (os.environ.get("SWIFT"), shutil.which("swift"), "/opt/swift/usr/bin/swift"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    sys.exit("qnnpack_swift: no Swift toolchain found (set SWIFT=/path/to/swift, or "
             "QNNPACK_SWIFT_LIB=/path/to/libQNNPACKSwift.so to use a prebuilt library)")


def build_swift_library():
    """Builds the Swift product (or takes $QNNPACK_SWIFT_LIB) and returns the library's path."""
    prebuilt = os.environ.get("QNNPACK_SWIFT_LIB")
    if prebuilt:
        path = Path(prebuilt).resolve()
        if not path.is_file():
            sys.exit(f"qnnpack_swift: QNNPACK_SWIFT_LIB={prebuilt} is not a file")
        return path
    swift = swift_executable()
    flags = ["-c", "release", "-Xswiftc", "-static-stdlib"]
    command = [swift, "build", *flags, "--product", SWIFT_PRODUCT]
    print("qnnpack_swift: " + " ".join(command), flush=True)
    subprocess.run(command, cwd=ROOT, check=True)
    bin_path = subprocess.run([swift, "build", *flags, "--show-bin-path"], cwd=ROOT, check=True,
                              stdout=subprocess.PIPE, text=True).stdout.strip().splitlines()[-1]
    path = Path(bin_path) / LIBRARY
    if not path.is_file():
        sys.exit(f"qnnpack_swift: swift build did not produce {path}")
    return path


def copy_library(source, folder):
    """Copies the library into `folder`, always (a stale copy must never survive), without
    its local symbols and debug info where `strip` exists (10 MB -> 7 MB; the exported C ABI
    and the Swift runtime's metadata sections stay)."""
    print(f"qnnpack_swift: copying {source} -> {folder}", flush=True)
    destination = Path(folder) / LIBRARY
    if Path(source).resolve() == destination.resolve():
        return
    strip = shutil.which("strip")
    if strip is None or subprocess.run([strip, "--strip-unneeded", "-o", str(destination),
                                        str(source)]).returncode != 0:
        shutil.copy(source, destination)


class BuildExtWithSwift(build_ext):
    """build_ext that first builds the Swift library and ships it beside the extension."""

    def run(self):
        self._swift_library = build_swift_library()
        super().run()

    def _package_build_dir(self):
        # setuptools builds into build_lib even for --inplace/editable, then copies to source.
        return Path(self.build_lib) / PACKAGE

    def build_extension(self, ext):
        target = self._package_build_dir()
        target.mkdir(parents=True, exist_ok=True)
        copy_library(self._swift_library, target)
        ext.library_dirs = [str(target)]
        super().build_extension(ext)

    def copy_extensions_to_source(self):
        super().copy_extensions_to_source()
        source_dir = Path(self.get_finalized_command("build_py").get_package_dir(PACKAGE))
        copy_library(self._package_build_dir() / LIBRARY, source_dir)

    def get_outputs(self):
        return [*super().get_outputs(), str(self._package_build_dir() / LIBRARY)]


native = Extension(
    f"{PACKAGE}._native",
    sources=[f"python/{PACKAGE}/_native.c", f"python/{PACKAGE}/_replay.c"],
    depends=[f"python/{PACKAGE}/_replay.h"],
    include_dirs=[numpy.get_include(), "include"],
    libraries=["QNNPACKSwift"],
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    extra_link_args=["-Wl,-rpath,$ORIGIN"],
)

setup(
    package_dir={"": "python"},
    packages=[PACKAGE, f"{PACKAGE}.onnx"],
    package_data={PACKAGE: ["py.typed", "*.pyi"]},
    exclude_package_data={PACKAGE: ["*.c"]},
    ext_modules=[native],
    cmdclass={"build_ext": BuildExtWithSwift},
    zip_safe=False,
)
