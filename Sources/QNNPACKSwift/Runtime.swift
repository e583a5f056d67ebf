import CQNNPACKCPUInfo
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Kernel families, lowest first (`enum qnnps_isa`).
public enum ISA: Int32, Sendable, CaseIterable, Comparable {
  public static func < (a: ISA, b: ISA) -> Bool { a.rawValue < b.rawValue }

  case portable = 0
  case avx2 = 1
  case avx512vnni = 2

  var name: String {
    switch self {
    case .portable: "portable"
    case .avx2: "avx2"
    case .avx512vnni: "avx512vnni"
    }
  }

  /// Whether this CPU can run the family *and* this build has kernels for it.
  var isSupported: Bool {
    switch self {
    case .portable: true
    case .avx2: cpuFeatures & avx2Required == avx2Required
    // The AVX-512 VNNI kernels are not written yet; the family is reserved in the ABI.
    case .avx512vnni: false
    }
  }
}

let cpuFeatures: UInt32 = qnnps_detect_cpu_features()
private let avx2Required: UInt32 = (1 << 0) | (1 << 2) | (1 << 3) | (1 << 4)  // SSE2, SSE4.1, AVX, AVX2

private func initialISA() -> ISA {
  let best = ISA.allCases.last { $0.isSupported } ?? .portable
  if let value = getenv("QNNPACK_SWIFT_ISA"),
     let requested = ISA.allCases.first(where: { $0.name == String(cString: value) }),
     requested.isSupported, requested.rawValue < best.rawValue {
    return requested
  }
  return best
}

private let isaSetting = Atomic<Int32>(initialISA().rawValue)
private let threadSetting = Atomic<Int>(max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))))

/// The family that operators created now use.
var currentISA: ISA { ISA(rawValue: isaSetting.load(ordering: .relaxed)) ?? .portable }
var threadCount: Int { threadSetting.load(ordering: .relaxed) }

/// Work (multiply-accumulates, or element operations weighted as such) worth splitting
/// while the workers spin: a hot fork/join costs well under 1 µs, 2^18 MACs take ~5 µs.
let parallelWorkThreshold = 1 << 18
/// Waking parked workers costs the caller ~5–15 µs: only for work this large.
let parallelWakeThreshold = 1 << 20

/// Runs `body(i)` for `i` in `0..<count`, over the kernel threads when `work` is worth it.
/// Threads take indices in any order, but every index is computed the same way whoever runs
/// it, so results never depend on the thread count. Concurrent and nested calls run inline.
func parallelFor(_ count: Int, work: Int, _ body: (Int) -> Void) {
  let threads = threadCount
  if threads > 1, count > 1, work >= parallelWorkThreshold,
     threadPool.run(count, threads: threads, wake: work >= parallelWakeThreshold, body) {
    return
  }
  if threadPool.workerCount >= threads { threadPool.shrink(to: threads - 1) }
  for i in 0..<count { body(i) }
}

// MARK: - C ABI

@_cdecl("qnnps_cpu_features")
public func qnnps_cpu_features() -> UInt32 { cpuFeatures }

@_cdecl("qnnps_get_isa")
public func qnnps_get_isa() -> Int32 { currentISA.rawValue }

@_cdecl("qnnps_best_isa")
public func qnnps_best_isa() -> Int32 { (ISA.allCases.last { $0.isSupported } ?? .portable).rawValue }

@_cdecl("qnnps_set_isa")
public func qnnps_set_isa(_ isa: Int32) -> Int32 {
  abiCall { () throws(Status) in
    guard let family = ISA(rawValue: isa) else { throw Status.invalidParameter }
    try require(family.isSupported, .unsupportedHardware)
    isaSetting.store(isa, ordering: .relaxed)
  }
}

private let isaNames: [UnsafePointer<CChar>] = ISA.allCases.map { isa in
  let s = strdup(isa.name)!
  return UnsafePointer(s)
}

@_cdecl("qnnps_isa_name")
public func qnnps_isa_name(_ isa: Int32) -> UnsafePointer<CChar>? {
  guard let family = ISA(rawValue: isa) else { return nil }
  return isaNames[Int(family.rawValue)]
}

@_cdecl("qnnps_set_num_threads")
public func qnnps_set_num_threads(_ n: Int) -> Int32 {
  abiCall { () throws(Status) in
    try require(n >= 1)
    threadSetting.store(n, ordering: .relaxed)
    threadPool.shrink(to: n - 1)
  }
}

@_cdecl("qnnps_get_num_threads")
public func qnnps_get_num_threads() -> Int { threadCount }

@_cdecl("qnnps_operator_delete")
public func qnnps_operator_delete(_ op: OpaquePointer?) -> Int32 {
  if let op { Unmanaged<AnyObject>.fromOpaque(UnsafeRawPointer(op)).release() }
  return Status.success.rawValue
}

/// `parallelFor` over `rows` rows of `length` elements, each row cut in chunks, for
/// elementwise kernels: `body(row, start, count)`. An element operation (0.05–0.8 ns) is
/// weighed as 8 multiply-accumulates (~0.03 ns in the GEMM).
func parallelRows(rows: Int, length: Int, _ body: (_ row: Int, _ start: Int, _ count: Int) -> Void) {
  let chunk = 1 << 12
  let perRow = (length + chunk - 1) / chunk
  parallelFor(rows * perRow, work: 8 * rows * length) { task in
    let (row, c) = task.quotientAndRemainder(dividingBy: perRow)
    let start = c * chunk
    body(row, start, min(chunk, length - start))
  }
}
