import Foundation
import Synchronization

/// The runtime's process-wide settings: how many worker threads run kernels, and what the machine looks like.
public enum Runtime {
  private struct State {
    var threads: Int?
    var pool: ThreadPool?
    var reportedUnpinned = false
  }

  private static let state = Locked(State())
  /// ``threads`` once it has been read or set; 0 before.
  private static let resolvedThreads = Atomic<Int>(0)

  /// The number of worker threads that run kernels, the calling thread included.
  ///
  /// Defaults to the number of physical cores (``TopologySummary/physicalCores``), or to
  /// `TEENYGRAD_THREADS` when that is set. Setting it replaces the worker pool; values below 1 mean 1.
  /// Results do not depend on it: every output element is computed in the same order at any thread count.
  public static var threads: Int {
    get {
      // Read without the lock once known: every realize asks for it.
      let known = resolvedThreads.load(ordering: .acquiring)
      if known > 0 { return known }
      return state.withLock { state in
        let threads = state.threads ?? defaultThreads
        state.threads = threads
        resolvedThreads.store(threads, ordering: .releasing)
        return threads
      }
    }
    set {
      let count = max(1, newValue)
      // The retired pool is released outside the lock; its deinitializer joins its workers once no running
      // loop holds it any more.
      let retired: ThreadPool? = state.withLock { state in
        state.threads = count
        resolvedThreads.store(count, ordering: .releasing)
        guard let pool = state.pool, pool.threadCount != count else { return nil }
        state.pool = nil
        return pool
      }
      _ = retired
    }
  }

  /// Returns a summary of the machine's topology (cores, processing units, cache sizes), as hwloc reports
  /// it, or fallback values where it reports nothing.
  public static var topology: TopologySummary { Topology.current.summary }

  /// The shared pool that runs kernels, created on first use with ``threads`` workers, pinned to cores
  /// when hwloc describes the machine.
  static var pool: ThreadPool {
    state.withLock { state in
      if let pool = state.pool { return pool }
      let summary = Topology.current.summary
      if !summary.isFromHwloc, !state.reportedUnpinned, EnvironmentFlags.debug >= 1 {
        state.reportedUnpinned = true
        FileHandle.standardError.write(
          Data("teenygrad: hwloc reported no CPU topology; worker threads run unpinned\n".utf8))
      }
      let pool = ThreadPool(threads: state.threads ?? defaultThreads)
      state.pool = pool
      return pool
    }
  }

  private static var defaultThreads: Int {
    EnvironmentFlags.threads ?? Topology.current.summary.physicalCores
  }
}
