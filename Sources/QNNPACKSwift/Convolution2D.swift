import QNNPACKAVX2
import QNNPACKKernels

/// A prepacked 2-D convolution over NHWC (QNNPACK's create → run). Grouped convolutions run
/// as an indirect GEMM over int16 rows; `group_input_channels == 1` (depthwise, with any
/// channel multiplier) runs a direct kernel per output row. Fully connected layers are 1×1
/// convolutions over a `[batch, 1, 1, K]` input.
final class Convolution2D: @unchecked Sendable {
  let inputType: DType
  let window: Window2D
  let groups, groupInputChannels, groupOutputChannels: Int
  let inputZeroPoint: Int32
  let quantization: OutputQuantization
  let depthwise: Bool
  /// `.avx2` or `.portable`; portable also where a sum could leave int32 (it accumulates in 64 bits).
  let kernelISA: ISA
  let packed: AlignedBuffer
  let blockBytes: Int
  let blocksPerGroup: Int
  /// GEMM: channels of a group in the int16 rows, rounded up to whole pairs.
  let paddedChannels: Int
  /// Depthwise: the input zero point, `outputChannels` times, read for padding taps.
  let zeroRow: AlignedBuffer?
  /// Depthwise 3×3 stride 1 without a channel multiplier, whole 16-channel blocks, AVX2: the
  /// blocks of `q8DWConv3x3S1RowAVX2` (taps paired vertically). Set by the depthwise init only.
  private(set) var verticalPacked: AlignedBuffer?
  static let verticalBlockBytes = PackedWeights.blockBytes(pairs: 6)
  /// Fully connected layers: the blocks again with int8 weights (where they fit), streamed at
  /// half the bytes when a run has too few rows to reuse the weights. Set by the GEMM init only.
  private(set) var narrowPacked: PackedGEMM?
  /// Ungrouped 3×3 stride 1 on AVX2, where its sums allow: the Winograd path. Set by the GEMM init only.
  private(set) var winograd: Winograd3x3?
  /// 1×1 stride 1 on AVX2 with `winogradDotChannels` or more input and output channels per
  /// group: the biases of `qs16GEMM4x16WinogradDotAVX2`. Set by the GEMM init only.
  private(set) var dotBiases: AlignedBuffer?
  /// Below this the Winograd inner product loses: its row terms are paid once per row, its
  /// saving per block (measured: 16 → 96 channels at 112² 10 % slower, 24 → 144 at 56² 10 %,
  /// 32 → 16 at 112² 8 %; 32 → 192 at 28² 6 % faster, 128 → 128 at 28² 9 %).
  static let winogradDotChannels = 32
  /// Depthwise: indirection of the last input shape; taken while a run uses it.
  private let cachedDepthwise = Locked<DepthwiseWorkspace?>(nil)
  /// Input rows and indirection of the last input shape; taken while a run uses it.
  private let cachedWorkspace = Locked<Workspace?>(nil)

  var inputChannels: Int { groups * groupInputChannels }
  /// GEMM over whole patches (`PatchRows`, packed by `packPatch`): one group of few channels.
  var usesPatches: Bool {
    !depthwise && Self.usesPatches(groups: groups, groupInputChannels: groupInputChannels, taps: window.taps)
  }

  static func usesPatches(groups: Int, groupInputChannels: Int, taps: Int) -> Bool {
    groups == 1 && taps > 1 && groupInputChannels % 2 == 1 && groupInputChannels <= PatchRows.maxChannels
  }
  var outputChannels: Int { groups * groupOutputChannels }
  /// Patch rows whose kernel rows are 8–16 contiguous values (a first layer: 3 channels, 3×3)
  /// widen from the activations directly, without int16 rows, indirection and tap copies:
  /// 224²×3 → 112²×32 s2, 360 → 313 µs.
  var patchesFromInput: Bool {
    usesPatches && kernelISA == .avx2 && PatchRows.fillsFromInput(window: window, channels: groupInputChannels)
  }

  init(
    window: Window2D, groups: Int, groupInputChannels: Int, groupOutputChannels: Int,
    arguments: GEMMArguments, allowDepthwise: Bool = true, narrowWeights: Bool = false
  ) throws(Status) {
    let gemm = try GroupedGEMMWeights(
      arguments, groups: groups, groupInputChannels: groupInputChannels,
      groupOutputChannels: groupOutputChannels, taps: window.taps)
    inputType = arguments.inputType
    self.window = window
    self.groups = groups
    self.groupInputChannels = groupInputChannels
    self.groupOutputChannels = groupOutputChannels
    inputZeroPoint = arguments.inputZeroPoint
    quantization = gemm.quantization(arguments.output)
    depthwise = allowDepthwise && groupInputChannels == 1
    let allTaps = Array(0..<window.taps)

    if depthwise {
      // One block per 16 output channels over all groups; the reduction is the taps, in the
      // kernels' column-major order (kx, ky) so neighbouring pixels share indirection entries.
      let outputChannels = gemm.rows
      let kh = window.kernelHeight, kw = window.kernelWidth
      let tapOrder = (0..<window.taps).map { t in (t % kh) * kw + t / kh }
      // AVX2 takes the input zero point folded into the bias (see q8DWConvRowAVX2). Each partial
      // sum, folded bias included, is the bias plus terms (x − x_zp)·w' or −x_zp·w', all within
      // 255·|w'|: the GEMM rule keeps every one of them in int32.
      kernelISA = gemm.kernelISA(taps: allTaps)
      let zp = kernelISA == .portable ? 0 : Int64(arguments.inputZeroPoint)
      let biases = (0..<outputChannels).map { r in
        Int32(Int64(gemm.bias(r)) - zp * (0..<window.taps).reduce(0) { $0 + Int64(gemm.weight(r, $1)) })
      }
      paddedChannels = 1
      blocksPerGroup = (outputChannels + 15) / 16
      blockBytes = PackedWeights.blockBytes(pairs: (window.taps + 1) / 2)
      packed = try AlignedBuffer(byteCount: checkedProduct(blocksPerGroup, blockBytes))
      for b in 0..<blocksPerGroup {
        let base = b * 16
        packWeightBlock(packed.pointer + b * blockBytes, channels: min(16, outputChannels - base),
                        reduction: window.taps, weight: { c, k in gemm.weight(base + c, tapOrder[k]) },
                        bias: { c in biases[base + c] }, multiplier: { c in gemm.multiplier(base + c) })
      }
      let zeros = try AlignedBuffer(byteCount: outputChannels)
      zeros.pointer.initializeMemory(as: UInt8.self, repeating: UInt8(truncatingIfNeeded: inputZeroPoint),
                                     count: outputChannels)
      zeroRow = zeros
      if kernelISA == .avx2 && kh == 3 && kw == 3 && window.strideHeight == 1 && window.strideWidth == 1
        && window.dilationHeight == 1 && window.dilationWidth == 1 && groupOutputChannels == 1
        && outputChannels % 16 == 0 {
        let vertical = try AlignedBuffer(byteCount: checkedProduct(blocksPerGroup, Self.verticalBlockBytes))
        for b in 0..<blocksPerGroup {
          let base = b * 16
          // Reduction k: kernel column k / 4, rows 0, 1, 2 and a zero weight.
          packWeightBlock(vertical.pointer + b * Self.verticalBlockBytes, channels: 16, reduction: 12,
                          weight: { c, k in k % 4 == 3 ? 0 : gemm.weight(base + c, (k % 4) * 3 + k / 4) },
                          bias: { c in biases[base + c] }, multiplier: { c in gemm.multiplier(base + c) })
        }
        verticalPacked = vertical
      }
    } else {
      // Per group, blocks of 16 output channels over every tap (or over whole patches).
      let patches = Self.usesPatches(groups: groups, groupInputChannels: groupInputChannels, taps: window.taps)
      let blocks = try patches ? gemm.packPatch() : gemm.pack(taps: allTaps)
      kernelISA = blocks.kernelISA
      paddedChannels = gemm.paddedChannels
      blocksPerGroup = gemm.blocksPerGroup
      blockBytes = blocks.blockBytes
      packed = blocks.packed
      zeroRow = nil
      winograd = try Winograd3x3.make(window: window, gemm: gemm, arguments: arguments, kernelISA: kernelISA)
      if window.isPointwise && !patches && kernelISA == .avx2 && paddedChannels >= Self.winogradDotChannels
        && groupOutputChannels >= Self.winogradDotChannels {
        dotBiases = try winogradDotBiases(blocks, pairs: paddedChannels / 2)
      }
      if narrowWeights && window.taps == 1 && groups == 1 && kernelISA == .avx2 && gemm.weightsFitInt8 {
        narrowPacked = try gemm.packPatch(narrow: true)
      }
    }
  }

  func run(batch: Int, height: Int, width: Int,
           input: UnsafeRawPointer?, output: UnsafeMutableRawPointer?) throws(Status) {
    try require(batch >= 0)
    let size = try window.outputSize(height: height, width: width)
    if batch == 0 { return }
    let input = try nonNull(input)
    let output = try nonNull(output)
    _ = try checkedProduct(batch, height, width, inputChannels, 2)
    _ = try checkedProduct(batch, size.height, size.width, outputChannels)
    if depthwise {
      try runDepthwise(batch: batch, height: height, width: width, outputSize: size, input: input, output: output)
    } else if let winograd, Winograd3x3.pays(outputSize: size) {
      try winograd.run(batch: batch, height: height, width: width, outputSize: size, input: input, output: output)
    } else {
      try runGEMM(batch: batch, height: height, width: width, outputSize: size, input: input,
                  zeroPoint: inputZeroPoint, epilogue: .quantized(inputType, quantization), output: output)
    }
  }

  private func runDepthwise(batch: Int, height: Int, width: Int, outputSize: (height: Int, width: Int),
                            input: UnsafeRawPointer, output: UnsafeMutableRawPointer) throws(Status) {
    // Measured against q8DWConvRowAVX2, whose per-pixel set-up (nine tap pointers) the
    // vertical kernel saves: 56²×16 −32 %, 56²×32 −20 %, 56²×64 −12 %, 112²×32 −22 %; with
    // the lean epilogue (which only the vertical kernel gains from) 28²×192 −15 %, 14²×576
    // −12 %, 7²×960 −8 % (with both clamps these last three are within ±4 %).
    if let verticalPacked {
      runDepthwise3x3S1(batch: batch, height: height, width: width, outputSize: outputSize, blocks: verticalPacked,
                        input: input, output: output)
      return
    }
    let workspace = try takeDepthwiseWorkspace(batch: batch, height: height, width: width, outputSize: outputSize)
    defer { cachedDepthwise.offer(workspace) }
    let (oh, ow) = outputSize
    let c = outputChannels
    // A channel multiplier runs as multiplier 1 over the input with each channel repeated.
    let source: UnsafeRawPointer
    if let expanded = workspace.expanded {
      expandChannels(input, pixels: batch * height * width, into: expanded.pointer)
      source = UnsafeRawPointer(expanded.pointer)
    } else {
      source = input
    }
    let imageBytes = height * width * c
    let rowEntries = workspace.rowEntries, step = workspace.step
    let offsets = UnsafePointer(workspace.offsets.typed(Int.self))
    // A depthwise multiply-accumulate costs ~4 of the GEMM's (one int16 pair per two taps).
    parallelFor(batch * oh, work: 4 * batch * oh * ow * c * window.taps) { task in
      let (n, oy) = task.quotientAndRemainder(dividingBy: oh)
      depthwiseRow(pixels: ow, offsets: offsets + oy * rowEntries, step: step, input: source + n * imageBytes,
                   output: output + task * ow * c)
    }
  }

  /// Depthwise 3×3 stride 1 by output rows: each reads its three input rows directly.
  private func runDepthwise3x3S1(batch: Int, height: Int, width: Int, outputSize: (height: Int, width: Int),
                                 blocks: AlignedBuffer, input: UnsafeRawPointer, output: UnsafeMutableRawPointer) {
    let (oh, ow) = outputSize
    let c = outputChannels
    let rowBytes = width * c, imageBytes = height * rowBytes
    let zero = UnsafeRawPointer(zeroRow!.pointer)
    parallelFor(batch * oh, work: 4 * batch * oh * ow * c * window.taps) { task in
      let (n, oy) = task.quotientAndRemainder(dividingBy: oh)
      @inline(__always) func row(_ ky: Int) -> UnsafeRawPointer? {
        let iy = oy - window.padTop + ky
        return 0 <= iy && iy < height ? input + n * imageBytes + iy * rowBytes : nil
      }
      q8DWConv3x3S1RowAVX2(pixels: ow, channels: c, width: width, padLeft: window.padLeft, top: row(0),
                           middle: row(1), bottom: row(2), zero: zero, blocks: blocks.pointer,
                           blockBytes: Self.verticalBlockBytes, output: output + task * ow * c,
                           quantization: quantization, signedIO: inputType == .int8)
    }
  }

  /// `pixels` output pixels of one row; `step` indirection entries from one pixel to the next.
  @inline(__always)
  private func depthwiseRow(pixels: Int, offsets: UnsafePointer<Int>, step: Int, input: UnsafeRawPointer,
                            output: UnsafeMutableRawPointer) {
    let zero = UnsafeRawPointer(zeroRow!.pointer)
    switch (kernelISA, inputType) {
    case (.portable, .uint8): portableDepthwiseRow(pixels, offsets, step, input, zero, output, as: UInt8.self)
    case (.portable, .int8): portableDepthwiseRow(pixels, offsets, step, input, zero, output, as: Int8.self)
    default:
      q8DWConvRowAVX2(pixels: pixels, channels: outputChannels, taps: window.taps, offsets: offsets, step: step,
                      input: input, zero: zero, blocks: packed.pointer, blockBytes: blockBytes, output: output,
                      quantization: quantization, signedIO: inputType == .int8)
    }
  }

  private func portableDepthwiseRow<T: QuantizedElement>(
    _ pixels: Int, _ offsets: UnsafePointer<Int>, _ step: Int, _ input: UnsafeRawPointer, _ zero: UnsafeRawPointer,
    _ output: UnsafeMutableRawPointer, as _: T.Type
  ) {
    q8DWConvRowPortable(pixels: pixels, channels: outputChannels, taps: window.taps, offsets: offsets, step: step,
                        input: input.assumingMemoryBound(to: T.self), zero: zero.assumingMemoryBound(to: T.self),
                        zeroPoint: inputZeroPoint, blocks: packed.pointer, blockBytes: blockBytes,
                        output: output.assumingMemoryBound(to: T.self), quantization: quantization)
  }

  /// Each input channel `groupOutputChannels` times in a row, threads splitting the pixels.
  private func expandChannels(_ input: UnsafeRawPointer, pixels: Int, into expanded: UnsafeMutableRawPointer) {
    let m = groupOutputChannels, chunk = 256
    let source = input.assumingMemoryBound(to: UInt8.self)
    let target = expanded.assumingMemoryBound(to: UInt8.self)
    parallelFor((pixels + chunk - 1) / chunk, work: pixels * outputChannels) { i in
      let elements = (i * chunk * groups)..<(min(pixels, (i + 1) * chunk) * groups)
      if m == 2 {  // the common multiplier, as one vectorizable 16-bit store per element
        let pairs = expanded.assumingMemoryBound(to: UInt16.self)
        for e in elements { pairs[e] = UInt16(source[e]) &* 0x0101 }
      } else {
        for e in elements {
          let value = source[e]
          for j in 0..<m { target[e * m + j] = value }
        }
      }
    }
  }

  /// The cached depthwise workspace if it fits this input shape, else a new one. Concurrent
  /// runs each get their own.
  private func takeDepthwiseWorkspace(batch: Int, height: Int, width: Int,
                                      outputSize: (height: Int, width: Int)) throws(Status) -> DepthwiseWorkspace {
    let cached = cachedDepthwise.take()
    // The indirection is per image; only the expanded input depends on the batch.
    if let cached, cached.height == height, cached.width == width, cached.expanded == nil || cached.batch == batch {
      return cached
    }

    let (oh, ow) = outputSize
    let kh = window.kernelHeight, kw = window.kernelWidth
    // Pixel ox + 1's tap (kx, ky) is pixel ox's (kx + stride, ky) without dilation: entries
    // are column-major per pixel and shared.
    let step = (window.dilationWidth == 1 ? min(window.strideWidth, kw) : kw) * kh
    _ = try checkedProduct(ow, window.taps)  // bounds rowEntries
    let rowEntries = window.taps + (ow - 1) * step
    let offsets = try AlignedBuffer(count: checkedProduct(oh, rowEntries), of: Int.self)
    let table = offsets.typed(Int.self)
    let pixelBytes = outputChannels
    for oy in 0..<oh {
      for ox in 0..<ow {
        for kx in 0..<kw {
          let ix = ox * window.strideWidth - window.padLeft + kx * window.dilationWidth
          for ky in 0..<kh {
            let iy = oy * window.strideHeight - window.padTop + ky * window.dilationHeight
            let inside = 0 <= iy && iy < height && 0 <= ix && ix < width
            table[oy * rowEntries + ox * step + kx * kh + ky] = inside ? (iy * width + ix) * pixelBytes : -1
          }
        }
      }
    }
    let expanded = groupOutputChannels > 1
      ? try AlignedBuffer(byteCount: checkedProduct(batch, height, width, outputChannels)) : nil
    return DepthwiseWorkspace(batch: batch, height: height, width: width, step: step, rowEntries: rowEntries,
                              offsets: offsets, expanded: expanded)
  }

  /// Dynamic linear: `input` holds uint8 activations quantized per call with (`scale`,
  /// `zeroPoint`); the output is float32 `f32(acc) · f32(scale · w_scale[c])` (the packed
  /// multipliers are the weight scales). Always the GEMM path.
  func runDequantized(batch: Int, input: UnsafeRawPointer?, scale: Float, zeroPoint: Int32,
                      output: UnsafeMutablePointer<Float>?) throws(Status) {
    try require(batch >= 0 && !depthwise && inputType == .uint8)
    try checkScale(scale)
    try DType.uint8.checkZeroPoint(zeroPoint)
    if batch == 0 { return }
    let input = try nonNull(input), output = try nonNull(output)
    _ = try checkedProduct(batch, inputChannels, 2)
    _ = try checkedProduct(batch, outputChannels, 4)
    try runGEMM(batch: batch, height: 1, width: 1, outputSize: (1, 1), input: input, zeroPoint: zeroPoint,
                epilogue: .dequantized(scale: scale), output: UnsafeMutableRawPointer(output))
  }

  private func runGEMM(batch: Int, height: Int, width: Int, outputSize: (height: Int, width: Int),
                       input: UnsafeRawPointer, zeroPoint: Int32, epilogue: GEMMEpilogue,
                       output: UnsafeMutableRawPointer) throws(Status) {
    if window.isPointwise && !usesPatches {
      let type = inputType, inputLength = inputChannels, groups = groups
      let channels = groupInputChannels, paddedChannels = paddedChannels
      if runRowTasks(rows: batch * height * width, groupStride: paddedChannels, pairs: paddedChannels / 2,
                     epilogue: epilogue, output: output, fill: { first, count, rows in
                       convertToS16Rows(type, input + first * inputLength, pixels: count, groups: groups,
                                        channels: channels, paddedChannels: paddedChannels, zeroPoint: zeroPoint,
                                        output: rows)
                     }) {
        return
      }
    } else if patchesFromInput {
      let (stride, pairs) = PatchRows.shape(taps: window.taps, channels: groupInputChannels,
                                            paddedChannels: paddedChannels)
      let type = inputType, channels = groupInputChannels, window = window
      if runRowTasks(rows: batch * outputSize.height * outputSize.width, groupStride: stride, pairs: pairs,
                     epilogue: epilogue, output: output, fill: { first, count, rows in
                       PatchRows.fill(rows, stride: stride, first: first, count: count, from: input, type: type,
                                      batch: batch, height: height, width: width, channels: channels,
                                      window: window, outputSize: outputSize, zeroPoint: zeroPoint)
                     }) {
        return
      }
    }
    let workspace = try takeWorkspace(batch: batch, height: height, width: width, outputSize: outputSize)
    defer { cachedWorkspace.offer(workspace) }

    let m = batch * outputSize.height * outputSize.width
    // One tile of rows reuses no weights: stream the int8 ones.
    let narrow = m <= 4 ? narrowPacked : nil
    let dot = narrow == nil ? winogradDot(epilogue) : nil
    let terms = dot != nil ? workspace.rowTerms?.typed(Int32.self) : nil
    let patchesFromInput = patchesFromInput
    if !patchesFromInput {
      convertToS16RowsInParallel(inputType, input, pixels: batch * height * width, groups: groups,
                                 channels: groupInputChannels, paddedChannels: paddedChannels, zeroPoint: zeroPoint,
                                 output: workspace.rows.rows, rowTerms: terms)
    }

    var taps = window.taps
    var pairsPerTap = paddedChannels / 2
    // Up to 64 rows in one task per block: weights beyond L2 then stream from L3 once, not once
    // per 32 rows (7² 320 → 1280: 272 → 260 µs).
    let rowsPerTask = m <= 64 ? m : 32
    let mTasks = (m + rowsPerTask - 1) / rowsPerTask
    var indirection = UnsafePointer(workspace.indirection.typed(UnsafePointer<Int16>.self))
    if let patches = workspace.patches {
      if patchesFromInput {
        patches.fill(from: input, type: inputType, batch: batch, height: height, width: width,
                     channels: groupInputChannels, window: window, outputSize: outputSize, zeroPoint: zeroPoint)
      } else {
        patches.fill(from: indirection, rows: m, taps: taps, channels: groupInputChannels,
                     paddedChannels: paddedChannels)
      }
      (indirection, taps, pairsPerTap) = (patches.rows, 1, patches.pairs)
    }
    let c = outputChannels
    let elementBytes = epilogue.elementBytes
    let (blocks, blockBytes) = narrow.map { ($0.packed.pointer, $0.blockBytes) } ?? (packed.pointer, blockBytes)
    // One or two rows of int8 blocks run two blocks per kernel call (`gemmRows`): tasks of two.
    let span = narrow != nil && m <= 2 ? 2 : 1
    let spans = (blocksPerGroup + span - 1) / span
    parallelFor(groups * mTasks * spans, work: m * c * taps * paddedChannels) { task in
      let (rest, s) = task.quotientAndRemainder(dividingBy: spans)
      let (g, mt) = rest.quotientAndRemainder(dividingBy: mTasks)
      let b = s * span
      let block = UnsafeRawPointer(blocks + (g * blocksPerGroup + b) * blockBytes)
      let firstChannel = g * groupOutputChannels + b * 16
      let columns = min(16 * span, groupOutputChannels - b * 16)
      let r = mt * rowsPerTask
      if let dot, let terms, columns > PackedWeights.halfLanes {
        dot.gemm(rows: min(rowsPerTask, m - r), columns: columns, pairs: pairsPerTap, a: indirection + r,
                 aOffset: g * paddedChannels, rowTerms: terms + r * groups + g, termStride: groups, block: block,
                 index: g * blocksPerGroup + b, output: output + r * c + firstChannel, outputStride: c)
        return
      }
      gemmRows(kernelISA, epilogue, rows: min(rowsPerTask, m - r), columns: columns, taps: taps,
               pairsPerTap: pairsPerTap, a: indirection + r * taps, aOffset: g * paddedChannels, block: block,
               narrowWeights: narrow != nil, blockStride: blockBytes,
               output: output + (r * c + firstChannel) * elementBytes, outputStride: c)
    }
  }

  /// GEMM rows in tasks that each build their own int16 rows (`fill(first, count, rows)`: per
  /// row, each group's `pairs` pairs, groups `groupStride` apart) right before their tiles
  /// read them: from cache, and without a pass of its own over the input (1×1 rows; patch
  /// rows, whose buffer for 224²×3 → 112²×32 s2 outgrew L2: 305 → 290 µs). Only where there
  /// are enough row tasks for each to take all its columns (and fill once): false otherwise.
  private func runRowTasks(rows m: Int, groupStride: Int, pairs: Int, epilogue: GEMMEpilogue,
                           output: UnsafeMutableRawPointer,
                           fill: (_ first: Int, _ count: Int, _ rows: UnsafeMutablePointer<Int16>) -> Void) -> Bool {
    let rowLength = groups * groupStride
    let macsPerRow = outputChannels * 2 * pairs
    // Rows in ~16 KB of int16, tasks of ≤ ~1 M multiply-accumulates and 32 rows, or 128 where
    // that still makes 16 tasks: long tasks pay their set-up and weight loads once for more
    // rows (112² 32 → 16: 145 → 132 µs, 16 → 96: 466 → 433-464; at 28², 48-row tasks lost).
    let cap = m >= 16 * 128 ? 128 : 32
    let rowsPerTask = min(cap, max(4, min((1 << 13) / rowLength, (1 << 20) / macsPerRow))) & ~3
    let tasks = (m + rowsPerTask - 1) / rowsPerTask
    // Weights beyond L2 (512 KB) would stream from L3 again for every few rows: the tasks over
    // blocks reuse each block over 32 rows (64×1024→1024: 945 → ~910 µs).
    guard tasks >= 16, packed.byteCount <= 1 << 19 else { return false }
    // (So m > 4: the int16 blocks, never the int8 copy.)
    let blocks = UnsafeRawPointer(packed.pointer), blockBytes = blockBytes
    let c = outputChannels, elementBytes = epilogue.elementBytes, isa = kernelISA
    let groups = groups, blocksPerGroup = blocksPerGroup, groupOutputChannels = groupOutputChannels
    let dot = winogradDot(epilogue)
    let rowBytes = rowsPerTask * rowLength * 2
    parallelFor(tasks, work: m * macsPerRow) { task in
      let r = task * rowsPerTask, rows = min(rowsPerTask, m - r)
      // int16 rows, their row pointers, then (Winograd) their row terms per group.
      withThreadScratch(byteCount: rowBytes + rowsPerTask * (8 + 4 * groups)) { scratch in
        let first = scratch.assumingMemoryBound(to: Int16.self)
        let table = (scratch + rowBytes).assumingMemoryBound(to: UnsafePointer<Int16>.self)
        fill(r, rows, first)
        for i in 0..<rows { table[i] = UnsafePointer(first + i * rowLength) }
        let terms = (scratch + rowBytes + 8 * rowsPerTask).assumingMemoryBound(to: Int32.self)
        if dot != nil {
          qs16WinogradDotRowTermsAVX2(first, segments: rows * groups, segmentStride: groupStride, pairs: pairs,
                                      terms: terms)
        }
        for g in 0..<groups {
          let groupBlocks = blocks + g * blocksPerGroup * blockBytes
          let groupOutput = output + (r * c + g * groupOutputChannels) * elementBytes
          // The Winograd kernel takes the full blocks; `gemmRows` the rest (all, without it).
          let dotBlocks = dot == nil ? 0 : (groupOutputChannels - PackedWeights.halfLanes - 1) / 16 + 1
          for b in 0..<dotBlocks {
            dot!.gemm(rows: rows, columns: min(16, groupOutputChannels - b * 16), pairs: pairs, a: table,
                      aOffset: g * groupStride, rowTerms: terms + g, termStride: groups,
                      block: groupBlocks + b * blockBytes, index: g * blocksPerGroup + b,
                      output: groupOutput + b * 16, outputStride: c)
          }
          if dotBlocks * 16 < groupOutputChannels {
            gemmRows(isa, epilogue, rows: rows, columns: groupOutputChannels - dotBlocks * 16, taps: 1,
                     pairsPerTap: pairs, a: table, aOffset: g * groupStride,
                     block: groupBlocks + dotBlocks * blockBytes, blockStride: blockBytes,
                     output: groupOutput + dotBlocks * 16 * elementBytes, outputStride: c)
          }
        }
      }
    }
    return true
  }

  /// The Winograd inner product where it runs: requantized outputs of an operator with `dotBiases`.
  private func winogradDot(_ epilogue: GEMMEpilogue) -> WinogradDot? {
    guard let dotBiases, case .quantized(let type, let q) = epilogue else { return nil }
    return WinogradDot(biases: UnsafeRawPointer(dotBiases.pointer), type: type, quantization: q)
  }

  /// The cached workspace if it fits this input shape, else a new one (and the indirection
  /// buffer built for it). Concurrent runs each get their own.
  private func takeWorkspace(batch: Int, height: Int, width: Int,
                             outputSize: (height: Int, width: Int)) throws(Status) -> Workspace {
    let cached = cachedWorkspace.take()
    if let cached, cached.batch == batch, cached.height == height, cached.width == width { return cached }

    let pixels = try checkedProduct(batch, height, width)
    let m = try checkedProduct(batch, outputSize.height, outputSize.width)
    let taps = window.taps
    // Patch rows built from the activations read neither int16 rows nor an indirection.
    let indirect = !patchesFromInput
    let rows = try S16Rows(pixels: indirect ? pixels : 0, rowLength: groups * paddedChannels)
    let indirection = try AlignedBuffer(count: indirect ? checkedProduct(m, taps) : 0, of: UnsafePointer<Int16>.self)
    let table = indirection.typed(UnsafePointer<Int16>.self)
    var i = 0
    for n in 0..<(indirect ? batch : 0) {
      for oy in 0..<outputSize.height {
        for ox in 0..<outputSize.width {
          rows.fillIndirection(table + i * taps, window: window, n: n, oy: oy, ox: ox, height: height, width: width)
          i += 1
        }
      }
    }
    let patches = usesPatches
      ? try PatchRows(rows: m, taps: taps, channels: groupInputChannels, paddedChannels: paddedChannels) : nil
    let terms = dotBiases != nil ? try AlignedBuffer(count: checkedProduct(pixels, groups), of: Int32.self) : nil
    return Workspace(batch: batch, height: height, width: width, rows: rows, indirection: indirection,
                     patches: patches, rowTerms: terms)
  }
}

struct WinogradDot {
  let biases: UnsafeRawPointer
  let type: DType
  let quantization: OutputQuantization

  /// `qs16GEMM4x16WinogradDotAVX2` on packed block `index` (a full one), whose biases it takes.
  func gemm(rows: Int, columns: Int, pairs: Int, a: UnsafePointer<UnsafePointer<Int16>>, aOffset: Int,
            rowTerms: UnsafePointer<Int32>, termStride: Int, block: UnsafeRawPointer, index: Int,
            output: UnsafeMutableRawPointer, outputStride: Int) {
    qs16GEMM4x16WinogradDotAVX2(
      rows: rows, columns: columns, pairs: pairs, a: a, aOffset: aOffset, rowTerms: rowTerms, termStride: termStride,
      block: block, correctedBias: biases + index * 4 * PackedWeights.lanes, output: output,
      outputStride: outputStride, quantization: quantization, signedOutput: type == .int8)
  }
}

struct Workspace: @unchecked Sendable {
  let batch, height, width: Int
  /// Empty where the patch rows come from the activations (`patchesFromInput`).
  let rows: S16Rows
  let indirection: AlignedBuffer
  let patches: PatchRows?
  /// With `dotBiases`: each row's Winograd row term per group.
  let rowTerms: AlignedBuffer?
}

/// Depthwise: the tap offsets of every output row for one input shape (`rowEntries` per row,
/// pixel after pixel `step` apart, -1 where a tap reads padding) and, with a channel
/// multiplier, room for the input with repeated channels.
struct DepthwiseWorkspace: @unchecked Sendable {
  let batch, height, width: Int
  let step, rowEntries: Int
  let offsets: AlignedBuffer
  let expanded: AlignedBuffer?
}

// MARK: - C ABI

/// Stores a new operator in `opOut` (retained; `qnnps_operator_delete` releases it).
func publish(_ op: AnyObject, _ opOut: UnsafeMutablePointer<OpaquePointer?>) {
  opOut.pointee = OpaquePointer(Unmanaged.passRetained(op).toOpaque())
}

func operatorObject<T: AnyObject>(_ op: OpaquePointer?, as _: T.Type) throws(Status) -> T {
  let object = Unmanaged<AnyObject>.fromOpaque(UnsafeRawPointer(try nonNull(op))).takeUnretainedValue()
  guard let typed = object as? T else { throw Status.invalidParameter }
  return typed
}

@_cdecl("qnnps_convolution2d_nhwc_create")
public func qnnps_convolution2d_nhwc_create(
  _ inputDtype: Int32, _ weightDtype: Int32,
  _ groups: Int, _ groupInputChannels: Int, _ groupOutputChannels: Int,
  _ kernelHeight: Int, _ kernelWidth: Int, _ strideHeight: Int, _ strideWidth: Int,
  _ dilationHeight: Int, _ dilationWidth: Int,
  _ padTop: Int, _ padLeft: Int, _ padBottom: Int, _ padRight: Int,
  _ inputScale: Float, _ inputZeroPoint: Int32,
  _ weights: UnsafeRawPointer?, _ weightScales: UnsafePointer<Float>?,
  _ weightZeroPoints: UnsafePointer<Int32>?, _ bias: UnsafePointer<Int32>?,
  _ outputScale: Float, _ outputZeroPoint: Int32, _ outputMin: Int32, _ outputMax: Int32,
  _ opOut: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
  createGEMMOperator(
    opOut, inputDtype, weightDtype, kernel: (kernelHeight, kernelWidth), stride: (strideHeight, strideWidth),
    dilation: (dilationHeight, dilationWidth), padding: (padTop, padLeft, padBottom, padRight),
    inputScale, inputZeroPoint, weights, weightScales, weightZeroPoints, bias,
    outputScale, outputZeroPoint, outputMin, outputMax
  ) { (window, arguments) throws(Status) in
    try Convolution2D(window: window, groups: groups, groupInputChannels: groupInputChannels,
                      groupOutputChannels: groupOutputChannels, arguments: arguments)
  }
}

@_cdecl("qnnps_convolution2d_nhwc_output_size")
public func qnnps_convolution2d_nhwc_output_size(
  _ op: OpaquePointer?, _ inputHeight: Int, _ inputWidth: Int,
  _ outputHeight: UnsafeMutablePointer<Int>?, _ outputWidth: UnsafeMutablePointer<Int>?
) -> Int32 {
  abiCall { () throws(Status) in
    let conv = try operatorObject(op, as: Convolution2D.self)
    let size = try conv.window.outputSize(height: inputHeight, width: inputWidth)
    try nonNull(outputHeight).pointee = size.height
    try nonNull(outputWidth).pointee = size.width
  }
}

@_cdecl("qnnps_convolution2d_nhwc_run")
public func qnnps_convolution2d_nhwc_run(
  _ op: OpaquePointer?, _ batch: Int, _ inputHeight: Int, _ inputWidth: Int,
  _ input: UnsafeRawPointer?, _ output: UnsafeMutableRawPointer?
) -> Int32 {
  abiCall { () throws(Status) in
    let conv = try operatorObject(op, as: Convolution2D.self)
    try conv.run(batch: batch, height: inputHeight, width: inputWidth, input: input, output: output)
  }
}
