import QNNPACKAVX2
import QNNPACKKernels

@_cdecl("qnnps_clamp")
public func qnnps_clamp(
  _ dtype: Int32, _ count: Int, _ outputMin: Int32, _ outputMax: Int32,
  _ input: UnsafeRawPointer?, _ output: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall { () throws(Status) in
    let type = try DType(code: dtype)
    _ = try type.output(zeroPoint: type.qmin, min: outputMin, max: outputMax)
    try require(count >= 0)
    if count == 0 { return }
    let input = try nonNull(input), output = try nonNull(output)
    switch type {
    case .uint8: clamp(count, input, output, UInt8(outputMin), UInt8(outputMax))
    case .int8: clamp(count, input, output, Int8(outputMin), Int8(outputMax))
    }
  }
}

private func clamp<T: QuantizedElement>(
  _ count: Int, _ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, _ lo: T, _ hi: T
) {
  let x = input.assumingMemoryBound(to: T.self), y = output.assumingMemoryBound(to: T.self)
  let avx2 = currentISA >= .avx2
  parallelRows(rows: 1, length: count) { _, start, n in
    if avx2 {
      q8ClampAVX2(signed: T.self == Int8.self, count: n, input: x + start, lo: Int32(lo), hi: Int32(hi), output: y + start)
    } else {
      q8Clamp(count: n, input: x + start, lo: lo, hi: hi, output: y + start)
    }
  }
}
