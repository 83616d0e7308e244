import Synchronization

/// Scratch for one kernel run, kept between runs (a GEMM's packed panels, an elementwise evaluator's
/// registers): one 64-byte-aligned float buffer per worker, plus one shared buffer (slot 0 of the table is
/// the shared one, worker `w` uses slot `w + 1`). Kernels thus never allocate memory as they run, which
/// would cost small kernels system calls and page faults on every call.
///
/// A worker only ever touches its own buffer, and the pool never runs two tiles on the same worker at
/// once, so the buffers need no lock; the lock guards only the table, which grows when a call brings
/// a worker index not seen before. The shared buffer is sized before the tiles start.
final class KernelWorkspace: Sendable {
  private struct Scratch {
    var pointer: UnsafeMutablePointer<Float>
    var capacity: Int
  }

  private let table = Locked<[Scratch?]>([])

  private static let alignment = 64

  /// Blocks at least this large are aligned to it and handed to ``largeBlockAdvice``.
  static let hugePageBytes = 2 << 20

  /// Called once on every new scratch block of ``hugePageBytes`` or more, before its first use. The
  /// runtime sets it to ask the OS for huge pages: a large shared packed B otherwise costs the GEMM
  /// loop a TLB miss per few micro-panels.
  static let largeBlockAdvice = Locked<(@Sendable (UnsafeMutableRawPointer, Int) -> Void)?>(nil)

  /// Scratch of at least `count` floats for `worker`; its contents are undefined.
  func floats(worker: Int, count: Int) -> UnsafeMutablePointer<Float> {
    floats(slot: worker + 1, count: count)
  }

  /// Scratch of at least `count` floats that every worker of the call may read; contents undefined.
  func sharedFloats(count: Int) -> UnsafeMutablePointer<Float> {
    floats(slot: 0, count: count)
  }

  private func floats(slot: Int, count: Int) -> UnsafeMutablePointer<Float> {
    table.withLock { slots in
      if slots.count <= slot {
        slots.append(contentsOf: repeatElement(nil, count: slot + 1 - slots.count))
      }
      if let scratch = slots[slot], scratch.capacity >= count {
        return scratch.pointer
      }
      if let old = slots[slot] {
        UnsafeMutableRawPointer(old.pointer).deallocate()
      }
      // Round up so that slowly growing shapes do not reallocate on every call.
      let capacity = max(count, (slots[slot]?.capacity ?? 0) * 3 / 2, 1024)
      let bytes = capacity * MemoryLayout<Float>.stride
      let large = bytes >= Self.hugePageBytes
      let raw = UnsafeMutableRawPointer.allocate(
        byteCount: bytes, alignment: large ? Self.hugePageBytes : Self.alignment)
      if large, let advise = Self.largeBlockAdvice.withLock({ $0 }) { advise(raw, bytes) }
      let pointer = raw.bindMemory(to: Float.self, capacity: capacity)
      slots[slot] = Scratch(pointer: pointer, capacity: capacity)
      return pointer
    }
  }

  deinit {
    table.withLock { slots in
      for case let scratch? in slots {
        UnsafeMutableRawPointer(scratch.pointer).deallocate()
      }
    }
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
