import QNNPACKKernels
@testable import QNNPACKSwift

/// Seeded generator so failures reproduce (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

let avx2Available = qnnps_best_isa() >= ISA.avx2.rawValue

/// Runs `body` once per kernel family this CPU supports, restoring the family afterwards.
func forEachISA(_ body: (ISA) throws -> Void) rethrows {
  let saved = qnnps_get_isa()
  defer { _ = qnnps_set_isa(saved) }
  for isa in ISA.allCases where isa.isSupported {
    _ = qnnps_set_isa(isa.rawValue)
    try body(isa)
  }
}

/// API.md §3's requantization in plain Swift, the reference for every test here.
func referenceRequantize(_ acc: Int64, multiplier: Float, zeroPoint: Int32, lo: Int32, hi: Int32) -> Int32 {
  let y = Double(Float(acc) * multiplier)
  let r = Int64(y.rounded(.toNearestOrEven).clamped(-1e12, 1e12)) + Int64(zeroPoint)
  return Int32(min(max(r, Int64(lo)), Int64(hi)))
}

extension Double {
  func clamped(_ lo: Double, _ hi: Double) -> Double { Swift.min(Swift.max(self, lo), hi) }
}
