import Dispatch
import Synchronization
import XCTest
@testable import QNNPACKSwift
#if canImport(Glibc)
import Glibc
#endif

/// The kernel thread pool behind `parallelFor`: every index exactly once on every thread
/// count, nested and concurrent calls, resizing, idle workers asleep (scripts/sanitizers.sh
/// runs these under ThreadSanitizer too).
final class ThreadPoolTests: XCTestCase {
  private var savedThreads = 1

  override func setUp() { savedThreads = qnnps_get_num_threads() }
  override func tearDown() { _ = qnnps_set_num_threads(savedThreads) }

  /// Runs `parallelFor(count)` with work over the threshold and returns how often each index ran.
  private func hits(_ count: Int, work: Int = parallelWakeThreshold) -> [Int] {
    let hits = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
    defer { hits.deallocate() }
    hits.initialize(repeating: 0, count: count)
    parallelFor(count, work: work) { i in hits[i] += 1 }
    return Array(UnsafeBufferPointer(start: hits, count: count))
  }

  /// How many threads ran 64 tasks of `parallelFor(work:)` that each sleep `micros`.
  private func runners(work: Int = parallelWakeThreshold, micros: UInt32 = 200) -> Int {
    let runners = UnsafeMutablePointer<pthread_t>.allocate(capacity: 64)
    defer { runners.deallocate() }
    parallelFor(64, work: work) { i in
      usleep(micros)
      runners[i] = pthread_self()
    }
    return Set(UnsafeBufferPointer(start: runners, count: 64)).count
  }

  func testEveryIndexExactlyOnce() {
    for threads in 1...5 {
      XCTAssertEqual(qnnps_set_num_threads(threads), 0)
      for count in [0, 1, 2, 3, 7, 16, 63, 1000, 100_003] {
        XCTAssertEqual(hits(count), [Int](repeating: 1, count: count), "threads \(threads) count \(count)")
        XCTAssertEqual(hits(count, work: 0), [Int](repeating: 1, count: count), "inline, count \(count)")
      }
    }
  }

  func testWorkersTakePart() {
    XCTAssertEqual(qnnps_set_num_threads(2), 0)
    XCTAssertEqual(runners(), 2)
    XCTAssertEqual(threadPool.workerCount, 1)
  }

  func testNestedCallsRunInline() {
    for threads in [2, 3] {
      XCTAssertEqual(qnnps_set_num_threads(threads), 0)
      let (outer, inner) = (13, 29)
      let hits = UnsafeMutablePointer<Int>.allocate(capacity: outer * inner)
      defer { hits.deallocate() }
      hits.initialize(repeating: 0, count: outer * inner)
      parallelFor(outer, work: parallelWakeThreshold) { i in
        parallelFor(inner, work: parallelWakeThreshold) { j in hits[i * inner + j] += 1 }
      }
      XCTAssertEqual(Array(UnsafeBufferPointer(start: hits, count: outer * inner)),
                     [Int](repeating: 1, count: outer * inner))
    }
  }

  /// Several threads call at once (one owns the pool, the others run inline) while another
  /// thread keeps changing the thread count.
  func testConcurrentCallsWhileTheThreadCountChanges() {
    let done = Atomic<Bool>(false)
    let tuner = DispatchGroup()
    DispatchQueue.global().async(group: tuner) {
      var n = 0
      while !done.load(ordering: .relaxed) {
        _ = qnnps_set_num_threads(n % 4 + 1)
        n += 1
        usleep(50)
      }
    }
    let failures = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: 8) { t in
      for round in 0..<1000 {
        let count = (t * 37 + round * 11) % 300
        if hits(count) != [Int](repeating: 1, count: count) { failures.add(1, ordering: .relaxed) }
      }
    }
    done.store(true, ordering: .relaxed)
    tuner.wait()
    XCTAssertEqual(failures.load(ordering: .relaxed), 0)
  }

  func testPoolFollowsTheThreadCount() {
    for threads in [3, 2, 4, 1, 2, 1] {
      XCTAssertEqual(qnnps_set_num_threads(threads), 0)
      XCTAssertLessThanOrEqual(threadPool.workerCount, threads - 1)
      _ = hits(100)
      XCTAssertEqual(threadPool.workerCount, threads - 1, "threads \(threads)")
    }
    // Set while a run owns the pool: the next call, even inline, sends the extra workers dormant.
    XCTAssertEqual(qnnps_set_num_threads(3), 0)
    parallelFor(100, work: parallelWakeThreshold) { i in
      if i == 0 { XCTAssertEqual(qnnps_set_num_threads(1), 0) }
    }
    XCTAssertEqual(threadPool.workerCount, 2)
    _ = hits(100, work: 0)
    XCTAssertEqual(threadPool.workerCount, 0)
  }

  /// Workers beyond a lowered thread count wait dormant and come back when it grows: no new
  /// thread (a new one can share its creator's core for its first milliseconds).
  func testWorkersSurviveThreadCountChanges() {
    XCTAssertEqual(qnnps_set_num_threads(3), 0)
    _ = hits(100)
    let started = threadPool.startedWorkers  // other tests may have started more
    XCTAssertGreaterThanOrEqual(started, 2)
    XCTAssertEqual(qnnps_set_num_threads(1), 0)
    _ = hits(100)
    XCTAssertEqual(threadPool.workerCount, 0)
    XCTAssertEqual(threadPool.startedWorkers, started)
    XCTAssertEqual(qnnps_set_num_threads(3), 0)
    XCTAssertEqual(runners(), 3)
    XCTAssertEqual(threadPool.startedWorkers, started)
  }

  func testIdleWorkersSleep() {
    XCTAssertEqual(qnnps_set_num_threads(2), 0)
    _ = hits(1000)
    XCTAssertEqual(threadPool.workerCount, 1)
    usleep(20_000)  // well past the spin time
    let before = processCPUSeconds()
    usleep(200_000)
    XCTAssertLessThan(processCPUSeconds() - before, 0.05, "an idle pool should not use the CPU")
  }

  func testCallsThatKeepComingRouseParkedWorkers() {
    XCTAssertEqual(qnnps_set_num_threads(2), 0)
    _ = hits(1000)
    usleep(20_000)  // the worker parks
    XCTAssertEqual(threadPool.parkedCount, 1)
    // Work too small to wake it runs on the caller, but a second such call under a spin time
    // after the first rouses it, and the calls after that share their tasks with it. (A
    // liveness check: the roused worker may need a moment to get a core, so it retries.)
    var shared = false
    for _ in 0..<200 where !shared {
      _ = hits(64, work: parallelWorkThreshold)
      _ = hits(64, work: parallelWorkThreshold)
      usleep(100)
      shared = runners(work: parallelWorkThreshold, micros: 50) == 2
    }
    XCTAssertTrue(shared, "the roused worker never took part")
  }

  private func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
  }
}
