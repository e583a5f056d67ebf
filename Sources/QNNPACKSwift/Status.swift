import QNNPACKKernels

/// Mirrors `enum qnnps_status` of include/qnnpack_swift.h.
public enum Status: Int32, Error, Sendable {
  case success = 0
  case invalidParameter = 1
  case unsupportedParameter = 2
  case outOfMemory = 3
  case unsupportedHardware = 4
}

/// Runs a C ABI body: validation failures are thrown as `Status` and returned as codes, so no
/// Swift trap can reach the caller for bad input.
@inline(__always)
func abiCall(_ body: () throws(Status) -> Void) -> Int32 {
  do {
    try body()
    return Status.success.rawValue
  } catch {
    return error.rawValue
  }
}

func require(_ condition: Bool, _ status: Status = .invalidParameter) throws(Status) {
  if !condition { throw status }
}

func nonNull<P>(_ pointer: P?) throws(Status) -> P {
  guard let pointer else { throw Status.invalidParameter }
  return pointer
}

/// Products of sizes, failing as out of memory where they overflow.
func checkedProduct(_ values: Int...) throws(Status) -> Int {
  try checkedProduct(of: values)
}

func checkedProduct(of values: [Int]) throws(Status) -> Int {
  var result = 1
  for v in values {
    try require(v >= 0)
    let (p, overflow) = result.multipliedReportingOverflow(by: v)
    if overflow { throw Status.outOfMemory }
    result = p
  }
  return result
}

/// The two activation / weight types of `enum qnnps_dtype`.
enum DType: Int32 {
  case uint8 = 0
  case int8 = 1

  init(code: Int32) throws(Status) {
    guard let t = DType(rawValue: code) else { throw Status.invalidParameter }
    self = t
  }

  var qmin: Int32 { self == .uint8 ? UInt8.qmin : Int8.qmin }
  var qmax: Int32 { self == .uint8 ? UInt8.qmax : Int8.qmax }

  func checkZeroPoint(_ zp: Int32) throws(Status) {
    try require(zp >= qmin && zp <= qmax)
  }

  /// The clamp of an operator's output, checked against the type's range.
  func output(zeroPoint: Int32, min lo: Int32, max hi: Int32) throws(Status) -> OutputQuantization {
    try checkZeroPoint(zeroPoint)
    try require(lo >= qmin && hi <= qmax && lo <= hi)
    return OutputQuantization(zeroPoint: zeroPoint, lo: lo, hi: hi)
  }
}

func checkScale(_ scale: Float) throws(Status) {
  try require(scale.isFinite && scale > 0)
}

/// A requantization multiplier; one that overflows float32 cannot be applied exactly.
func checkMultiplier(_ m: Float) throws(Status) -> Float {
  try require(m.isFinite, .unsupportedParameter)
  return m
}
