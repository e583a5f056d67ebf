// swift-tools-version:6.0
import PackageDescription

// Per-ISA kernel targets get their ISA flags; everything else builds for the baseline CPU,
// so nothing runs an instruction the CPU lacks unless the runtime dispatch chose that target.
// Innermost loops start on 64 bytes: a kernel's hot loop then spans the fewest 64-byte fetch
// windows wherever unrelated code moves it (QS16IGEMM4x16AVX2's 113-byte loop ran 12% slower
// starting 16 bytes into a window than 48 bytes in or aligned).
let avx2Flags = ["-Xcc", "-mavx2", "-Xcc", "-mssse3", "-Xcc", "-msse4.1", "-Xcc", "-mpopcnt",
                 "-Xllvm", "-x86-experimental-pref-innermost-loop-alignment=6"]
let fast: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
  name: "qnnpack_swift",
  products: [
    // The library the Python extension links: `swift build -c release -Xswiftc -static-stdlib`.
    .library(name: "QNNPACKSwift", type: .dynamic, targets: ["QNNPACKSwift"]),
  ],
  targets: [
    // Feature detection (cpuid, xgetbv), callable before any ISA-specific code runs.
    .target(name: "CQNNPACKCPUInfo"),
    // Portable kernels and the packed-weight layout shared by every ISA.
    .target(name: "QNNPACKKernels", swiftSettings: fast),
    .target(name: "QNNPACKAVX2", dependencies: ["QNNPACKKernels"],
            swiftSettings: fast + [.unsafeFlags(avx2Flags)]),
    // Operators, validation, dispatch, threads and the C ABI (include/qnnpack_swift.h).
    .target(name: "QNNPACKSwift", dependencies: ["CQNNPACKCPUInfo", "QNNPACKKernels", "QNNPACKAVX2"],
            swiftSettings: fast),
    .testTarget(name: "QNNPACKSwiftTests", dependencies: ["QNNPACKSwift", "QNNPACKKernels"]),
  ],
  swiftLanguageModes: [.v5]
)
