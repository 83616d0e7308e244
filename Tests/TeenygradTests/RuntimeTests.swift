import Foundation
import Synchronization
import Testing

@testable import Teenygrad

/// What one loop index saw about the thread that ran it.
private struct IndexRecord: Sendable {
  let index: Int
  let worker: Int
  let threadID: Int32
  let cpu: Int
}

/// Runs a loop of `pool.threadCount` indices in which every index waits until all have started, so each
/// worker runs exactly one; returns what each index saw, by index.
private func runOnEveryWorker(_ pool: ThreadPool) -> [IndexRecord] {
  let count = pool.threadCount
  let records = Locked<[IndexRecord]>([])
  let arrived = Atomic<Int>(0)
  pool.parallelFor(count) { index, worker in
    arrived.wrappingAdd(1, ordering: .acquiringAndReleasing)
    let deadline = Date().addingTimeInterval(20)
    while arrived.load(ordering: .acquiring) < count, Date() < deadline { Topology.yieldThread() }
    let record = IndexRecord(
      index: index, worker: worker, threadID: Topology.currentThreadID(), cpu: Topology.currentCPU())
    records.withLock { $0.append(record) }
  }
  return records.withLock { $0 }.sorted { $0.index < $1.index }
}

/// Runs `pool.parallelFor(count)` and checks that every index ran once, that worker numbers are in range,
/// and that no two bodies ran at the same time under the same worker number.
private func checkCoverage(_ pool: ThreadPool, count: Int, sourceLocation: SourceLocation = #_sourceLocation) {
  let hits = Locked([Int](repeating: 0, count: count))
  let busyWorkers = Locked(Set<Int>())
  let clashes = Atomic<Int>(0)
  let badWorkers = Atomic<Int>(0)
  // Failures are counted here and checked on the test's thread: expectations belong to the test's task.
  pool.parallelFor(count) { index, worker in
    if !busyWorkers.withLock({ $0.insert(worker).inserted }) { clashes.wrappingAdd(1, ordering: .relaxed) }
    if !(0..<pool.threadCount).contains(worker) { badWorkers.wrappingAdd(1, ordering: .relaxed) }
    hits.withLock { $0[index] += 1 }
    busyWorkers.withLock { _ = $0.remove(worker) }
  }
  let counts = hits.withLock { $0 }
  let context: Comment = "count \(count) at \(pool.threadCount) threads"
  #expect(counts.allSatisfy { $0 == 1 }, context, sourceLocation: sourceLocation)
  #expect(clashes.load(ordering: .relaxed) == 0, context, sourceLocation: sourceLocation)
  #expect(badWorkers.load(ordering: .relaxed) == 0, context, sourceLocation: sourceLocation)
}

/// Polls `condition` for up to `seconds`.
private func eventually(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
  let deadline = Date().addingTimeInterval(seconds)
  while !condition() {
    if Date() >= deadline { return false }
    Thread.sleep(forTimeInterval: 0.005)
  }
  return true
}

@Suite("Runtime: topology and thread pool", .serialized, .timeLimit(.minutes(2)))
struct RuntimeTests {
  @Test func topologyIsSane() {
    let summary = Runtime.topology
    #expect(summary.physicalCores >= 1)
    #expect(summary.processingUnits >= summary.physicalCores)
    #expect(summary.packages >= 1 && summary.numaNodes >= 1)
    #expect(summary.l1dCacheBytes > 0 && summary.l2CacheBytes >= summary.l1dCacheBytes)
    #expect(summary.cacheLineBytes > 0)
    if summary.isFromHwloc {
      let cpus = Topology.current.coreCPUs
      #expect(cpus.count == summary.physicalCores)
      #expect(Set(cpus).count == cpus.count)
    }
    #expect(!Topology.affinity(ofThread: Topology.currentThreadID()).isEmpty)
    #expect(Topology.currentCPU() >= 0)
  }

  @Test(
    .enabled(if: Topology.current.canPin && Topology.current.summary.physicalCores > 1, "needs hwloc and 2+ cores"))
  func workersArePinnedToDistinctCoresAndStayPinnedAfterIdling() throws {
    let topology = Topology.current
    let callerBinding = topology.currentThreadBinding()
    defer { topology.bindCurrentThread(toCPUs: callerBinding) }
    let cores = topology.summary.physicalCores
    let pool = ThreadPool(threads: cores)
    defer { pool.shutdown() }
    #expect(pool.isPinned)

    // Each thread that ran an index is bound, as the OS reports it, to exactly its own worker's core.
    func checkBindings(_ records: [IndexRecord]) {
      #expect(records.count == cores)
      #expect(Set(records.map(\.worker)).count == cores)
      #expect(Set(records.map(\.threadID)).count == cores)
      for record in records {
        let expected = topology.coreCPUs[record.worker % cores]
        #expect(Topology.affinity(ofThread: record.threadID) == [expected], "worker \(record.worker)")
        #expect(record.cpu == expected, "worker \(record.worker) ran on CPU \(record.cpu)")
      }
    }

    checkBindings(runOnEveryWorker(pool))
    let threadIDs = pool.workerThreadIDs
    #expect(threadIDs.count == cores)
    let affinities = threadIDs.map(Topology.affinity(ofThread:))
    #expect(affinities.allSatisfy { $0.count == 1 })
    #expect(Set(affinities.map { $0.first ?? -1 }).count == cores)

    // After an idle pause the workers have parked on their semaphores; waking them keeps the binding.
    Thread.sleep(forTimeInterval: 3)
    #expect(pool.parkedWorkerCount == cores - 1)
    checkBindings(runOnEveryWorker(pool))
  }

  @Test(arguments: [1, 2, 3])
  func parallelForCoversEveryIndexOnce(threads: Int) {
    let pool = ThreadPool(threads: threads)
    defer { pool.shutdown() }
    #expect(pool.threadCount == threads)
    for count in [0, 1, 2, 3, 1000] {
      for _ in 0..<20 { checkCoverage(pool, count: count) }
    }
    // Many short loops back to back: workers arriving late to one loop must never run indices of the next.
    let sums = UnsafeMutableBufferPointer<Int>.allocate(capacity: 8)
    defer { sums.deallocate() }
    var wrong = 0
    for round in 0..<20_000 {
      let count = 1 + round % 5
      sums.initialize(repeating: 0)
      pool.parallelFor(count) { index in sums[index] += index + 1 }
      if (0..<count).contains(where: { sums[$0] != $0 + 1 }) { wrong += 1 }
    }
    #expect(wrong == 0)
  }

  @Test func unpinnedPoolCoversEveryIndexOnce() {
    let pool = ThreadPool(threads: 2, pin: false)
    defer { pool.shutdown() }
    #expect(!pool.isPinned)
    checkCoverage(pool, count: 100)
  }

  @Test func nestedParallelForRunsSeriallyOnTheEnclosingWorker() {
    let pool = ThreadPool(threads: 2)
    defer { pool.shutdown() }
    let pairs = Locked([Int](repeating: 0, count: 4 * 10))
    let mismatches = Atomic<Int>(0)
    pool.parallelFor(4) { outer, outerWorker in
      let thread = Topology.currentThreadID()
      pool.parallelFor(10) { inner, innerWorker in
        if innerWorker != outerWorker || Topology.currentThreadID() != thread {
          mismatches.wrappingAdd(1, ordering: .relaxed)
        }
        pairs.withLock { $0[outer * 10 + inner] += 1 }
      }
    }
    #expect(pairs.withLock { $0 }.allSatisfy { $0 == 1 })
    #expect(mismatches.load(ordering: .relaxed) == 0)
  }

  @Test func concurrentCallersTakeTurns() {
    let pool = ThreadPool(threads: 2)
    defer { pool.shutdown() }
    DispatchQueue.concurrentPerform(iterations: 4) { _ in
      for _ in 0..<50 { checkCoverage(pool, count: 64) }
    }
  }

  @Test func shutdownStopsWorkersAndLaterLoopsRunSerially() {
    let pool = ThreadPool(threads: 3)
    #expect(pool.liveWorkerCount == 2)
    checkCoverage(pool, count: 10)
    pool.shutdown()
    #expect(pool.liveWorkerCount == 0)
    pool.shutdown()
    let seen = Locked<Set<[Int]>>([])
    pool.parallelFor(10) { _, worker in
      let id = Int(Topology.currentThreadID())
      seen.withLock { _ = $0.insert([Int(id), worker]) }
    }
    #expect(seen.withLock { $0 } == [[Int(Topology.currentThreadID()), 0]])
  }

  @Test func releasingAPoolStopsItsWorkers() {
    var counter: (@Sendable () -> Int)?
    do {
      let pool = ThreadPool(threads: 2)
      checkCoverage(pool, count: 8)
      counter = pool.liveWorkerCounter
      #expect(counter?() == 1)
    }
    #expect(counter?() == 0)
  }

  @Test func resizingRuntimeThreadsReplacesThePool() {
    let original = Runtime.threads
    defer { Runtime.threads = original }
    var counters: [@Sendable () -> Int] = []
    for threads in [3, 1, 2, 4, 1, 2] {
      Runtime.threads = threads
      #expect(Runtime.threads == threads)
      do {
        let pool = Runtime.pool
        #expect(pool.threadCount == threads)
        checkCoverage(pool, count: 100)
        counters.append(pool.liveWorkerCounter)
      }
    }
    // Every pool but the current one has been released and has stopped its workers.
    let retired = counters.dropLast()
    #expect(eventually { retired.allSatisfy { $0() == 0 } })
    #expect(counters.last?() == 1)
    Runtime.threads = 0
    #expect(Runtime.threads == 1)
  }

  @Test func forkJoinProbeReturnsOneSamplePerIteration() {
    let pool = ThreadPool(threads: 2)
    defer { pool.shutdown() }
    for everyWorker in [true, false] {
      let samples = pool.measureForkJoinLatency(iterations: 200, everyWorker: everyWorker)
      #expect(samples.count == 200)
      #expect(samples.allSatisfy { $0 > 0 && $0 < 10 })
    }
  }
}
