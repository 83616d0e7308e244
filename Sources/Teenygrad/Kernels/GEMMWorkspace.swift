import Synchronization

/// Packing scratch for one GEMM call: one 64-byte-aligned float buffer per worker, kept between calls.
///
/// A worker only ever touches its own buffer, and the pool never runs two tiles on the same worker at
/// once, so the buffers need no lock; the lock guards only the table, which grows when a call brings
/// a worker index not seen before.
final class GEMMWorkspace: Sendable {
  private struct Scratch {
    var pointer: UnsafeMutablePointer<Float>
    var capacity: Int
  }

  private let table = Mutex<[Scratch?]>([])

  private static let alignment = 64

  /// Scratch of at least `count` floats for `worker`; its contents are undefined.
  func floats(worker: Int, count: Int) -> UnsafeMutablePointer<Float> {
    table.withLock { slots in
      if slots.count <= worker {
        slots.append(contentsOf: repeatElement(nil, count: worker + 1 - slots.count))
      }
      if let scratch = slots[worker], scratch.capacity >= count {
        return scratch.pointer
      }
      if let old = slots[worker] {
        UnsafeMutableRawPointer(old.pointer).deallocate()
      }
      // Round up so that slowly growing shapes do not reallocate on every call.
      let capacity = max(count, (slots[worker]?.capacity ?? 0) * 3 / 2, 1024)
      let raw = UnsafeMutableRawPointer.allocate(
        byteCount: capacity * MemoryLayout<Float>.stride, alignment: Self.alignment)
      let pointer = raw.bindMemory(to: Float.self, capacity: capacity)
      slots[worker] = Scratch(pointer: pointer, capacity: capacity)
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

  /// Idle workspaces: a call borrows one, so concurrent GEMM calls never share scratch.
  private static let idle = Mutex<[GEMMWorkspace]>([])

  /// Runs `body` with a workspace that no other running call holds.
  static func withWorkspace<R>(_ body: (GEMMWorkspace) -> R) -> R {
    let workspace = idle.withLock { $0.popLast() } ?? GEMMWorkspace()
    defer { idle.withLock { $0.append(workspace) } }
    return body(workspace)
  }
}
