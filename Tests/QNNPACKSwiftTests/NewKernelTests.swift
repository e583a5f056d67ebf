import XCTest
import QNNPACKAVX2
import QNNPACKKernels
@testable import QNNPACKSwift

final class NewKernelTests: XCTestCase {
  /// Both byte-gather kernels against the table, for lengths around the 32-byte step.
  func testLookupKernelsMatchTable() {
    var rng = SeededGenerator(seed: 20)
    for trial in 0..<20 {
      let table = (0..<256).map { _ in UInt8.random(in: 0...255, using: &rng) }
      var telescoped = [UInt8](repeating: 0, count: 256)
      x8LookupTelescopedTables(table, output: &telescoped)
      for count in [0, 1, 31, 32, 33, 64, 95, 256, 1000 + trial] {
        let x = (0..<count).map { i in i < 256 ? UInt8(i) : UInt8.random(in: 0...255, using: &rng) }
        let expected = x.map { table[Int($0)] }
        var portable = [UInt8](repeating: 0, count: count)
        x8LookupPortable(count: count, input: x, table: table, output: &portable)
        XCTAssertEqual(portable, expected, "portable count \(count)")
        if avx2Available {
          var vector = [UInt8](repeating: 0, count: count)
          x8LookupAVX2(count: count, input: x, tables: telescoped, output: &vector)
          XCTAssertEqual(vector, expected, "avx2 count \(count)")
        }
      }
    }
  }

  /// Patch rows straight from the activations: every window value `x − zp` (0 outside the
  /// input, then 0 up to a whole pair) for calls starting and ending anywhere, and nothing
  /// written past the call's last row (its spill would land in another thread's rows).
  func testPatchRowsFromActivationsWriteExactlyTheirRows() throws {
    try XCTSkipUnless(avx2Available)
    var rng = SeededGenerator(seed: 27)
    let sentinel = Int16(0x5A5A)
    for trial in 0..<60 {
      let channels = [1, 3, 5][trial % 3]
      let (kh, kw) = channels == 1 ? [(3, 8), (2, 16), (3, 12)][trial % 3 == 0 ? trial / 3 % 3 : 0]
                                   : [(3, 3), (5, 3), (3, 3)][trial / 3 % 3]
      let batch = 1 + trial % 2, height = Int.random(in: kh...kh + 9, using: &rng)
      let width = Int.random(in: kw...kw + 30, using: &rng)
      let (sh, sw) = (1 + trial % 2, 1 + trial / 2 % 2), dh = 1 + trial / 4 % 2
      let (pt, pl) = (Int.random(in: 0...kh / 2, using: &rng), Int.random(in: 0...kw / 2, using: &rng))
      let oh = (height + 2 * pt - dh * (kh - 1) - 1) / sh + 1, ow = (width + pl + kw / 2 - kw) / sw + 1
      guard oh > 0, ow > 0 else { continue }
      let x = (0..<(batch * height * width * channels)).map { _ in UInt8.random(in: 0...255, using: &rng) }
      let zp = Int32.random(in: 0...255, using: &rng)
      let (stride, pairs) = PatchRows.shape(taps: kh * kw, channels: channels, paddedChannels: channels + 1)
      let total = batch * oh * ow
      let first = Int.random(in: 0..<total, using: &rng), count = Int.random(in: 1...total - first, using: &rng)
      var rows = [Int16](repeating: sentinel, count: (count + 2) * stride)
      rows.withUnsafeMutableBufferPointer { out in
        q8ToS16PatchRowsAVX2(x, inputBytes: x.count, signed: false, height: height, width: width, channels: channels,
                             kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
                             dilationHeight: dh, padTop: pt, padLeft: pl, outputHeight: oh, outputWidth: ow,
                             zeroPoint: zp, first: first, count: count, rows: out.baseAddress!, stride: stride)
      }
      for i in 0..<count {
        let (n, p) = (first + i).quotientAndRemainder(dividingBy: oh * ow)
        let (oy, ox) = p.quotientAndRemainder(dividingBy: ow)
        var expected = [Int16](repeating: 0, count: 2 * pairs)
        for ky in 0..<kh {
          for kx in 0..<kw {
            let (iy, ix) = (oy * sh - pt + ky * dh, ox * sw - pl + kx)
            guard (0..<height).contains(iy) && (0..<width).contains(ix) else { continue }
            for c in 0..<channels {
              expected[(ky * kw + kx) * channels + c] = Int16(x[((n * height + iy) * width + ix) * channels + c]) - Int16(zp)
            }
          }
        }
        XCTAssertEqual(Array(rows[(i * stride)..<(i * stride + 2 * pairs)]), expected, "trial \(trial) row \(first + i)")
      }
      XCTAssertEqual(Array(rows[((count - 1) * stride + 2 * pairs)...]),
                     [Int16](repeating: sentinel, count: rows.count - (count - 1) * stride - 2 * pairs),
                     "trial \(trial): written past the last row")
    }
  }

  /// The AVX2 channel moments equal the scalar ones (exact int64 totals), for both
  /// signednesses, channel tails, odd row counts, and extreme values over more than the
  /// 16384 rows the int32 lanes hold.
  func testChannelMomentsMatchScalar() throws {
    try XCTSkipUnless(avx2Available)
    var rng = SeededGenerator(seed: 28)
    for (rows, channels) in [(1, 16), (7, 17), (33, 48), (1000, 3), (40_001, 16), (16_385, 35)] {
      for signed in [false, true] {
        let extreme = rows > 10_000
        let x = (0..<(rows * channels)).map { _ in extreme ? UInt8(signed ? 0x80 : 0xFF) : UInt8.random(in: 0...255, using: &rng) }
        let zp: Int32 = extreme ? (signed ? 127 : 0) : Int32.random(in: signed ? -128...127 : 0...255, using: &rng)
        var want = [Int64](repeating: 0, count: 2 * channels), got = want
        x.withUnsafeBytes { raw in
          want.withUnsafeMutableBufferPointer { w in
            let sum = w.baseAddress!
            if signed {
              q8ChannelMoments(rows: rows, channels: channels, input: raw.bindMemory(to: Int8.self).baseAddress!,
                               zeroPoint: zp, sum: sum, sumOfSquares: sum + channels)
            } else {
              q8ChannelMoments(rows: rows, channels: channels, input: raw.bindMemory(to: UInt8.self).baseAddress!,
                               zeroPoint: zp, sum: sum, sumOfSquares: sum + channels)
            }
          }
          got.withUnsafeMutableBufferPointer { g in
            q8ChannelMomentsAVX2(signed: signed, rows: rows, channels: channels, input: raw.baseAddress!,
                                 zeroPoint: zp, sum: g.baseAddress!, sumOfSquares: g.baseAddress! + channels)
          }
        }
        XCTAssertEqual(got, want, "rows \(rows) channels \(channels) signed \(signed)")
      }
    }
  }

  /// The float32 epilogue of both GEMM kernels: `f32(acc) · f32(scale · m[c])`, bit for bit.
  func testDequantizedGEMMKernelsMatchReference() {
    var rng = SeededGenerator(seed: 21)
    for rows in 1...4 {
      for columns in [1, 7, 16] {
        let k = 10, padded = 10
        let w = (0..<(columns * k)).map { _ in Int16.random(in: -255...255, using: &rng) }
        let mult = (0..<columns).map { _ in Float.random(in: 0.001...0.1, using: &rng) }
        let block = UnsafeMutableRawPointer.allocate(byteCount: PackedWeights.blockBytes(pairs: padded / 2), alignment: 64)
        defer { block.deallocate() }
        packWeightBlock(block, channels: columns, reduction: padded, weight: { c, kk in w[c * k + kk] },
                        bias: { _ in 0 }, multiplier: { mult[$0] })
        var data = (0..<(rows * padded)).map { _ in Int16.random(in: -255...255, using: &rng) }
        data.withUnsafeMutableBufferPointer { a in
          var pointers = (0..<rows).map { UnsafePointer(a.baseAddress! + $0 * padded) }
          let scale: Float = 0.0371
          var expected = [Float](repeating: 0, count: rows * columns)
          for r in 0..<rows {
            for c in 0..<columns {
              var acc = Int64(0)
              for kk in 0..<k { acc += Int64(a[r * padded + kk]) * Int64(w[c * k + kk]) }
              expected[r * columns + c] = Float(acc) * (scale * mult[c])
            }
          }
          var portable = [Float](repeating: .nan, count: rows * columns)
          qs16IGEMM4x16PortableDequantized(rows: rows, columns: columns, taps: 1, pairsPerTap: padded / 2, a: &pointers,
                                           aOffset: 0, block: block, scale: scale, output: &portable,
                                           outputStride: columns)
          XCTAssertEqual(portable, expected)
          if avx2Available {
            var vector = [Float](repeating: .nan, count: rows * columns)
            qs16IGEMM4x16AVX2Dequantized(rows: rows, columns: columns, taps: 1, pairsPerTap: padded / 2, a: &pointers,
                                         aOffset: 0, block: block, scale: scale, output: &vector,
                                         outputStride: columns)
            XCTAssertEqual(vector, expected)
          }
        }
      }
    }
  }
}

final class NewOperatorABITests: XCTestCase {
  /// Transposed convolution through the ABI against a direct scatter, on every ISA.
  func testDeconvolutionMatchesScatter() {
    var rng = SeededGenerator(seed: 22)
    let (g, cig, cog, kh, kw, s, d, pad, op) = (2, 3, 4, 3, 2, 2, 1, (1, 0, 0, 1), (1, 1))
    let (n, h, w) = (2, 3, 4)
    let cin = g * cig, cout = g * cog
    let weights = (0..<(cout * kh * kw * cig)).map { _ in Int8.random(in: -128...127, using: &rng) }
    let bias = (0..<cout).map { _ in Int32.random(in: -500...500, using: &rng) }
    let x = (0..<(n * h * w * cin)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    let oh = (h - 1) * s - pad.0 - pad.2 + d * (kh - 1) + op.0 + 1
    let ow = (w - 1) * s - pad.1 - pad.3 + d * (kw - 1) + op.1 + 1
    var acc = [Int64](repeating: 0, count: n * oh * ow * cout)
    for i in 0..<acc.count { acc[i] = Int64(bias[i % cout]) }
    for b in 0..<n {
      for iy in 0..<h {
        for ix in 0..<w {
          for ky in 0..<kh {
            for kx in 0..<kw {
              let oy = iy * s - pad.0 + ky * d, ox = ix * s - pad.1 + kx * d
              if oy < 0 || oy >= oh || ox < 0 || ox >= ow { continue }
              for oc in 0..<cout {
                let gi = oc / cog
                for ic in 0..<cig {
                  let xv = Int64(x[((b * h + iy) * w + ix) * cin + gi * cig + ic]) - 128
                  let wv = Int64(weights[((oc * kh + ky) * kw + kx) * cig + ic])
                  acc[((b * oh + oy) * ow + ox) * cout + oc] += xv * wv
                }
              }
            }
          }
        }
      }
    }
    let m: Float = (0.02 * 0.01) / 0.05
    let expected = acc.map { UInt8(referenceRequantize($0, multiplier: m, zeroPoint: 120, lo: 0, hi: 255)) }
    forEachISA { isa in
      var handle: OpaquePointer?
      XCTAssertEqual(weights.withUnsafeBytes { wb in
        qnnps_deconvolution2d_nhwc_create(0, 1, g, cig, cog, kh, kw, s, s, d, d, pad.0, pad.1, pad.2, pad.3,
                                          op.0, op.1, 0.02, 128, wb.baseAddress, [Float](repeating: 0.01, count: cout),
                                          [Int32](repeating: 0, count: cout), bias, 0.05, 120, 0, 255, &handle)
      }, 0)
      defer { _ = qnnps_operator_delete(handle) }
      var size = (0, 0)
      XCTAssertEqual(qnnps_deconvolution2d_nhwc_output_size(handle, h, w, &size.0, &size.1), 0)
      XCTAssertEqual(size.0, oh)
      XCTAssertEqual(size.1, ow)
      var y = [UInt8](repeating: 0, count: expected.count)
      XCTAssertEqual(qnnps_deconvolution2d_nhwc_run(handle, n, h, w, x, &y), 0)
      XCTAssertEqual(y, expected, "\(isa)")
      XCTAssertEqual(qnnps_deconvolution2d_nhwc_run(handle, n, 0, w, x, &y), Status.invalidParameter.rawValue)
    }
    // output_padding must be below max(stride, dilation).
    var bad: OpaquePointer?
    XCTAssertEqual(weights.withUnsafeBytes { wb in
      qnnps_deconvolution2d_nhwc_create(0, 1, g, cig, cog, kh, kw, 2, 2, 1, 1, 0, 0, 0, 0, 2, 0, 0.02, 128,
                                        wb.baseAddress, [Float](repeating: 0.01, count: cout),
                                        [Int32](repeating: 0, count: cout), nil, 0.05, 120, 0, 255, &bad)
    }, Status.invalidParameter.rawValue)
    XCTAssertNil(bad)
  }

  /// Locally connected: each output pixel with its own weights; the input must give (OH, OW).
  func testLocallyConnectedMatchesDirectSum() {
    var rng = SeededGenerator(seed: 23)
    let (n, h, w, cin, cout, k) = (5, 3, 3, 3, 18, 2)
    let (oh, ow) = (2, 2)
    let weights = (0..<(oh * ow * cout * k * k * cin)).map { _ in Int8.random(in: -128...127, using: &rng) }
    let x = (0..<(n * h * w * cin)).map { _ in Int8.random(in: -128...127, using: &rng) }
    var expected = [Int8]()
    let m: Float = (0.05 * 0.02) / 0.1
    for b in 0..<n {
      for oy in 0..<oh {
        for ox in 0..<ow {
          for oc in 0..<cout {
            var acc = Int64(0)
            for ky in 0..<k {
              for kx in 0..<k {
                for ic in 0..<cin {
                  let xv = Int64(x[((b * h + oy + ky) * w + ox + kx) * cin + ic]) + 5
                  let wv = Int64(weights[((((oy * ow + ox) * cout + oc) * k + ky) * k + kx) * cin + ic]) - 3
                  acc += xv * wv
                }
              }
            }
            expected.append(Int8(referenceRequantize(acc, multiplier: m, zeroPoint: -7, lo: -128, hi: 127)))
          }
        }
      }
    }
    forEachISA { isa in
      var handle: OpaquePointer?
      XCTAssertEqual(weights.withUnsafeBytes { wb in
        qnnps_locally_connected2d_nhwc_create(1, 1, oh, ow, cin, cout, k, k, 1, 1, 1, 1, 0, 0, 0, 0, 0.05, -5,
                                              wb.baseAddress, [Float](repeating: 0.02, count: cout),
                                              [Int32](repeating: 3, count: cout), nil, 0.1, -7, -128, 127, &handle)
      }, 0)
      defer { _ = qnnps_operator_delete(handle) }
      var y = [Int8](repeating: 0, count: expected.count)
      XCTAssertEqual(qnnps_locally_connected2d_nhwc_run(handle, n, h, w, x, &y), 0)
      XCTAssertEqual(y, expected, "\(isa)")
      XCTAssertEqual(qnnps_locally_connected2d_nhwc_run(handle, n, h + 1, w, x, &y), Status.invalidParameter.rawValue)
    }
  }

  func testDynamicFullyConnectedIsFloatOfExactAccumulators() {
    var rng = SeededGenerator(seed: 24)
    let (batch, k, cout) = (3, 37, 19)
    let weights = (0..<(cout * k)).map { _ in Int8.random(in: -128...127, using: &rng) }
    let scales = (0..<cout).map { _ in Float.random(in: 0.001...0.1, using: &rng) }
    let x = (0..<(batch * k)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    var expected = [Float]()
    for b in 0..<batch {
      for c in 0..<cout {
        let acc = (0..<k).reduce(Int64(0)) { $0 + (Int64(x[b * k + $1]) - 99) * (Int64(weights[c * k + $1]) + 2) }
        expected.append(Float(acc) * (Float(0.013) * scales[c]))
      }
    }
    forEachISA { isa in
      var handle: OpaquePointer?
      XCTAssertEqual(weights.withUnsafeBytes {
        qnnps_dynamic_fully_connected_create(1, k, cout, $0.baseAddress, scales, [Int32](repeating: -2, count: cout), &handle)
      }, 0)
      defer { _ = qnnps_operator_delete(handle) }
      var y = [Float](repeating: 0, count: batch * cout)
      XCTAssertEqual(qnnps_dynamic_fully_connected_run(handle, batch, x, 0.013, 99, &y), 0)
      XCTAssertEqual(y, expected, "\(isa)")
      XCTAssertEqual(qnnps_dynamic_fully_connected_run(handle, batch, x, 0, 99, &y), Status.invalidParameter.rawValue)
      XCTAssertEqual(qnnps_dynamic_fully_connected_run(handle, batch, x, 1, 256, &y), Status.invalidParameter.rawValue)
    }
  }

  func testMultiplyConcatenateShuffle() {
    let a: [Int8] = [-128, -1, 0, 5, 127, 64]
    let b: [Int8] = [3, -7]
    var y = [Int8](repeating: 0, count: 6)
    XCTAssertEqual(qnnps_multiply_nd(1, 2, [3, 2], a, [2, 1], 0.5, 1, b, [0, 1], 0.25, -2, 0.2, 3, -128, 127, &y), 0)
    let m: Float = (Float(0.5) * Float(0.25)) / 0.2
    for i in 0..<6 {
      let p = (Int32(a[i]) - 1) * (Int32(b[i % 2]) + 2)
      XCTAssertEqual(Int32(y[i]), min(max(Int32((m * Float(p)).rounded(.toNearestOrEven)) + 3, -128), 127))
    }
    // Two inputs [2, 1] and [2, 2] joined into [2, 3]; the second keeps the output's qparams (copied).
    let p: [UInt8] = [10, 20], q: [UInt8] = [1, 2, 3, 4]
    var c = [UInt8](repeating: 0, count: 6)
    let status = p.withUnsafeBytes { pb in
      q.withUnsafeBytes { qb in
        qnnps_concatenate(0, 2, 2, [1, 2], [pb.baseAddress, qb.baseAddress], [2.0, 0.5], [0, 1], 0.5, 1, 0, 255, &c)
      }
    }
    XCTAssertEqual(status, 0)
    XCTAssertEqual(c, [41, 1, 2, 81, 3, 4])
    XCTAssertEqual(qnnps_concatenate(0, 0, 2, [], [], [], [], 0.5, 1, 0, 255, &c), Status.invalidParameter.rawValue)
    var s = [UInt8](repeating: 0, count: 6)
    XCTAssertEqual(qnnps_channel_shuffle(1, 2, 3, [0, 1, 2, 3, 4, 5] as [UInt8], &s), 0)
    XCTAssertEqual(s, [0, 3, 1, 4, 2, 5])
    XCTAssertEqual(qnnps_channel_shuffle(1, 0, 3, [0, 1, 2] as [UInt8], &s), Status.invalidParameter.rawValue)
  }

  func testLookupSoftmaxResize() {
    var handle: OpaquePointer?
    XCTAssertEqual(qnnps_lookup_create(0, 9, 0, 0.1, 0, 0.1, 0, 0, 255, &handle), Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_lookup_create(0, 4, .nan, 0.1, 0, 0.1, 0, 0, 255, &handle), Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_lookup_create(1, 4, 0.5, 0.1, 0, 0.1, 0, -128, 127, &handle), 0)
    let x = (-128...127).map { Int8($0) }
    var y = [Int8](repeating: 0, count: 256)
    XCTAssertEqual(qnnps_lookup_run(handle, 256, x, &y), 0)
    XCTAssertEqual(y, x.map { $0 >= 0 ? $0 : Int8((Double($0) * 0.5).rounded(.toNearestOrEven)) })
    _ = qnnps_operator_delete(handle)

    // Softmax over the middle axis of [1, 2, 2]: equal inputs give 1/2 = 128/256.
    var s = [UInt8](repeating: 0, count: 4)
    XCTAssertEqual(qnnps_softmax(0, 1, 2, 2, 0.1, 0, 1.0 / 256, 0, 0, 255, [7, 9, 7, 9] as [UInt8], &s), 0)
    XCTAssertEqual(s, [128, 128, 128, 128])
    XCTAssertEqual(qnnps_softmax(0, 1, 0, 2, 0.1, 0, 1.0 / 256, 0, 0, 255, [7] as [UInt8], &s), Status.invalidParameter.rawValue)

    // Nearest doubling repeats pixels; bilinear of a constant is the constant.
    var r = [UInt8](repeating: 0, count: 4)
    XCTAssertEqual(qnnps_resize2d_nhwc(0, 1, 1, 2, 1, 1, 4, 0, 0, [3, 8] as [UInt8], &r), 0)
    XCTAssertEqual(r, [3, 3, 8, 8])
    XCTAssertEqual(qnnps_resize2d_nhwc(0, 1, 1, 2, 1, 2, 2, 1, 1, [5, 5] as [UInt8], &r), 0)
    XCTAssertEqual(r, [5, 5, 5, 5])
    XCTAssertEqual(qnnps_resize2d_nhwc(0, 1, 1, 2, 1, 2, 2, 0, 1, [5, 5] as [UInt8], &r), Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_resize2d_nhwc(0, 1, 1, 2, 1, 0, 2, 0, 0, [5, 5] as [UInt8], &r), Status.invalidParameter.rawValue)
  }

  /// Group norm (statistics per sample and group) and batch norm (given statistics) against
  /// the float64 definition; a constant group with eps 0 gives beta.
  func testNormalizeMatchesFloat64Definition() {
    var rng = SeededGenerator(seed: 25)
    let (batch, pixels, channels, groups) = (2, 5, 6, 3)
    let x = (0..<(batch * pixels * channels)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    let gamma = (0..<channels).map { _ in Double.random(in: 0.5...2, using: &rng) }
    let beta = (0..<channels).map { _ in Double.random(in: -1...1, using: &rng) }
    let (s, zp, os, ozp) = (Float(0.05), Int32(120), Float(0.02), Int32(128))
    func requantize(_ y: Double) -> UInt8 {
      UInt8(min(max((y / Double(os)).rounded(.toNearestOrEven) + Double(ozp), 0), 255))
    }
    var y = [UInt8](repeating: 0, count: x.count)
    XCTAssertEqual(qnnps_normalize_nwc(0, batch, pixels, channels, groups, s, zp, nil, nil, gamma, beta, 1e-5,
                                       os, ozp, 0, 255, x, &y), 0)
    var mismatches = 0
    for n in 0..<batch {
      for g in 0..<groups {
        let members = (0..<pixels).flatMap { p in (2 * g..<2 * g + 2).map { (n * pixels + p) * channels + $0 } }
        let d = members.map { Double(s) * Double(Int32(x[$0]) - zp) }
        let mean = d.reduce(0, +) / Double(d.count)
        let variance = d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d.count)
        for (i, index) in members.enumerated() {
          let c = index % channels
          let want = requantize((d[i] - mean) / (variance + 1e-5).squareRoot() * gamma[c] + beta[c])
          XCTAssertLessThanOrEqual(abs(Int(y[index]) - Int(want)), 1)
          if y[index] != want { mismatches += 1 }
        }
      }
    }
    XCTAssertLessThan(mismatches, 3)
    let mean = (0..<channels).map { Double($0) - 2 }, variance = (0..<channels).map { Double($0) + 1 }
    XCTAssertEqual(qnnps_normalize_nwc(0, batch, pixels, channels, 1, s, zp, mean, variance, nil, nil, 0, os, ozp,
                                       0, 255, x, &y), 0)
    for i in 0..<x.count {
      let c = i % channels
      XCTAssertEqual(y[i], requantize((Double(s) * Double(Int32(x[i]) - zp) - mean[c]) / variance[c].squareRoot()))
    }
    let constant = [UInt8](repeating: 7, count: 4)
    var z = [UInt8](repeating: 0, count: 4)
    XCTAssertEqual(qnnps_normalize_nwc(0, 1, 2, 2, 1, s, zp, nil, nil, nil, [0.1, -0.1], 0, os, ozp, 0, 255,
                                       constant, &z), 0)
    XCTAssertEqual(z, [133, 123, 133, 123])
    XCTAssertEqual(qnnps_normalize_nwc(0, 1, 2, 2, 1, s, zp, nil, nil, nil, nil, -1, os, ozp, 0, 255, constant, &z),
                   Status.invalidParameter.rawValue)
    XCTAssertEqual(qnnps_normalize_nwc(0, 1, 2, 3, 2, s, zp, nil, nil, nil, nil, 0, os, ozp, 0, 255, constant, &z),
                   Status.invalidParameter.rawValue)
  }
}
