import XCTest
import QNNPACKAVX2
import QNNPACKKernels
@testable import QNNPACKSwift

final class KernelTests: XCTestCase {
  func testRoundToNearestEvenMatchesRint() {
    var values: [Float] = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 254.5, -509.5, 1e-30, 0]
    var rng = SeededGenerator(seed: 1)
    for _ in 0..<10_000 { values.append(Float.random(in: -600...600, using: &rng)) }
    for v in values {
      XCTAssertEqual(roundToNearestEven(v), Int32(v.rounded(.toNearestOrEven)), "\(v)")
    }
  }

  func testOutputQuantizationClampsHugeValues() {
    let q = OutputQuantization(zeroPoint: 3, lo: 0, hi: 255)
    XCTAssertEqual(q.quantize(1e30), 255)
    XCTAssertEqual(q.quantize(-1e30), 0)
    XCTAssertEqual(q.quantize(.infinity), 255)
    XCTAssertEqual(q.quantize(2.5), 5)
  }

  /// Both GEMM microkernels against a direct sum, over every row and column remainder.
  func testGEMMKernelsMatchReference() {
    var rng = SeededGenerator(seed: 2)
    for rows in 1...4 {
      for columns in [1, 3, 8, 15, 16] {
        for (taps, channels) in [(1, 1), (1, 7), (9, 3), (2, 16)] {
          let padded = (channels + 1) & ~1
          let k = taps * channels
          let w = (0..<(columns * k)).map { _ in Int16.random(in: -255...255, using: &rng) }
          let bias = (0..<columns).map { _ in Int32.random(in: -10_000...10_000, using: &rng) }
          let mult = (0..<columns).map { _ in Float.random(in: 0.0005...0.01, using: &rng) }
          let block = UnsafeMutableRawPointer.allocate(byteCount: PackedWeights.blockBytes(pairs: taps * padded / 2), alignment: 64)
          defer { block.deallocate() }
          packWeightBlock(block, channels: columns, reduction: taps * padded,
                          weight: { c, kk in
                            let (t, ic) = kk.quotientAndRemainder(dividingBy: padded)
                            return ic < channels ? w[c * k + t * channels + ic] : 0
                          },
                          bias: { bias[$0] }, multiplier: { mult[$0] })
          // Each (row, tap) gets its own int16 row of x − zp.
          var data = (0..<(rows * taps * padded)).map { i in i % padded < channels ? Int16.random(in: -255...255, using: &rng) : 0 }
          data.withUnsafeMutableBufferPointer { a in
            var pointers = (0..<(rows * taps)).map { UnsafePointer(a.baseAddress! + $0 * padded) }
            let q = OutputQuantization(zeroPoint: 7, lo: 0, hi: 255)
            var expected = [UInt8](repeating: 0, count: rows * columns)
            for r in 0..<rows {
              for c in 0..<columns {
                var acc = Int64(bias[c])
                for t in 0..<taps {
                  for ic in 0..<channels { acc += Int64(a[(r * taps + t) * padded + ic]) * Int64(w[c * k + t * channels + ic]) }
                }
                expected[r * columns + c] = UInt8(referenceRequantize(acc, multiplier: mult[c], zeroPoint: 7, lo: 0, hi: 255))
              }
            }
            var portable = [UInt8](repeating: 0, count: rows * columns)
            qs16IGEMM4x16Portable(rows: rows, columns: columns, taps: taps, pairsPerTap: padded / 2, a: &pointers,
                                  aOffset: 0, block: block, output: &portable, outputStride: columns, quantization: q)
            XCTAssertEqual(portable, expected, "portable rows \(rows) columns \(columns) taps \(taps) channels \(channels)")
            if avx2Available {
              var vector = [UInt8](repeating: 0, count: rows * columns)
              vector.withUnsafeMutableBytes { out in
                qs16IGEMM4x16AVX2(rows: rows, columns: columns, taps: taps, pairsPerTap: padded / 2, a: &pointers,
                                  aOffset: 0, block: block, output: out.baseAddress!, outputStride: columns,
                                  quantization: q, signedOutput: false)
              }
              XCTAssertEqual(vector, expected, "avx2 rows \(rows) columns \(columns) taps \(taps) channels \(channels)")
            }
          }
        }
      }
    }
  }

  /// Both depthwise row kernels against a direct sum, over channel tails, padding taps and
  /// shared indirection entries (`step` < taps).
  func testDepthwiseKernelsMatchReference() {
    var rng = SeededGenerator(seed: 3)
    for (channels, taps, step) in [(16, 9, 3), (40, 9, 9), (5, 25, 5), (17, 4, 2), (1, 1, 1), (33, 7, 7)] {
      let pixels = 3, entries = taps + (pixels - 1) * step, inputPixels = 6
      let w = (0..<(channels * taps)).map { _ in Int16.random(in: -255...255, using: &rng) }
      let mult = (0..<channels).map { _ in Float.random(in: 0.001...0.02, using: &rng) }
      let offsets = (0..<entries).map { _ in Bool.random(using: &rng) ? -1 : Int.random(in: 0..<inputPixels, using: &rng) * channels }
      let zp: Int32 = 120
      let blockBytes = PackedWeights.blockBytes(pairs: (taps + 1) / 2)
      let blocks = (channels + 15) / 16
      /// Blocks with the bias plain (portable) or with the zero point folded in (AVX2).
      func pack(folded: Bool) -> UnsafeMutableRawPointer {
        let packed = UnsafeMutableRawPointer.allocate(byteCount: blocks * blockBytes, alignment: 64)
        for b in 0..<blocks {
          packWeightBlock(packed + b * blockBytes, channels: min(16, channels - b * 16), reduction: taps,
                          weight: { c, t in w[(b * 16 + c) * taps + t] },
                          bias: { c in folded ? 100 - zp * (0..<taps).reduce(0) { $0 + Int32(w[(b * 16 + c) * taps + $1]) } : 100 },
                          multiplier: { mult[b * 16 + $0] })
        }
        return packed
      }
      let plain = pack(folded: false), folded = pack(folded: true)
      defer { plain.deallocate(); folded.deallocate() }
      let input = (0..<(inputPixels * channels)).map { _ in Int8.random(in: -128...127, using: &rng) }
      let zero = [Int8](repeating: Int8(zp), count: channels)
      let q = OutputQuantization(zeroPoint: -3, lo: -128, hi: 100)
      var expected = [Int8](repeating: 0, count: pixels * channels)
      for p in 0..<pixels {
        for c in 0..<channels {
          var acc: Int64 = 100
          for t in 0..<taps {
            let offset = offsets[p * step + t]
            let x = offset < 0 ? zp : Int32(input[offset + c])
            acc += Int64(x - zp) * Int64(w[c * taps + t])
          }
          expected[p * channels + c] = Int8(referenceRequantize(acc, multiplier: mult[c], zeroPoint: -3, lo: -128, hi: 100))
        }
      }
      var portable = [Int8](repeating: 0, count: pixels * channels)
      q8DWConvRowPortable(pixels: pixels, channels: channels, taps: taps, offsets: offsets, step: step, input: input,
                          zero: zero, zeroPoint: zp, blocks: plain, blockBytes: blockBytes, output: &portable,
                          quantization: q)
      XCTAssertEqual(portable, expected, "portable \(channels) channels, \(taps) taps")
      if avx2Available {
        var vector = [Int8](repeating: 0, count: pixels * channels)
        vector.withUnsafeMutableBytes { out in
          q8DWConvRowAVX2(pixels: pixels, channels: channels, taps: taps, offsets: offsets, step: step, input: input,
                          zero: zero, blocks: folded, blockBytes: blockBytes, output: out.baseAddress!,
                          quantization: q, signedIO: true)
        }
        XCTAssertEqual(vector, expected, "avx2 \(channels) channels, \(taps) taps")
      }
    }
  }
}
