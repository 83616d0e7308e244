import Synchronization

/// Scratch for one kernel run, kept between runs (a GEMM's packed panels, an elementwise evaluator's
/// registers): one 64-byte-aligned float buffer per worker, plus one shared buffer (slot 0 of the table is
/// the shared one, worker `w` uses slot `w + 1`). Kernels thus never allocate memory as they run, which
/// would cost small kernels system calls and page faults on every call.
///
/// A workspace belongs to one kernel run at a time (``withWorkspace(_:)``), a worker only ever touches its
/// own slot, and the pool never runs two tiles on the same worker at once; the shared buffer is sized before
/// the tiles start. The slots therefore need no lock: the table is a fixed block of ``maxWorkers`` + 1
/// slots, so no slot ever moves. A lock taken for every tile (a TinyConvNet step cuts its kernels into about
/// 2,200 tiles) made the two workers of a two-thread run wait for each other.
final class KernelWorkspace: @unchecked Sendable {
  private struct Scratch {
    var pointer: UnsafeMutablePointer<Float>?
    var capacity: Int
  }

  /// Most workers a workspace serves: worker indices run from 0 to the pool's thread count.
  static let maxWorkers = 1024

  private let slots: UnsafeMutablePointer<Scratch>

  private static let alignment = 64

  /// Blocks at least this large are aligned to it and handed to ``largeBlockAdvice``.
  static let hugePageBytes = 2 << 20

  /// Called once on every new scratch block of ``hugePageBytes`` or more, before its first use. The
  /// runtime sets it to ask the OS for huge pages: a large shared packed B otherwise costs the GEMM
  /// loop a TLB miss per few micro-panels.
  static let largeBlockAdvice = Locked<(@Sendable (UnsafeMutableRawPointer, Int) -> Void)?>(nil)

  private init() {
    slots = .allocate(capacity: Self.maxWorkers + 1)
    slots.initialize(repeating: Scratch(pointer: nil, capacity: 0), count: Self.maxWorkers + 1)
  }

  /// Scratch of at least `count` floats for `worker`; its contents are undefined.
  func floats(worker: Int, count: Int) -> UnsafeMutablePointer<Float> {
    precondition(worker >= 0 && worker < Self.maxWorkers,
                 "KernelWorkspace: worker \(worker) is outside 0..<\(Self.maxWorkers)")
    return floats(slot: worker + 1, count: count)
  }

  /// Scratch of at least `count` floats that every worker of the call may read; contents undefined.
  func sharedFloats(count: Int) -> UnsafeMutablePointer<Float> {
    floats(slot: 0, count: count)
  }

  private func floats(slot: Int, count: Int) -> UnsafeMutablePointer<Float> {
    let scratch = slots[slot]
    if let pointer = scratch.pointer, scratch.capacity >= count { return pointer }
    if let old = scratch.pointer { UnsafeMutableRawPointer(old).deallocate() }
    // Round up so that slowly growing shapes do not reallocate on every call.
    let capacity = max(count, scratch.capacity * 3 / 2, 1024)
    let bytes = capacity * MemoryLayout<Float>.stride
    let large = bytes >= Self.hugePageBytes
    let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: large ? Self.hugePageBytes : Self.alignment)
    if large, let advise = Self.largeBlockAdvice.withLock({ $0 }) { advise(raw, bytes) }
    let pointer = raw.bindMemory(to: Float.self, capacity: capacity)
    slots[slot] = Scratch(pointer: pointer, capacity: capacity)
    return pointer
  }

  deinit {
    for slot in 0...Self.maxWorkers {
      if let pointer = slots[slot].pointer { UnsafeMutableRawPointer(pointer).deallocate() }
    }
    slots.deallocate()
  }

  /// Idle workspaces: a call borrows one, so concurrent kernel runs never share scratch.
  private static let idle = Locked<[KernelWorkspace]>([])

  /// Runs `body` with a workspace that no other running call holds.
  static func withWorkspace<R>(_ body: (KernelWorkspace) -> R) -> R {
    let workspace = idle.withLock { $0.popLast() } ?? KernelWorkspace()
    defer { idle.withLock { $0.append(workspace) } }
    return body(workspace)
  }
}
