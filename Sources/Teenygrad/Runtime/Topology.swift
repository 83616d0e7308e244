import CHwloc
import Foundation
import Synchronization

/// A summary of the machine the runtime schedules work on: how many cores, hardware threads and NUMA
/// nodes it has, and the size of one instance of each data cache level.
///
/// The values come from hwloc. Where hwloc reports nothing (some containers hide the topology), the counts
/// fall back to the operating system's online processor count, the cache sizes to what the C library reports
/// or to typical desktop values, and ``isFromHwloc`` is `false`.
public struct TopologySummary: Sendable, Hashable, CustomStringConvertible {
  /// Returns the number of processor packages (sockets).
  public let packages: Int
  /// Returns the number of physical cores; the default worker count.
  public let physicalCores: Int
  /// Returns the number of processing units (hardware threads) the process may run on.
  public let processingUnits: Int
  /// Returns the number of NUMA nodes.
  public let numaNodes: Int
  /// Returns the size in bytes of one level-1 data cache.
  public let l1dCacheBytes: Int
  /// Returns the size in bytes of one level-2 cache.
  public let l2CacheBytes: Int
  /// Returns the size in bytes of one level-3 cache (0 when the machine has none).
  public let l3CacheBytes: Int
  /// Returns the cache line size in bytes.
  public let cacheLineBytes: Int
  /// Returns whether hwloc described the machine; when `false` the values are fallbacks and workers run
  /// unpinned.
  public let isFromHwloc: Bool

  /// Returns a one-line description, for logs and benchmark headers.
  public var description: String {
    let kib = { (bytes: Int) in "\(bytes / 1024) KiB" }
    return "\(packages) package(s), \(physicalCores) core(s), \(processingUnits) PU(s), \(numaNodes) NUMA node(s); "
      + "L1d \(kib(l1dCacheBytes)), L2 \(kib(l2CacheBytes)), L3 \(kib(l3CacheBytes)), line \(cacheLineBytes) B"
      + (isFromHwloc ? "" : " (fallback values: hwloc reported no topology)")
  }
}

/// The one place that talks to hwloc and the operating system about cores and threads: topology discovery,
/// binding the calling thread to a core, reading bindings back, thread ids and spin-wait primitives.
final class Topology: Sendable {
  /// The machine's topology, discovered on first use.
  static let current = Topology()

  /// What was discovered about the machine.
  let summary: TopologySummary
  /// For each physical core in hwloc's logical order, the OS index of the one processing unit a thread
  /// bound to that core runs on (the core's cpuset, singlified). Empty when hwloc gave no information.
  let coreCPUs: [Int]
  private let topology: Locked<OpaquePointer?>

  private init() {
    var handle: OpaquePointer?
    if hwloc_topology_init(&handle) != 0 {
      handle = nil
    } else if hwloc_topology_load(handle) != 0 {
      hwloc_topology_destroy(handle)
      handle = nil
    }
    let discovered = handle.flatMap(Self.discover)
    if discovered == nil, let handle {
      hwloc_topology_destroy(handle)
    }
    summary = discovered?.summary ?? Self.fallbackSummary()
    coreCPUs = discovered?.coreCPUs ?? []
    topology = Locked(discovered == nil ? nil : handle)
  }

  /// Returns whether threads can be bound to cores (hwloc described at least one core).
  var canPin: Bool { !coreCPUs.isEmpty }

  /// Binds the calling thread to physical core `core` (taken modulo the core count), running it on that
  /// core's first processing unit only. Returns `false` when hwloc is unavailable or the OS refused.
  @discardableResult
  func bindCurrentThread(toCore core: Int) -> Bool {
    guard canPin else { return false }
    return bindCurrentThread(toCPUs: [coreCPUs[core % coreCPUs.count]])
  }

  /// Binds the calling thread to the given OS processor indices. Returns `false` on failure.
  @discardableResult
  func bindCurrentThread(toCPUs cpus: [Int]) -> Bool {
    guard !cpus.isEmpty else { return false }
    return topology.withLock { handle -> Bool in
      guard let handle, let set = hwloc_bitmap_alloc() else { return false }
      defer { hwloc_bitmap_free(set) }
      for cpu in cpus { hwloc_bitmap_set(set, UInt32(cpu)) }
      return hwloc_set_cpubind(handle, set, Int32(HWLOC_CPUBIND_THREAD.rawValue)) == 0
    }
  }

  /// Returns the OS processor indices the calling thread is bound to, as hwloc reads them; empty when
  /// hwloc is unavailable.
  func currentThreadBinding() -> [Int] {
    topology.withLock { handle -> [Int] in
      guard let handle, let set = hwloc_bitmap_alloc() else { return [] }
      defer { hwloc_bitmap_free(set) }
      guard hwloc_get_cpubind(handle, set, Int32(HWLOC_CPUBIND_THREAD.rawValue)) == 0 else { return [] }
      return Self.members(of: set)
    }
  }

  /// Returns the kernel thread id of the calling thread.
  static func currentThreadID() -> Int32 { Int32(teeny_gettid()) }

  /// Returns the OS index of the processor the calling thread is running on now.
  static func currentCPU() -> Int { Int(teeny_sched_getcpu()) }

  /// Returns the OS processor indices thread `tid` (of this process) may run on, read from the kernel's
  /// affinity mask; empty if the thread does not exist.
  static func affinity(ofThread tid: Int32) -> [Int] {
    var cpus = [Int32](repeating: 0, count: 1024)
    let count = cpus.withUnsafeMutableBufferPointer { buffer in
      teeny_thread_affinity(tid, buffer.baseAddress, Int32(buffer.count))
    }
    return count < 0 ? [] : cpus.prefix(Int(count)).map(Int.init)
  }

  /// Tells the CPU the caller is busy-waiting.
  @inline(__always)
  static func spinPause() { teeny_cpu_pause() }

  /// Gives the rest of the caller's time slice to another runnable thread.
  static func yieldThread() { sched_yield() }

  /// Blocks of this many bytes or more are aligned to it and backed by transparent huge pages when the OS
  /// allows (fewer TLB misses for GEMM panels and large tensors).
  static let hugePageBytes = 2 << 20

  /// Asks the OS to back `[pointer, pointer + bytes)` with huge pages; a hint that may be ignored.
  static func adviseHugePages(_ pointer: UnsafeMutableRawPointer, _ bytes: Int) {
    _ = madvise(pointer, bytes, MADV_HUGEPAGE)
  }

  deinit {
    topology.withLock { handle in
      if let handle { hwloc_topology_destroy(handle) }
    }
  }

  // MARK: Discovery

  private static func discover(_ handle: OpaquePointer) -> (summary: TopologySummary, coreCPUs: [Int])? {
    let count = { (type: hwloc_obj_type_t) in Int(max(0, hwloc_get_nbobjs_by_type(handle, type))) }
    let pus = count(HWLOC_OBJ_PU)
    guard pus > 0 else { return nil }
    // Some virtual machines expose PUs without cores: then each PU stands for a core.
    let coreType = count(HWLOC_OBJ_CORE) > 0 ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU
    var coreCPUs: [Int] = []
    for index in 0..<count(coreType) {
      guard let core = hwloc_get_obj_by_type(handle, coreType, UInt32(index)),
        let cpuset = core.pointee.cpuset, let single = hwloc_bitmap_dup(cpuset)
      else { continue }
      hwloc_bitmap_singlify(single)
      let cpu = hwloc_bitmap_first(single)
      hwloc_bitmap_free(single)
      if cpu >= 0 { coreCPUs.append(Int(cpu)) }
    }
    guard !coreCPUs.isEmpty else { return nil }
    let fallback = fallbackSummary()
    let cache = { (type: hwloc_obj_type_t) -> (size: Int, line: Int)? in
      guard let object = hwloc_get_obj_by_type(handle, type, 0), let attributes = object.pointee.attr,
        attributes.pointee.cache.size > 0
      else { return nil }
      return (Int(attributes.pointee.cache.size), Int(attributes.pointee.cache.linesize))
    }
    let l1 = cache(HWLOC_OBJ_L1CACHE)
    let summary = TopologySummary(
      packages: max(1, count(HWLOC_OBJ_PACKAGE)),
      physicalCores: coreCPUs.count,
      processingUnits: pus,
      numaNodes: max(1, count(HWLOC_OBJ_NUMANODE)),
      l1dCacheBytes: l1?.size ?? fallback.l1dCacheBytes,
      l2CacheBytes: cache(HWLOC_OBJ_L2CACHE)?.size ?? fallback.l2CacheBytes,
      l3CacheBytes: cache(HWLOC_OBJ_L3CACHE)?.size ?? fallback.l3CacheBytes,
      cacheLineBytes: l1.map { $0.line > 0 ? $0.line : fallback.cacheLineBytes } ?? fallback.cacheLineBytes,
      isFromHwloc: true)
    return (summary, coreCPUs)
  }

  private static func members(of set: OpaquePointer) -> [Int] {
    var result: [Int] = []
    var cpu = hwloc_bitmap_first(set)
    while cpu >= 0 {
      result.append(Int(cpu))
      cpu = hwloc_bitmap_next(set, cpu)
    }
    return result
  }

  /// What the C library and the OS report, with typical values where they report nothing.
  private static func fallbackSummary() -> TopologySummary {
    let configured = { (name: Int32, fallback: Int) -> Int in
      let value = sysconf(name)
      return value > 0 ? value : fallback
    }
    let cpus = max(1, ProcessInfo.processInfo.activeProcessorCount)
    return TopologySummary(
      packages: 1,
      physicalCores: cpus,
      processingUnits: cpus,
      numaNodes: 1,
      l1dCacheBytes: configured(Int32(_SC_LEVEL1_DCACHE_SIZE), 32 * 1024),
      l2CacheBytes: configured(Int32(_SC_LEVEL2_CACHE_SIZE), 512 * 1024),
      l3CacheBytes: configured(Int32(_SC_LEVEL3_CACHE_SIZE), 8 * 1024 * 1024),
      cacheLineBytes: configured(Int32(_SC_LEVEL1_DCACHE_LINESIZE), 64),
      isFromHwloc: false)
  }
}

/// One machine word of storage private to each thread (a pthread key); every thread reads 0 until it
/// stores something else.
final class ThreadLocalWord: Sendable {
  private let key: pthread_key_t

  init() {
    var key = pthread_key_t()
    precondition(pthread_key_create(&key, nil) == 0, "out of thread-local keys")
    self.key = key
  }

  /// The calling thread's value.
  var value: Int {
    get { Int(bitPattern: pthread_getspecific(key)) }
    set { pthread_setspecific(key, UnsafeRawPointer(bitPattern: newValue)) }
  }
}
