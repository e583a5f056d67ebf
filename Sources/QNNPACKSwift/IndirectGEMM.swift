import QNNPACKAVX2
import QNNPACKKernels

/// The quantization arguments of every GEMM operator's create: weights (OHWI per group), their
/// per-channel qparams, an optional int32 bias, the input and output qparams. The pointers are
/// the caller's and valid only during the create.
struct GEMMArguments {
  let inputType, weightType: DType
  let inputScale: Float
  let inputZeroPoint: Int32
  let weights: UnsafeRawPointer
  let weightScales: UnsafePointer<Float>
  let weightZeroPoints: UnsafePointer<Int32>
  let bias: UnsafePointer<Int32>?
  let outputScale: Float
  let output: OutputQuantization
}

/// The C ABI create of a GEMM operator: decodes and checks the arguments all of them share, in
/// the ABI's order (dtypes, window, pointers, output clamp), then stores `make`'s operator in
/// `opOut`.
func createGEMMOperator(
  _ opOut: UnsafeMutablePointer<OpaquePointer?>?, _ inputDtype: Int32, _ weightDtype: Int32,
  kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int), padding: (Int, Int, Int, Int),
  _ inputScale: Float, _ inputZeroPoint: Int32, _ weights: UnsafeRawPointer?,
  _ weightScales: UnsafePointer<Float>?, _ weightZeroPoints: UnsafePointer<Int32>?, _ bias: UnsafePointer<Int32>?,
  _ outputScale: Float, _ outputZeroPoint: Int32, _ outputMin: Int32, _ outputMax: Int32,
  make: (Window2D, GEMMArguments) throws(Status) -> AnyObject
) -> Int32 {
  abiCall { () throws(Status) in
    let opOut = try nonNull(opOut)
    let inputType = try DType(code: inputDtype), weightType = try DType(code: weightDtype)
    let window = try Window2D(kernel: kernel, stride: stride, dilation: dilation, padding: padding)
    let arguments = try GEMMArguments(
      inputType: inputType, weightType: weightType, inputScale: inputScale, inputZeroPoint: inputZeroPoint,
      weights: nonNull(weights), weightScales: nonNull(weightScales), weightZeroPoints: nonNull(weightZeroPoints),
      bias: bias, outputScale: outputScale,
      output: inputType.output(zeroPoint: outputZeroPoint, min: outputMin, max: outputMax))
    publish(try make(window, arguments), opOut)
  }
}

/// The weights of a grouped GEMM operator while it is created: rows `g·goc + oc`, each
/// `taps × gic` steps (tap-major, OHWI), validated, with their requantization multipliers.
/// Convolutions have one row per output channel; a locally connected layer's groups are its
/// output pixels, whose rows share the per-channel qparams (`qparamChannels` = C_out; by
/// default every row has its own).
/// Pointers are the caller's and valid only during the create.
struct GroupedGEMMWeights {
  let groups, groupInputChannels, groupOutputChannels, taps: Int
  let paddedChannels, blocksPerGroup: Int
  let multipliers: [Float]
  private let raw: UnsafePointer<UInt8>
  private let signedWeights: Bool
  private let zeroPoints: UnsafePointer<Int32>
  private let biases: UnsafePointer<Int32>?
  private let qparamChannels: Int

  init(_ arguments: GEMMArguments, groups: Int, groupInputChannels: Int, groupOutputChannels: Int,
       taps: Int, qparamChannels: Int? = nil) throws(Status) {
    let a = arguments
    try require(a.inputType == .uint8 || a.weightType == .int8)  // int8 activations take int8 weights
    try require(groups >= 1 && groupInputChannels >= 1 && groupOutputChannels >= 1 && taps >= 1)
    try a.inputType.checkZeroPoint(a.inputZeroPoint)
    let rows = try checkedProduct(groups, groupOutputChannels)
    _ = try checkedProduct(rows, taps, groupInputChannels, 4)
    _ = try checkedProduct(groups, groupInputChannels, 2)
    let qparamChannels = qparamChannels ?? rows
    multipliers = try requantizationMultipliers(
      channels: qparamChannels, weightType: a.weightType, inputScale: a.inputScale, weightScales: a.weightScales,
      weightZeroPoints: a.weightZeroPoints, outputScale: a.outputScale)
    self.groups = groups
    self.groupInputChannels = groupInputChannels
    self.groupOutputChannels = groupOutputChannels
    self.taps = taps
    paddedChannels = (groupInputChannels + 1) & ~1
    blocksPerGroup = (groupOutputChannels + 15) / 16
    raw = a.weights.assumingMemoryBound(to: UInt8.self)
    signedWeights = a.weightType == .int8
    zeroPoints = a.weightZeroPoints
    biases = a.bias
    self.qparamChannels = qparamChannels
  }

  var rows: Int { groups * groupOutputChannels }

  /// `w − w_zp` of row `row` at step `k` of the full reduction (`tap · gic + ic`).
  @inline(__always)
  func weight(_ row: Int, _ k: Int) -> Int16 {
    let byte = raw[row * taps * groupInputChannels + k]
    let value = signedWeights ? Int16(Int8(bitPattern: byte)) : Int16(byte)
    return value - Int16(truncatingIfNeeded: zeroPoints[row % qparamChannels])
  }

  func bias(_ row: Int) -> Int32 { biases?[row] ?? 0 }

  func multiplier(_ row: Int) -> Float { multipliers[row % qparamChannels] }

  /// Exactness rule of every GEMM operator: `|acc| ≤ |bias| + 255·Σ|w − w_zp|` over the taps a
  /// row multiplies; where that can leave int32 the portable kernel (64-bit accumulators) runs.
  func kernelISA(taps subset: [Int]) -> ISA {
    guard currentISA >= .avx2 else { return .portable }
    for r in 0..<rows where accumulatorBound(r, taps: subset) > UInt64(Int32.max) { return .portable }
    return .avx2
  }

  /// `output` marked `convertsExactly` where every row's bound over all taps, times its
  /// multiplier, stays below 2³⁰ (as for almost every real layer: the float clamp only guards
  /// against extreme multipliers).
  func quantization(_ output: OutputQuantization) -> OutputQuantization {
    var q = output
    let all = Array(0..<taps)
    q.convertsExactly = (0..<rows).allSatisfy { r in
      Double(accumulatorBound(r, taps: all)) * Double(multiplier(r)) < 0x1p30
    }
    return q
  }

  private func accumulatorBound(_ r: Int, taps subset: [Int]) -> UInt64 {
    var bound = Int64(bias(r)).magnitude
    for tap in subset {
      for ic in 0..<groupInputChannels { bound += 255 * UInt64(weight(r, tap * groupInputChannels + ic).magnitude) }
    }
    return bound
  }

  /// Blocks of 16 rows per group (`groups × blocksPerGroup`; for AVX2 a last one of ≤ 8 rows
  /// is a half block) over the taps `subset` (in that order), each tap's input channels padded
  /// to whole int16 pairs.
  func pack(taps subset: [Int]) throws(Status) -> PackedGEMM {
    let padded = paddedChannels
    return try packBlocks(reduction: subset.count * padded, taps: subset) { row, k in
      let (t, ic) = k.quotientAndRemainder(dividingBy: padded)
      return ic < groupInputChannels ? weight(row, subset[t] * groupInputChannels + ic) : 0
    }
  }

  /// Blocks over the whole patch, `taps × gic` steps padded once to a whole pair: the layout of
  /// `PatchRows`. `narrow`: int8 weights (only where `weightsFitInt8` and the int16 blocks are
  /// AVX2's).
  func packPatch(narrow: Bool = false) throws(Status) -> PackedGEMM {
    try packBlocks(reduction: taps * groupInputChannels, taps: Array(0..<taps), narrow: narrow) { row, k in
      weight(row, k)
    }
  }

  /// Whether every `w − w_zp` fits in int8.
  var weightsFitInt8: Bool {
    for r in 0..<rows {
      for k in 0..<(taps * groupInputChannels) where Int8(exactly: weight(r, k)) == nil { return false }
    }
    return true
  }

  private func packBlocks(reduction: Int, taps subset: [Int], narrow: Bool = false,
                          weight: (_ row: Int, _ k: Int) -> Int16) throws(Status) -> PackedGEMM {
    let blockBytes = PackedWeights.blockBytes(pairs: (reduction + 1) / 2, narrow: narrow)
    let packed = try AlignedBuffer(byteCount: checkedProduct(groups, blocksPerGroup, blockBytes))
    // int8 blocks run only with AVX2, and only where the int16 ones do.
    let isa = narrow ? .avx2 : kernelISA(taps: subset)
    for g in 0..<groups {
      for b in 0..<blocksPerGroup {
        let base = g * groupOutputChannels + b * 16
        let block = packed.pointer + (g * blocksPerGroup + b) * blockBytes
        let channels = min(16, groupOutputChannels - b * 16)
        // The AVX2 kernels take a last block of ≤ 8 channels as a half block (`gemmTile`).
        let half = isa != .portable && channels <= PackedWeights.halfLanes
        packWeightBlock(block, channels: channels, reduction: reduction, narrow: narrow,
                        lanes: half ? PackedWeights.halfLanes : PackedWeights.lanes,
                        weight: { c, k in weight(base + c, k) },
                        bias: { c in bias(base + c) }, multiplier: { c in multiplier(base + c) })
      }
    }
    return PackedGEMM(packed: packed, blockBytes: blockBytes, blocksPerGroup: blocksPerGroup, kernelISA: isa)
  }
}

/// Packed GEMM blocks and the kernel family their sums allow.
struct PackedGEMM {
  let packed: AlignedBuffer
  let blockBytes, blocksPerGroup: Int
  let kernelISA: ISA

  func block(group: Int, _ b: Int) -> UnsafeRawPointer {
    UnsafeRawPointer(packed.pointer + (group * blocksPerGroup + b) * blockBytes)
  }
}

/// For `qs16GEMM4x16WinogradDotAVX2`: each block's 16 biases (lane order) less its column terms
/// `Σ_q y[2q]·y[2q + 2] + y[2q + 1]·y[2q + 3]` over its first `pairs` pairs, wrapping like the kernel.
func winogradDotBiases(_ blocks: PackedGEMM, pairs: Int) throws(Status) -> AlignedBuffer {
  let count = blocks.packed.byteCount / blocks.blockBytes
  let biases = try AlignedBuffer(count: checkedProduct(count, PackedWeights.lanes), of: Int32.self)
  let out = biases.typed(Int32.self)
  let pairElements = PackedWeights.pairBytes / 2
  for b in 0..<count {
    let block = blocks.packed.pointer + b * blocks.blockBytes
    let bias = block.assumingMemoryBound(to: Int32.self)
    let y = (block + PackedWeights.headerBytes).assumingMemoryBound(to: Int16.self)
    for lane in 0..<PackedWeights.lanes {
      var term: Int32 = 0
      for q in 0..<(pairs / 2) {
        let y01 = y + 2 * q * pairElements + 2 * lane, y23 = y01 + pairElements
        term = term &+ Int32(y01[0]) &* Int32(y23[0]) &+ Int32(y01[1]) &* Int32(y23[1])
      }
      out[b * PackedWeights.lanes + lane] = bias[lane] &- term
    }
  }
  return biases
}

/// Validated weight qparams and the requantization multipliers
/// `f32(f32(input_scale) · f32(w_scale[c])) / f32(output_scale)` of API.md §3.
func requantizationMultipliers(
  channels: Int, weightType: DType, inputScale: Float, weightScales: UnsafePointer<Float>,
  weightZeroPoints: UnsafePointer<Int32>, outputScale: Float
) throws(Status) -> [Float] {
  try checkScale(inputScale)
  try checkScale(outputScale)
  var multipliers = [Float](repeating: 0, count: channels)
  for c in 0..<channels {
    try checkScale(weightScales[c])
    try weightType.checkZeroPoint(weightZeroPoints[c])
    multipliers[c] = try checkMultiplier((inputScale * weightScales[c]) / outputScale)
  }
  return multipliers
}

/// `q8ToS16Rows` (or its AVX2 twin) of `pixels` pixels for either activation dtype, threads
/// splitting the pixels. With `rowTerms`, each task also writes its rows' Winograd row terms
/// per group (`qs16WinogradDotRowTermsAVX2`, over whole rows of `paddedChannels`).
func convertToS16RowsInParallel(
  _ type: DType, _ input: UnsafeRawPointer, pixels: Int, groups: Int, channels: Int,
  paddedChannels: Int, zeroPoint: Int32, output: UnsafeMutablePointer<Int16>,
  rowTerms: UnsafeMutablePointer<Int32>? = nil
) {
  // Small images (late layers) still split in ~8 parts.
  let chunk = max(16, min(256, pixels / 8))
  let inputLength = groups * channels, rowLength = groups * paddedChannels
  // Weighed as element operations, like `parallelRows`: 8 multiply-accumulates each.
  parallelFor((pixels + chunk - 1) / chunk, work: 8 * pixels * rowLength) { i in
    let first = i * chunk
    convertToS16Rows(type, input + first * inputLength, pixels: min(chunk, pixels - first), groups: groups,
                     channels: channels, paddedChannels: paddedChannels, zeroPoint: zeroPoint,
                     output: output + first * rowLength)
    if let rowTerms {
      qs16WinogradDotRowTermsAVX2(output + first * rowLength, segments: min(chunk, pixels - first) * groups,
                                  segmentStride: paddedChannels, pairs: paddedChannels / 2,
                                  terms: rowTerms + first * groups)
    }
  }
}

/// `convertToS16Rows` of `pixels` pixels on the calling thread.
func convertToS16Rows(
  _ type: DType, _ input: UnsafeRawPointer, pixels: Int, groups: Int, channels: Int,
  paddedChannels: Int, zeroPoint: Int32, output: UnsafeMutablePointer<Int16>
) {
  if currentISA >= .avx2 {
    q8ToS16RowsAVX2(input, signed: type == .int8, segments: pixels * groups, channels: channels,
                    paddedChannels: paddedChannels, zeroPoint: zeroPoint, output: output)
    return
  }
  switch type {
  case .uint8:
    q8ToS16Rows(input.assumingMemoryBound(to: UInt8.self), pixels: pixels, groups: groups, channels: channels,
                paddedChannels: paddedChannels, zeroPoint: zeroPoint, output: output)
  case .int8:
    q8ToS16Rows(input.assumingMemoryBound(to: Int8.self), pixels: pixels, groups: groups, channels: channels,
                paddedChannels: paddedChannels, zeroPoint: zeroPoint, output: output)
  }
}

/// What a GEMM tile writes: requantized activations, or float32 `f32(acc) · f32(scale · m[c])`
/// (dynamic linear; `m` holds the weight scales then).
enum GEMMEpilogue {
  case quantized(DType, OutputQuantization)
  case dequantized(scale: Float)

  var elementBytes: Int {
    switch self {
    case .quantized: 1
    case .dequantized: 4
    }
  }
}

/// `rows` GEMM rows (`taps` indirection entries each) times `columns` columns: one block of up
/// to 16, or more from consecutive blocks `blockStride` bytes apart; in tiles of up to 4 rows
/// (AVX2: 4, or 8 on a half block, or one or two rows × two int8 blocks). Output row `r` starts
/// `r · outputStride` elements after `output`.
@inline(__always)
func gemmRows(
  _ isa: ISA, _ epilogue: GEMMEpilogue, rows: Int, columns: Int, taps: Int, pairsPerTap: Int,
  a: UnsafePointer<UnsafePointer<Int16>>, aOffset: Int, block: UnsafeRawPointer, narrowWeights: Bool = false,
  blockStride: Int = 0, output: UnsafeMutableRawPointer, outputStride: Int
) {
  var first = 0
  if rows <= 2, narrowWeights, case .quantized(let type, let q) = epilogue {
    // Two full int8 blocks at a time (int8 blocks are AVX2's and span one tap).
    while columns - first > PackedWeights.lanes + PackedWeights.halfLanes {
      qs16IGEMM2x32AVX2(rows: rows, columns: min(32, columns - first), pairs: pairsPerTap, a: a, aOffset: aOffset,
                        block: block + first / 16 * blockStride, blockStride: blockStride, output: output + first,
                        outputStride: outputStride, quantization: q, signedOutput: type == .int8)
      first += 32
    }
  }
  while first < columns {
    blockRows(isa, epilogue, rows: rows, columns: min(16, columns - first), taps: taps, pairsPerTap: pairsPerTap,
              a: a, aOffset: aOffset, block: block + first / 16 * blockStride, narrowWeights: narrowWeights,
              output: output + first * epilogue.elementBytes, outputStride: outputStride)
    first += 16
  }
}

/// `gemmRows` on one block.
@inline(__always)
private func blockRows(
  _ isa: ISA, _ epilogue: GEMMEpilogue, rows: Int, columns: Int, taps: Int, pairsPerTap: Int,
  a: UnsafePointer<UnsafePointer<Int16>>, aOffset: Int, block: UnsafeRawPointer, narrowWeights: Bool,
  output: UnsafeMutableRawPointer, outputStride: Int
) {
  if isa != .portable {
    // The AVX2 kernels walk the tiles themselves.
    gemmTile(isa, epilogue, rows: rows, columns: columns, taps: taps, pairsPerTap: pairsPerTap, a: a,
             aOffset: aOffset, block: block, narrowWeights: narrowWeights, output: output, outputStride: outputStride)
    return
  }
  let rowBytes = outputStride * epilogue.elementBytes
  var r = 0
  while r < rows {
    gemmTile(isa, epilogue, rows: min(4, rows - r), columns: columns, taps: taps, pairsPerTap: pairsPerTap,
             a: a + r * taps, aOffset: aOffset, block: block, output: output + r * rowBytes,
             outputStride: outputStride)
    r += 4
  }
}

/// A buffer of `pixels + 1` int16 rows of `rowLength`: the input's rows (filled by
/// `convertToS16Rows`), then one zero row that taps outside the input read.
struct S16Rows {
  let buffer: AlignedBuffer
  let rows: UnsafeMutablePointer<Int16>
  let zero: UnsafePointer<Int16>
  let rowLength: Int

  init(pixels: Int, rowLength: Int) throws(Status) {
    buffer = try AlignedBuffer(count: checkedProduct(pixels + 1, rowLength), of: Int16.self)
    rows = buffer.typed(Int16.self)
    (rows + pixels * rowLength).initialize(repeating: 0, count: rowLength)
    zero = UnsafePointer(rows + pixels * rowLength)
    self.rowLength = rowLength
  }

  /// The `taps` indirection entries of output pixel (oy, ox) of image `n`: each tap's input
  /// row, or the zero row where the tap falls outside the input.
  @inline(__always)
  func fillIndirection(_ entry: UnsafeMutablePointer<UnsafePointer<Int16>>, window: Window2D,
                       n: Int, oy: Int, ox: Int, height: Int, width: Int) {
    entry.initialize(repeating: zero, count: window.taps)
    window.forEachValidTap(oy: oy, ox: ox, height: height, width: width) { tap, iy, ix in
      entry[tap] = UnsafePointer(rows + ((n * height + iy) * width + ix) * rowLength)
    }
  }
}

/// im2col rows for a convolution with few input channels: each output pixel's taps copied from
/// its `S16Rows` entries into one row of `taps × C` int16 (or, with AVX2 and kernel rows of
/// 8–16 contiguous values, widened from the activations directly), so the GEMM runs one pass
/// of `pairs` pairs instead of `taps` short passes each padded to a whole pair (`packPatch`).
/// Taps are copied in order with their pad element, each overwriting the previous pad; the row
/// stride leaves room for the last one's.
struct PatchRows {
  /// Odd channel counts up to this (even ones waste no padding and lose to the copies).
  static let maxChannels = 7
  let buffer: AlignedBuffer
  let table: AlignedBuffer
  let stride, pairs: Int

  init(rows: Int, taps: Int, channels: Int, paddedChannels: Int) throws(Status) {
    (stride, pairs) = Self.shape(taps: taps, channels: channels, paddedChannels: paddedChannels)
    buffer = try AlignedBuffer(count: checkedProduct(rows, stride), of: Int16.self)
    table = try AlignedBuffer(count: rows, of: UnsafePointer<Int16>.self)
    let first = buffer.typed(Int16.self), entries = table.typed(UnsafePointer<Int16>.self)
    for r in 0..<rows { entries[r] = UnsafePointer(first + r * stride) }
  }

  /// A row's int16 (even) and its reduction pairs.
  static func shape(taps: Int, channels: Int, paddedChannels: Int) -> (stride: Int, pairs: Int) {
    (((taps - 1) * channels + paddedChannels + 1) & ~1, (taps * channels + 1) / 2)
  }

  var rows: UnsafePointer<UnsafePointer<Int16>> { UnsafePointer(table.typed(UnsafePointer<Int16>.self)) }

  /// Fills the rows from the indirection (`taps` entries per row), threads splitting the rows.
  func fill(from indirection: UnsafePointer<UnsafePointer<Int16>>, rows count: Int, taps: Int, channels: Int,
            paddedChannels: Int) {
    let chunk = 256
    parallelFor((count + chunk - 1) / chunk, work: 8 * count * taps * paddedChannels) { i in
      let rows = (i * chunk)..<min(count, (i + 1) * chunk)
      // One loop per copy size (a variable-length copy would become memcpy calls).
      switch paddedChannels {
      case 2: fill(rows, indirection, taps, channels, UInt32.self)
      case 4: fill(rows, indirection, taps, channels, UInt64.self)
      case 6: fill(rows, indirection, taps, channels, (UInt32, UInt32, UInt32).self)
      default: fill(rows, indirection, taps, channels, SIMD2<UInt64>.self)
      }
    }
  }

  /// Whether `fill(from input:…)` can build the rows (AVX2): kernel rows of 8…16 contiguous values.
  static func fillsFromInput(window: Window2D, channels: Int) -> Bool {
    window.dilationWidth == 1 && (8...16).contains(window.kernelWidth * channels)
  }

  /// Fills the rows straight from the activations, threads splitting the rows; the input
  /// needs no int16 rows or indirection.
  func fill(from input: UnsafeRawPointer, type: DType, batch: Int, height: Int, width: Int, channels: Int,
            window: Window2D, outputSize: (height: Int, width: Int), zeroPoint: Int32) {
    let count = batch * outputSize.height * outputSize.width
    let chunk = 256
    let base = buffer.typed(Int16.self), stride = stride
    parallelFor((count + chunk - 1) / chunk, work: 8 * count * window.taps * channels) { i in
      let first = i * chunk
      Self.fill(base + first * stride, stride: stride, first: first, count: min(chunk, count - first), from: input,
                type: type, batch: batch, height: height, width: width, channels: channels, window: window,
                outputSize: outputSize, zeroPoint: zeroPoint)
    }
  }

  /// Patch rows `first..<first + count` (over the batch) straight from the activations
  /// (`q8ToS16PatchRowsAVX2`), at `rows + i·stride`.
  static func fill(_ rows: UnsafeMutablePointer<Int16>, stride: Int, first: Int, count: Int, from input: UnsafeRawPointer,
                   type: DType, batch: Int, height: Int, width: Int, channels: Int, window: Window2D,
                   outputSize: (height: Int, width: Int), zeroPoint: Int32) {
    q8ToS16PatchRowsAVX2(input, inputBytes: batch * height * width * channels, signed: type == .int8, height: height,
                         width: width, channels: channels, kernelHeight: window.kernelHeight,
                         kernelWidth: window.kernelWidth, strideHeight: window.strideHeight,
                         strideWidth: window.strideWidth, dilationHeight: window.dilationHeight,
                         padTop: window.padTop, padLeft: window.padLeft, outputHeight: outputSize.height,
                         outputWidth: outputSize.width, zeroPoint: zeroPoint, first: first, count: count,
                         rows: rows, stride: stride)
  }

  @inline(__always)
  private func fill<Tap>(_ rows: Range<Int>, _ indirection: UnsafePointer<UnsafePointer<Int16>>, _ taps: Int,
                         _ channels: Int, _: Tap.Type) {
    let base = buffer.typed(Int16.self)
    for r in rows {
      let dst = UnsafeMutableRawPointer(base + r * stride)
      let entries = indirection + r * taps
      for t in 0..<taps {
        dst.storeBytes(of: UnsafeRawPointer(entries[t]).loadUnaligned(as: Tap.self), toByteOffset: 2 * t * channels,
                       as: Tap.self)
      }
    }
  }
}

/// One tile of up to 4 rows (any number for AVX2) × one block with the kernel of `isa`;
/// int8 (`narrowWeights`) blocks only with AVX2, whose blocks of ≤ 8 columns are half blocks
/// (`GroupedGEMMWeights.pack`).
@inline(__always)
func gemmTile(
  _ isa: ISA, _ epilogue: GEMMEpilogue, rows: Int, columns: Int, taps: Int, pairsPerTap: Int,
  a: UnsafePointer<UnsafePointer<Int16>>, aOffset: Int, block: UnsafeRawPointer, narrowWeights: Bool = false,
  output: UnsafeMutableRawPointer, outputStride: Int
) {
  switch (isa, epilogue) {
  case (.portable, .quantized(.uint8, let q)):
    qs16IGEMM4x16Portable(rows: rows, columns: columns, taps: taps, pairsPerTap: pairsPerTap, a: a, aOffset: aOffset,
                          block: block, output: output.assumingMemoryBound(to: UInt8.self),
                          outputStride: outputStride, quantization: q)
  case (.portable, .quantized(.int8, let q)):
    qs16IGEMM4x16Portable(rows: rows, columns: columns, taps: taps, pairsPerTap: pairsPerTap, a: a, aOffset: aOffset,
                          block: block, output: output.assumingMemoryBound(to: Int8.self),
                          outputStride: outputStride, quantization: q)
  case (.portable, .dequantized(let scale)):
    qs16IGEMM4x16PortableDequantized(rows: rows, columns: columns, taps: taps, pairsPerTap: pairsPerTap, a: a,
                                     aOffset: aOffset, block: block, scale: scale,
                                     output: output.assumingMemoryBound(to: Float.self), outputStride: outputStride)
  case (_, .quantized(let type, let q)) where columns <= PackedWeights.halfLanes:
    qs16IGEMM8x8AVX2(rows: rows, columns: columns, taps: taps, pairsPerTap: pairsPerTap, a: a, aOffset: aOffset,
                     block: block, narrowWeights: narrowWeights, output: output, outputStride: outputStride,
                     quantization: q, signedOutput: type == .int8)
  case (_, .quantized(let type, let q)):
    qs16IGEMM4x16AVX2(rows: rows, columns: columns, taps: taps, pairsPerTap: pairsPerTap, a: a, aOffset: aOffset,
                      block: block, narrowWeights: narrowWeights, output: output, outputStride: outputStride,
                      quantization: q,
                      signedOutput: type == .int8)
  case (_, .dequantized(let scale)) where columns <= PackedWeights.halfLanes:
    qs16IGEMM8x8AVX2Dequantized(rows: rows, columns: columns, taps: taps, pairsPerTap: pairsPerTap, a: a,
                                aOffset: aOffset, block: block, narrowWeights: narrowWeights, scale: scale,
                                output: output.assumingMemoryBound(to: Float.self), outputStride: outputStride)
  case (_, .dequantized(let scale)):
    qs16IGEMM4x16AVX2Dequantized(rows: rows, columns: columns, taps: taps, pairsPerTap: pairsPerTap, a: a,
                                 aOffset: aOffset, block: block, narrowWeights: narrowWeights, scale: scale,
                                 output: output.assumingMemoryBound(to: Float.self), outputStride: outputStride)
  }
}
