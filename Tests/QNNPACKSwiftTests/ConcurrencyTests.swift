import Dispatch
import Synchronization
import XCTest
@testable import QNNPACKSwift

/// Operators shared by several threads — each run itself split over kernel threads — give
/// the serial results while another thread changes the thread count and the kernel family
/// (scripts/sanitizers.sh runs this under ThreadSanitizer).
final class ConcurrencyTests: XCTestCase {
  struct Job {
    let run: (inout [UInt8]) -> Int32
    let expected: [UInt8]
  }

  /// A convolution's runs on two input shapes (so concurrent runs swap workspaces), checked
  /// against the direct reference. Sizes are over the 2^20 multiply-adds that split a run.
  func convolutionJobs(_ c: ConvolutionCase, shapes: [(Int, Int, Int)], op: OpaquePointer?,
                       rng: inout SeededGenerator) -> [Job] {
    shapes.map { batch, height, width in
      let x = (0..<(batch * height * width * c.inputChannels)).map { _ in UInt8.random(in: 0...255, using: &rng) }
      return Job(run: { y in qnnps_convolution2d_nhwc_run(op, batch, height, width, x, &y) },
                 expected: c.reference(x, batch: batch, height: height, width: width))
    }
  }

  func testSharedOperatorsWhileSettingsChange() {
    let saved = (qnnps_get_isa(), qnnps_get_num_threads())
    defer {
      _ = qnnps_set_isa(saved.0)
      _ = qnnps_set_num_threads(saved.1)
    }
    var rng = SeededGenerator(seed: 12)
    var gemm = ConvolutionCase()
    (gemm.groupInputChannels, gemm.groupOutputChannels) = (32, 32)
    gemm.randomize(&rng)
    var depthwise = ConvolutionCase()
    (depthwise.groups, depthwise.groupInputChannels, depthwise.groupOutputChannels) = (64, 1, 2)
    depthwise.randomize(&rng)
    var jobs: [Job] = []
    var ops: [OpaquePointer?] = []
    for (c, shapes) in [(gemm, [(1, 12, 12), (2, 9, 11)]), (depthwise, [(1, 32, 32), (2, 24, 23)])] {
      var op: OpaquePointer?
      XCTAssertEqual(c.create(into: &op), 0)
      ops.append(op)
      jobs += convolutionJobs(c, shapes: shapes, op: op, rng: &rng)
    }
    defer { ops.forEach { _ = qnnps_operator_delete($0) } }
    let a = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    var sum = [UInt8](repeating: 0, count: a.count)
    _ = qnnps_set_num_threads(1)
    XCTAssertEqual(qnnps_add_nd(0, 1, [a.count], a, [1], 0.5, 100, a, [1], 0.25, 3, 0.3, 50, 0, 255, &sum), 0)
    jobs.append(Job(run: { y in qnnps_add_nd(0, 1, [a.count], a, [1], 0.5, 100, a, [1], 0.25, 3, 0.3, 50, 0, 255, &y) },
                    expected: sum))

    let done = Atomic<Bool>(false)
    let failures = Mutex<[String]>([])
    let tuner = DispatchGroup()
    DispatchQueue.global().async(group: tuner) {
      var n = 0
      while !done.load(ordering: .relaxed) {
        _ = qnnps_set_num_threads(n % 4 + 1)
        _ = qnnps_set_isa(Int32(n % 2))  // new operators only; fails harmlessly without AVX2
        n += 1
      }
    }
    DispatchQueue.concurrentPerform(iterations: 4) { t in
      for round in 0..<2 {
        for i in jobs.indices {
          let job = jobs[(i + t + round) % jobs.count]
          var y = [UInt8](repeating: 0, count: job.expected.count)
          let status = job.run(&y)
          if status != 0 || y != job.expected {
            failures.withLock { $0.append("thread \(t) job \((i + t + round) % jobs.count): status \(status)") }
          }
        }
      }
    }
    done.store(true, ordering: .relaxed)
    tuner.wait()
    XCTAssertEqual(failures.withLock { $0 }, [])
  }
}
