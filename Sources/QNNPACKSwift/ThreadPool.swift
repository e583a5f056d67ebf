import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Persistent kernel threads for `parallelFor`. The caller runs tasks too. Each participant
/// has a contiguous range of the task indices (the caller the first) and takes chunks of it
/// from its counter, then helps with the others' ranges through theirs, so a worker that
/// wakes late costs nothing but its share. Consecutive operators split alike, so a thread
/// mostly reads rows that it wrote itself, from its own core's cache. Idle workers spin
/// `spinNanoseconds`, then park on a condition variable; workers beyond the thread count wait
/// dormant on it until it grows again.
///
/// One `run` owns the pool at a time; a concurrent or nested `run` returns false and the
/// caller runs its tasks inline. The job word packs epoch | open | capacity | active so a
/// worker joins a job only while it is open, and the owner, having closed it, waits just
/// for the workers that joined (which are running, never parked).
final class ThreadPool: @unchecked Sendable {
  private static let activeMask: UInt64 = 0xFFFF
  private static let capacityShift: UInt64 = 16
  private static let openBit: UInt64 = 1 << 32
  private static let epochShift: UInt64 = 33

  /// Enough to bridge the gaps a Python loop leaves between calls (waking a parked worker
  /// costs more than it saves below ~50 µs of work: a 56×56×64 add called every 0.3 ms took
  /// 57 µs on two threads with 50 µs of spinning, 24 µs with 1 ms, 42 µs on one thread), short
  /// enough that an idle process sleeps. (OpenMP spins 200 ms by default.)
  static let spinNanoseconds = 1_000_000
  /// A job open this long after this worker left it has an owner that may lack a core.
  private static let stalledOwnerNanoseconds = 5_000
  /// Threads per run at most (the job word counts them in 16 bits).
  static let maxThreads = 256
  /// Workers beyond the cores would spin on the caller's core: they park at once.
  private static let spinningWorkers = max(0, sysconf(Int32(_SC_NPROCESSORS_ONLN)) - 1)

  private let owned = Atomic<Bool>(false)
  private let job = Atomic<UInt64>(0)
  /// The next task of each participant's range.
  private let next: UnsafeMutablePointer<Atomic<Int>>
  /// Workers wanted; worker `i` waits dormant while `i >= size`.
  private let size = Atomic<Int>(0)
  private let sleepers = Atomic<Int>(0)
  /// Bumped to rouse parked workers without a job (see `run`).
  private let alarms = Atomic<Int>(0)
  private let parkMutex: UnsafeMutablePointer<pthread_mutex_t>
  private let parkCondition: UnsafeMutablePointer<pthread_cond_t>

  // Written by the owner before it opens a job, read by the workers that join it.
  private var count = 0
  private var participants = 1
  private var body: ((Int) -> Void)?

  // Owner only.
  private var epoch: UInt64 = 0
  /// When the last run that left the workers parked began.
  private var lastDeclined = Int.min / 2
  private var threads: [pthread_t] = []

  init() {
    next = .allocate(capacity: Self.maxThreads)
    for i in 0..<Self.maxThreads { (next + i).initialize(to: Atomic(0)) }
    parkMutex = .allocate(capacity: 1)
    parkCondition = .allocate(capacity: 1)
    pthread_mutex_init(parkMutex, nil)
    pthread_cond_init(parkCondition, nil)
  }

  /// Workers currently running (excluding callers).
  var workerCount: Int { size.load(ordering: .relaxed) }
  /// Workers parked now.
  var parkedCount: Int { sleepers.load(ordering: .relaxed) }
  /// Worker threads started, dormant ones included (read while no run owns the pool).
  var startedWorkers: Int { threads.count }

  /// Runs `body(i)` for `i` in `0..<count` on the caller and `threads - 1` workers (at most
  /// `maxThreads` in all), or returns false at once if another run owns the pool, or if
  /// every worker is parked and `wake` is false (waking one costs the caller ~5–15 µs).
  func run(_ count: Int, threads: Int, wake: Bool = true, _ body: (Int) -> Void) -> Bool {
    guard owned.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
      return false
    }
    defer { owned.store(false, ordering: .releasing) }
    let threads = min(threads, Self.maxThreads)
    resize(threads - 1)
    if !wake && sleepers.load(ordering: .relaxed) == threads - 1 {
      // Too little work to pay for waking the workers: the caller runs it. Calls that keep
      // coming (the last under a spin time ago) rouse them for the next ones, which then
      // split their work (a 28×28×64 add in a loop on two threads: 11 → 7.9 µs).
      let now = monotonicNanoseconds()
      if now - lastDeclined < Self.spinNanoseconds {
        alarms.add(1, ordering: .sequentiallyConsistent)
        pthread_mutex_lock(parkMutex)
        pthread_cond_broadcast(parkCondition)
        pthread_mutex_unlock(parkMutex)
      }
      lastDeclined = now
      return false
    }
    let participants = min(threads, count)
    withoutActuallyEscaping(body) { body in
      self.body = body
      self.count = count
      self.participants = participants
      for r in 0..<participants { next[r].store(rangeStart(r), ordering: .relaxed) }
      epoch += 1
      let word = epoch << Self.epochShift | Self.openBit | UInt64(participants - 1) << Self.capacityShift
      // Sequentially consistent with `sleepers` (see `park`): either a parking worker sees
      // the job or this sees the sleeper and wakes it.
      job.store(word, ordering: .sequentiallyConsistent)
      if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
        pthread_mutex_lock(parkMutex)
        pthread_cond_broadcast(parkCondition)
        pthread_mutex_unlock(parkMutex)
      }
      runTasks(home: 0, body)
      // Close the job, then wait for the workers inside it to finish their last chunk.
      var state = job.bitwiseAnd(~Self.openBit, ordering: .acquiringAndReleasing).newValue
      var waited = 0
      while state & Self.activeMask != 0 {
        // A worker preempted inside its chunk may need this core.
        waited += 1
        if waited > 10_000 { sched_yield() }
        state = job.load(ordering: .acquiring)
      }
      self.body = nil
    }
    return true
  }

  /// Sends the workers beyond `workers` dormant if the pool is free (else its next run does).
  func shrink(to workers: Int) {
    guard size.load(ordering: .relaxed) > workers,
          owned.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return }
    resize(workers)
    owned.store(false, ordering: .releasing)
  }

  private func rangeStart(_ r: Int) -> Int { r * count / participants }

  /// The tasks of range `home`, then what is left of the others'. Guided chunks: large while
  /// much of a range remains, single tasks at its end for balance; none over 1/8 of a range,
  /// which a preempted worker could hold up.
  private func runTasks(home: Int, _ body: (Int) -> Void) {
    let p = participants
    for k in 0..<p {
      let r = (home + k) % p
      let end = rangeStart(r + 1)
      var start = next[r].load(ordering: .relaxed)
      while start < end {
        let stop = start + max(1, (end - start) / 8)
        let (exchanged, current) = next[r].compareExchange(expected: start, desired: stop, ordering: .relaxed)
        if exchanged {
          for i in start..<stop { body(i) }
          start = stop
        } else {
          start = current
        }
      }
    }
  }

  // MARK: Workers

  /// Owner only: wakes, starts or sends dormant workers so that `workers` run. Workers are
  /// never joined: a new thread can share its creator's core for its first milliseconds (a
  /// 1280 → 1000 linear layer on two threads then took 30 µs a call, 25 on one, 15 after),
  /// so changing the thread count back and forth reuses the threads instead.
  private func resize(_ workers: Int) {
    if workers == size.load(ordering: .relaxed) { return }
    size.store(workers, ordering: .sequentiallyConsistent)
    // Wakes the dormant workers now wanted; the others see `size` and go dormant.
    pthread_mutex_lock(parkMutex)
    pthread_cond_broadcast(parkCondition)
    pthread_mutex_unlock(parkMutex)
    while threads.count < workers {
      let seen = (epoch << Self.epochShift) >> Self.epochShift  // as the job word holds it
      let context = Unmanaged.passRetained(WorkerContext(pool: self, index: threads.count, epoch: seen))
      var thread = pthread_t()
      guard pthread_create(&thread, nil, workerMain, context.toOpaque()) == 0 else {
        context.release()
        size.store(threads.count, ordering: .relaxed)
        return
      }
      threads.append(thread)
    }
  }

  fileprivate func work(index: Int, epoch initial: UInt64) {
    var seen = initial
    while true {
      if index >= size.load(ordering: .relaxed) {
        sleepWhileDormant(index: index)
        continue
      }
      if join(&seen) {
        runJoinedTasks(home: index + 1)
        job.subtract(1, ordering: .releasing)
        continue
      }
      if !spin(index: index, seen: seen) { park(index: index, seen: seen) }
    }
  }

  /// Waits, not counted among the sleepers, until the thread count wants this worker again.
  private func sleepWhileDormant(index: Int) {
    pthread_mutex_lock(parkMutex)
    while index >= size.load(ordering: .sequentiallyConsistent) {
      pthread_cond_wait(parkCondition, parkMutex)
    }
    pthread_mutex_unlock(parkMutex)
  }

  /// Not inlined so that this worker's references to `body` are all released before it
  /// leaves the job (the owner then ends `withoutActuallyEscaping`).
  @inline(never)
  private func runJoinedTasks(home: Int) { runTasks(home: home % participants, body!) }

  /// Enters the job if it is open, new to this worker and has room.
  private func join(_ seen: inout UInt64) -> Bool {
    var state = job.load(ordering: .acquiring)
    while true {
      let epoch = state >> Self.epochShift
      guard state & Self.openBit != 0, epoch != seen else { return false }
      guard state & Self.activeMask < (state >> Self.capacityShift) & Self.activeMask else {
        seen = epoch
        return false
      }
      let (exchanged, current) = job.compareExchange(expected: state, desired: state + 1, ordering: .acquiring)
      if exchanged {
        seen = epoch
        return true
      }
      state = current
    }
  }

  /// A job this worker has not seen, or a resize that ends it.
  private func hasNews(index: Int, seen: UInt64, state: UInt64, size: Int) -> Bool {
    (state & Self.openBit != 0 && state >> Self.epochShift != seen) || index >= size
  }

  /// Spins until a job or a resize comes, or the spin time is up (false). Yielding would
  /// hand the core to other processes for milliseconds, except when the job this worker
  /// left stays open: its owner may be waiting for this core (a parked worker is often
  /// woken onto its waker's core when the others are busy).
  private func spin(index: Int, seen: UInt64) -> Bool {
    if index >= Self.spinningWorkers { return false }
    let start = monotonicNanoseconds()
    var now = start
    repeat {
      // The loads hit this core's cache until the owner writes. (No `pause`: Swift cannot
      // emit it and the target has no C helper for it.)
      for _ in 0..<64 where hasNews(index: index, seen: seen, state: job.load(ordering: .relaxed),
                                    size: size.load(ordering: .relaxed)) { return true }
      now = monotonicNanoseconds()
      let state = job.load(ordering: .relaxed)
      if state & Self.openBit != 0, state >> Self.epochShift == seen, now - start > Self.stalledOwnerNanoseconds {
        sched_yield()
      }
    } while now - start < Self.spinNanoseconds
    return false
  }

  private func park(index: Int, seen: UInt64) {
    pthread_mutex_lock(parkMutex)
    // Read before counting in (all sequentially consistent): a run that sees this sleeper
    // raises its alarm after this read, so the alarm is never missed.
    let alarm = alarms.load(ordering: .sequentiallyConsistent)
    sleepers.add(1, ordering: .sequentiallyConsistent)
    while !hasNews(index: index, seen: seen, state: job.load(ordering: .sequentiallyConsistent),
                   size: size.load(ordering: .sequentiallyConsistent))
            && alarms.load(ordering: .sequentiallyConsistent) == alarm {
      pthread_cond_wait(parkCondition, parkMutex)
    }
    sleepers.subtract(1, ordering: .relaxed)
    pthread_mutex_unlock(parkMutex)
  }

  /// In a forked child only the forking thread exists: forget the parent's workers.
  fileprivate func resetAfterFork() {
    pthread_mutex_init(parkMutex, nil)
    pthread_cond_init(parkCondition, nil)
    threads = []
    size.store(0, ordering: .relaxed)
    sleepers.store(0, ordering: .relaxed)
    lastDeclined = Int.min / 2
    job.store(0, ordering: .relaxed)
    epoch = 0
    body = nil
    owned.store(false, ordering: .relaxed)
  }
}

private final class WorkerContext {
  let pool: ThreadPool
  let index: Int
  let epoch: UInt64
  init(pool: ThreadPool, index: Int, epoch: UInt64) {
    (self.pool, self.index, self.epoch) = (pool, index, epoch)
  }
}

private func workerMain(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
  let context = Unmanaged<WorkerContext>.fromOpaque(argument!).takeRetainedValue()
  context.pool.work(index: context.index, epoch: context.epoch)
  return nil
}

private func monotonicNanoseconds() -> Int {
  var t = timespec()
  clock_gettime(CLOCK_MONOTONIC, &t)
  return t.tv_sec * 1_000_000_000 + t.tv_nsec
}

/// The process's pool, reset in forked children.
let threadPool: ThreadPool = {
  let pool = ThreadPool()
  pthread_atfork(nil, nil) { threadPool.resetAfterFork() }
  return pool
}()
