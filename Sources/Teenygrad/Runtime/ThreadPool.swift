import Dispatch
import Synchronization

/// A fixed set of worker threads that run the iterations of a loop in parallel (fork-join).
///
/// Worker 0 is the thread that calls `parallelFor`; workers `1..<threadCount` each live in one long-running
/// block submitted once to its own Dispatch queue. With `pin`, every worker binds its thread to its own
/// physical core (worker `w` to core `w % cores`) and the caller binds itself to core 0 the first time it
/// forks work. Between loops a worker spins briefly on an atomic generation word, then parks on a semaphore.
/// Each worker first runs its own contiguous share of the indices, then takes what is left of the others'
/// shares, so callers must make results independent of which worker runs which
/// index. Bodies run on several threads at once: write them in nonisolated code, not inside an actor.
final class ThreadPool: @unchecked Sendable {
  /// The number of workers, the calling thread included.
  let threadCount: Int
  private let shared: PoolShared
  /// Serializes forks from different threads; holds whether the pool has been shut down.
  private let forkLock = Locked<Bool>(false)

  /// Starts `threads - 1` worker threads (none for one thread) and returns once each has started and, with
  /// `pin`, bound itself to its core. Pinning is skipped when the topology gives no cores.
  init(threads: Int, pin: Bool = true) {
    precondition(threads < 1 << 16, "too many threads: \(threads)")
    threadCount = max(1, threads)
    let topology = Topology.current
    let pinned = pin && topology.canPin
    let oversubscribed = threadCount > topology.summary.physicalCores
    shared = PoolShared(threadCount: threadCount, pin: pinned, oversubscribed: oversubscribed)
    shared.startWorkers()
  }

  deinit { shutdown() }

  /// Whether the threads of this pool are bound to cores.
  var isPinned: Bool { shared.pin }

  /// The OS thread ids of the pool's threads: the pinned caller's first (the thread that most recently
  /// bound itself to core 0 by forking work here, if any), then workers `1..<threadCount` in order.
  var workerThreadIDs: [Int32] {
    let caller = shared.callerThreadID.load(ordering: .acquiring)
    let workers = shared.slots.map { $0.threadID.load(ordering: .acquiring) }
    return (caller != 0 ? [caller] : []) + workers
  }

  /// The number of worker threads of this pool still running (0 after ``shutdown()``).
  var liveWorkerCount: Int { shared.liveWorkers.load(ordering: .acquiring) }

  /// Returns a function that reports ``liveWorkerCount`` and keeps working after the pool is gone, to check
  /// that releasing a pool stops its workers.
  var liveWorkerCounter: @Sendable () -> Int {
    let shared = shared
    return { shared.liveWorkers.load(ordering: .acquiring) }
  }

  /// The number of workers parked on their semaphore (idle longer than the spin budget).
  var parkedWorkerCount: Int {
    shared.slots.count { $0.sleeping.load(ordering: .acquiring) }
  }

  /// Runs `body(index)` for every index in `0..<count` across the workers and returns when all are done.
  /// Serial on the caller when there is one thread, one index, or when called from inside a body of this
  /// pool (a nested loop).
  func parallelFor(_ count: Int, _ body: (_ index: Int) -> Void) {
    parallelFor(count) { index, _ in body(index) }
  }

  /// Runs `body(index, worker)` for every index in `0..<count`, where `worker` in `0..<threadCount` names
  /// the thread running it (for per-thread scratch memory), and returns when all are done. A nested loop runs
  /// serially with the enclosing body's worker number.
  func parallelFor(_ count: Int, _ body: (_ index: Int, _ worker: Int) -> Void) {
    guard count > 0 else { return }
    let context = PoolShared.context.value
    if let worker = shared.worker(inContext: context) {
      for index in 0..<count { body(index, worker) }
      return
    }
    // The trace's per-tile timing costs this one relaxed load per loop when it is off.
    if Profiler.isTracing {
      TraceLog.timingTiles(count, body, threadOfWorker: threadID(ofWorker:)) { run(count, context: context, $0) }
    } else {
      run(count, context: context, body)
    }
  }

  /// The OS thread id of `worker`: the calling thread for worker 0.
  func threadID(ofWorker worker: Int) -> Int32 {
    worker == 0 ? Topology.currentThreadID() : shared.slots[worker - 1].threadID.load(ordering: .acquiring)
  }

  /// Forks `body` over the workers, or runs it serially on the caller when there is one thread or one index.
  private func run(_ count: Int, context: Int, _ body: (_ index: Int, _ worker: Int) -> Void) {
    forkLock.withLock { isShutDown in
      PoolShared.context.value = shared.context(worker: 0)
      defer { PoolShared.context.value = context }
      if isShutDown || threadCount == 1 || count == 1 {
        for index in 0..<count { body(index, 0) }
      } else {
        // A worker of another pool forking here keeps its own core.
        if context == 0 { shared.pinCallerIfNeeded() }
        withoutActuallyEscaping(body) { shared.fork(count: count, body: $0) }
      }
    }
  }

  /// Stops the workers and waits until each has left its loop, restoring the thread binding it started
  /// with. Later loops run serially on the caller. Safe to call more than once; must not be called from
  /// inside a body of this pool.
  func shutdown() {
    precondition(
      shared.worker(inContext: PoolShared.context.value) == nil,
      "ThreadPool.shutdown() called from inside one of its own loops")
    forkLock.withLock { isShutDown in
      guard !isShutDown else { return }
      isShutDown = true
      shared.stopWorkers()
    }
  }
}

/// One worker's parking place.
private final class WorkerSlot: Sendable {
  let sleeping = Atomic<Bool>(false)
  let wake = DispatchSemaphore(value: 0)
  let threadID = Atomic<Int32>(0)
}

/// The state the forking thread and the workers share; workers hold this, never the pool, so that dropping
/// the last reference to a pool shuts it down.
private final class PoolShared: @unchecked Sendable {
  /// Which pool and worker the current thread is running a body for: `id << 16 | (worker + 1)`, or 0.
  static let context = ThreadLocalWord()
  /// A thread's OS id once it has bound itself to core 0 as a forking caller (of any pool), else 0.
  static let callerPinned = ThreadLocalWord()
  private static let nextID = Atomic<Int>(1)

  private static let closedBit: UInt64 = 1
  private static let stopBit: UInt64 = 2
  private static let epochStep: UInt64 = 4

  let id: Int
  let threadCount: Int
  let pin: Bool
  /// How long a worker spins before parking, and the caller before yielding while it waits for workers.
  let spinNanoseconds: UInt64
  let slots: [WorkerSlot]
  let liveWorkers = Atomic<Int>(0)
  let callerThreadID = Atomic<Int32>(0)

  private let started = DispatchSemaphore(value: 0)
  private let exited = DispatchSemaphore(value: 0)
  private var epoch: UInt64 = 0

  // The hot fields, laid out so that a fork moves as few cache lines between cores as possible: the job
  // description shares one line with the generation word that publishes it; the index counter and the
  // active count get lines of their own.
  private let padding0 = CacheLinePadding()
  /// `epoch * epochStep | closedBit? | stopBit?`; a new epoch publishes a job, `closedBit` ends it.
  private let generation = Atomic<UInt64>(0)
  /// Written only by the forking thread, before it publishes an epoch and after all workers left the job.
  private var jobCount = 0
  /// The forking thread's ``JobBody``, unretained, for the duration of the job.
  private var jobBody: UnsafeMutableRawPointer?
  private let padding1 = CacheLinePadding()
  /// Per worker, how many indices of its own share have been claimed (each on a cache line of its own).
  private let claimed: [ClaimCounter]
  private let padding2 = CacheLinePadding()
  /// Workers that may be reading the current job; the caller waits for 0 after closing a job.
  private let active = Atomic<Int>(0)
  private let padding3 = CacheLinePadding()

  init(threadCount: Int, pin: Bool, oversubscribed: Bool) {
    id = Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
    self.threadCount = threadCount
    self.pin = pin
    // Long enough to bridge the gap between the kernels of one realize; with more threads than cores,
    // spinning steals the time slices of the threads being waited for, so barely spin.
    spinNanoseconds = oversubscribed ? 2_000 : 100_000
    slots = (1..<max(threadCount, 1)).map { _ in WorkerSlot() }
    claimed = (0..<max(threadCount, 1)).map { _ in ClaimCounter() }
  }

  func context(worker: Int) -> Int { id << 16 | (worker + 1) }

  func worker(inContext context: Int) -> Int? {
    context != 0 && context >> 16 == id ? (context & 0xFFFF) - 1 : nil
  }

  func startWorkers() {
    for worker in 1..<max(threadCount, 1) {
      DispatchQueue(label: "teenygrad.worker.\(worker)", qos: .userInitiated).async { [self] in
        workerMain(worker)
      }
    }
    for _ in slots { started.wait() }
  }

  func pinCallerIfNeeded() {
    guard pin else { return }
    var threadID = Int32(truncatingIfNeeded: Self.callerPinned.value)
    if threadID == 0 {
      Topology.current.bindCurrentThread(toCore: 0)
      threadID = Topology.currentThreadID()
      Self.callerPinned.value = Int(threadID)
    }
    if callerThreadID.load(ordering: .relaxed) != threadID {
      callerThreadID.store(threadID, ordering: .releasing)
    }
  }

  /// Publishes a job, runs indices on the calling thread (worker 0) and returns once every index is done and
  /// no worker still refers to `body`.
  func fork(count: Int, body: @escaping (Int, Int) -> Void) {
    // Workers reach the body through an unretained reference, so they never write to the reference count
    // of an object on a cache line the forking thread owns.
    let box = JobBody(body)
    defer { withExtendedLifetime(box) {} }
    jobCount = count
    jobBody = Unmanaged.passUnretained(box).toOpaque()
    for counter in claimed { counter.value.store(0, ordering: .relaxed) }
    epoch += 1
    let open = epoch * Self.epochStep
    generation.store(open, ordering: .sequentiallyConsistent)
    wakeSleepers(upTo: count - 1)
    runIndices(count: count, body: body, worker: 0)
    generation.store(open | Self.closedBit, ordering: .sequentiallyConsistent)
    var spin = SpinWait(nanoseconds: spinNanoseconds)
    while active.load(ordering: .sequentiallyConsistent) != 0 {
      if !spin.pause() { Topology.yieldThread() }
    }
    jobBody = nil
  }

  func stopWorkers() {
    epoch += 1
    generation.store(epoch * Self.epochStep | Self.stopBit, ordering: .sequentiallyConsistent)
    wakeSleepers(upTo: slots.count)
    for _ in slots { exited.wait() }
  }

  private func wakeSleepers(upTo limit: Int) {
    var woken = 0
    for slot in slots where woken < limit {
      if slot.sleeping.load(ordering: .sequentiallyConsistent),
        slot.sleeping.exchange(false, ordering: .sequentiallyConsistent)
      {
        slot.wake.signal()
        woken += 1
      }
    }
  }

  /// Runs indices until none is left unclaimed: first this worker's own share, a contiguous run of the
  /// indices (`count / threadCount` of them, in order), then whatever the other workers have not yet
  /// claimed of theirs. Each share has its own claim counter, so a worker busy with its share touches no
  /// cache line another core writes (one shared counter moved between the cores on every index), and
  /// consecutive kernels over the same shape give each worker the same part of memory, which then stays in
  /// that core's caches. On two threads, medians of 6 interleaved runs, shares against one shared counter:
  /// TinyConvNet's 2x2 max-pool over 128x8x26x26 143 against 172 us, its window counts 231 against 288 us;
  /// elementwise kernels over 128x8x26x26 took 7 to 17% less time.
  @inline(__always)
  private func runIndices(count: Int, body: (Int, Int) -> Void, worker: Int) {
    let shares = claimed.count
    for step in 0..<shares {
      let owner = (worker &+ step) % shares
      let start = owner &* count / shares, end = (owner &+ 1) &* count / shares
      let counter = claimed[owner]
      while true {
        let index = start &+ counter.value.wrappingAdd(1, ordering: .relaxed).oldValue
        if index >= end { break }
        body(index, worker)
      }
    }
  }

  private func workerMain(_ worker: Int) {
    let slot = slots[worker - 1]
    let topology = Topology.current
    let originalBinding = pin ? topology.currentThreadBinding() : []
    if pin { topology.bindCurrentThread(toCore: worker) }
    Self.context.value = context(worker: worker)
    slot.threadID.store(Topology.currentThreadID(), ordering: .releasing)
    liveWorkers.wrappingAdd(1, ordering: .relaxed)
    // Read before announcing the start: nothing can be published until every worker has started, so this
    // is the value before the first job (read later, it could already be the stop request).
    var seen = generation.load(ordering: .acquiring)
    started.signal()

    while true {
      seen = waitForChange(from: seen, slot: slot)
      if seen & Self.stopBit != 0 { break }
      if seen & Self.closedBit != 0 { continue }
      active.wrappingAdd(1, ordering: .sequentiallyConsistent)
      // Re-check after announcing: either the caller sees this worker as active, or this worker sees the
      // job closed (or a newer one), so the job fields are never read while the caller rewrites them.
      let current = generation.load(ordering: .sequentiallyConsistent)
      if current & (Self.closedBit | Self.stopBit) == 0 { runJob(worker: worker) }
      active.wrappingSubtract(1, ordering: .releasing)
      seen = current
      if seen & Self.stopBit != 0 { break }
    }

    Self.context.value = 0
    if !originalBinding.isEmpty { topology.bindCurrentThread(toCPUs: originalBinding) }
    liveWorkers.wrappingSubtract(1, ordering: .relaxed)
    exited.signal()
  }

  /// Kept out of line so this worker's reference to the body is gone before it leaves `active`.
  @inline(never)
  private func runJob(worker: Int) {
    guard let job = jobBody else { return }
    let count = jobCount
    Unmanaged<JobBody>.fromOpaque(job)._withUnsafeGuaranteedRef { box in
      runIndices(count: count, body: box.call, worker: worker)
    }
  }

  /// Spins on the generation word, then parks, until it differs from `seen`; returns the new value.
  private func waitForChange(from seen: UInt64, slot: WorkerSlot) -> UInt64 {
    while true {
      var spin = SpinWait(nanoseconds: spinNanoseconds)
      repeat {
        let value = generation.load(ordering: .acquiring)
        if value != seen { return value }
      } while spin.pause()
      slot.sleeping.store(true, ordering: .sequentiallyConsistent)
      let value = generation.load(ordering: .sequentiallyConsistent)
      if value == seen {
        slot.wake.wait()
      } else if !slot.sleeping.exchange(false, ordering: .sequentiallyConsistent) {
        // The caller claimed this sleeper and signals it: consume that signal.
        slot.wake.wait()
      }
      let current = generation.load(ordering: .acquiring)
      if current != seen { return current }
    }
  }
}

/// Busy-waiting with a CPU pause hint for at most a time budget; the clock is read only every few pauses,
/// and not at all when the wait ends quickly.
private struct SpinWait {
  private let budget: UInt64
  private var deadline: UInt64 = 0
  private var pauses = 0

  init(nanoseconds: UInt64) { budget = nanoseconds }

  /// Pauses once; returns `false`, without pausing, once the budget is spent.
  @inline(__always)
  mutating func pause() -> Bool {
    pauses += 1
    if pauses & 63 == 0 {
      let now = DispatchTime.now().uptimeNanoseconds
      if deadline == 0 {
        deadline = now + budget
      } else if now >= deadline {
        return false
      }
    }
    Topology.spinPause()
    return true
  }
}

/// One worker's claim counter, with a cache line of padding on each side.
private final class ClaimCounter: Sendable {
  private let before = CacheLinePadding()
  let value = Atomic<Int>(0)
  private let after = CacheLinePadding()
}

/// A loop body, boxed so that workers can call it through an unretained reference.
private final class JobBody {
  let call: (Int, Int) -> Void
  init(_ call: @escaping (Int, Int) -> Void) { self.call = call }
}

/// 64 bytes that keep the stored properties around them on different cache lines.
private struct CacheLinePadding {
  private let bytes: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
}
