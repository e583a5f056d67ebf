import QNNPACKAVX2
import QNNPACKKernels
#if canImport(Glibc)
import Glibc
#endif

/// The functions of the lookup-table operators (`enum qnnps_lookup_function`).
enum LookupFunction: Int32 {
  case sigmoid = 0, tanh, hardsigmoid, hardswish, leakyRelu

  func callAsFunction(_ x: Double, _ parameter: Double) -> Double {
    switch self {
    case .sigmoid: 1 / (1 + exp(-x))
    case .tanh: Glibc.tanh(x)
    case .hardsigmoid: min(max(x + 3, 0), 6) / 6
    case .hardswish: x * (min(max(x + 3, 0), 6) / 6)
    case .leakyRelu: x >= 0 ? x : x * parameter
    }
  }
}

/// An elementwise operator on 8-bit values as a 256-entry table built at create (API.md §3:
/// `f(float64(input_scale) · (q − zp))` in float64, then divided by the output scale, rounded
/// half to even, offset and clamped). Running it is a byte gather, the same for both dtypes:
/// the table is indexed by the raw byte.
final class LookupTable: @unchecked Sendable {
  let isa: ISA
  let table: AlignedBuffer
  /// AVX2 form of the table (see `x8LookupTelescopedTables`).
  let telescoped: AlignedBuffer

  init(function: LookupFunction, parameter: Double, type: DType, inputScale: Float, inputZeroPoint: Int32,
       outputScale: Float, output: OutputQuantization) throws(Status) {
    try checkScale(inputScale)
    try checkScale(outputScale)
    try type.checkZeroPoint(inputZeroPoint)
    try require(parameter.isFinite)
    table = try AlignedBuffer(byteCount: 256)
    telescoped = try AlignedBuffer(byteCount: 256)
    let t = table.typed(UInt8.self)
    let lo = Double(output.lo - output.zeroPoint), hi = Double(output.hi - output.zeroPoint)
    for byte in 0..<256 {
      let q = type == .uint8 ? Int32(byte) : Int32(Int8(truncatingIfNeeded: byte))
      let y = function(Double(inputScale) * Double(q - inputZeroPoint), parameter) / Double(outputScale)
      // NaN cannot arise from finite inputs; clamping before rounding keeps the conversion in range.
      let r = Int32(min(max(y, lo), hi).rounded(.toNearestOrEven)) + output.zeroPoint
      t[byte] = UInt8(truncatingIfNeeded: r)
    }
    x8LookupTelescopedTables(t, output: telescoped.typed(UInt8.self))
    isa = currentISA >= .avx2 ? .avx2 : .portable
  }

  func run(count: Int, input: UnsafeRawPointer?, output: UnsafeMutableRawPointer?) throws(Status) {
    try require(count >= 0)
    if count == 0 { return }
    let x = try nonNull(input).assumingMemoryBound(to: UInt8.self)
    let y = try nonNull(output).assumingMemoryBound(to: UInt8.self)
    parallelRows(rows: 1, length: count) { _, start, n in
      if isa == .avx2 {
        x8LookupAVX2(count: n, input: x + start, tables: telescoped.pointer, output: y + start)
      } else {
        x8LookupPortable(count: n, input: x + start, table: table.typed(UInt8.self), output: y + start)
      }
    }
  }
}

@_cdecl("qnnps_lookup_create")
public func qnnps_lookup_create(
  _ dtype: Int32, _ function: Int32, _ parameter: Double, _ inputScale: Float, _ inputZeroPoint: Int32,
  _ outputScale: Float, _ outputZeroPoint: Int32, _ outputMin: Int32, _ outputMax: Int32,
  _ opOut: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
  abiCall { () throws(Status) in
    let opOut = try nonNull(opOut)
    let type = try DType(code: dtype)
    guard let f = LookupFunction(rawValue: function) else { throw Status.invalidParameter }
    let op = try LookupTable(function: f, parameter: parameter, type: type, inputScale: inputScale,
                             inputZeroPoint: inputZeroPoint, outputScale: outputScale,
                             output: type.output(zeroPoint: outputZeroPoint, min: outputMin, max: outputMax))
    publish(op, opOut)
  }
}

@_cdecl("qnnps_lookup_run")
public func qnnps_lookup_run(
  _ op: OpaquePointer?, _ count: Int, _ input: UnsafeRawPointer?, _ output: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall { () throws(Status) in
    try operatorObject(op, as: LookupTable.self).run(count: count, input: input, output: output)
  }
}
