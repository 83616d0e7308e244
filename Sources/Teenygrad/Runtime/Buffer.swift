import Synchronization

/// A block of 64-byte-aligned device (host) memory holding `count` elements of `dtype`.
///
/// Memory comes from ``BufferAllocator`` and returns to it when the buffer dies, so kernels reuse the
/// same blocks step after step and a training loop's resident size stays flat.
final class Buffer: @unchecked Sendable {
  let dtype: DType
  let count: Int
  let byteCount: Int
  let raw: UnsafeMutableRawPointer
  /// The last ``GraphSignature`` walk that met this buffer, and the first node of that walk holding it.
  /// Written only by the thread scheduling a graph that reads the buffer, which owns that graph's tensors.
  var signatureMark: (walk: Int, number: Int) = (0, 0)

  init(dtype: DType, count: Int) {
    self.dtype = dtype
    self.count = count
    self.byteCount = count * dtype.itemSize
    self.raw = BufferAllocator.shared.allocate(byteCount: byteCount)
  }

  deinit { BufferAllocator.shared.release(raw, byteCount: byteCount) }

  var floats: UnsafeMutablePointer<Float> { raw.assumingMemoryBound(to: Float.self) }

  /// Copies the buffer's bytes out.
  func bytes() -> [UInt8] {
    [UInt8](UnsafeRawBufferPointer(start: raw, count: byteCount))
  }

  /// Element `i` converted to `Float`.
  func value(at i: Int) -> Float { ElementIO.load(raw, dtype, i) }
}

/// Reuses freed blocks by size class (powers of two and halfway steps); blocks are 64-byte aligned.
final class BufferAllocator: @unchecked Sendable {
  static let shared = BufferAllocator()

  private struct State {
    /// Free blocks per size class, indexed by ``classIndex(_:)``: an array lookup, where a dictionary keyed
    /// by size hashed its key on every allocation and release.
    var free = [[UInt]](repeating: [], count: BufferAllocator.classCount)
    var cachedBytes = 0
    var liveBytes = 0
    var peakLiveBytes = 0
  }
  private let state = Locked(State())
  /// Free blocks beyond this many bytes go back to the system.
  var cacheLimitBytes = 1 << 30

  /// Classes up to 4096 bytes (64 of them), then two per power of two up to 2^63.
  private static let classCount = 64 + 2 * (Int.bitWidth - 12)

  /// The block size that serves `bytes` (multiples of 64 up to 4096, then powers of two and the halfway
  /// steps between them) and its class's index in ``State/free``.
  private static func sizeClassAndIndex(_ bytes: Int) -> (size: Int, index: Int) {
    let n = Swift.max(bytes, 64)
    if n <= 4096 {
      let size = (n + 63) & ~63
      return (size, size / 64 - 1)
    }
    let power = Int.bitWidth - 1 - (n - 1).leadingZeroBitCount  // highest power of two below n
    let high = 1 << power
    let index = 64 + 2 * (power - 12)
    if n <= high + high / 2 { return (high + high / 2, index) }
    return (high * 2, index + 1)
  }

  func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
    let (size, index) = Self.sizeClassAndIndex(byteCount)
    let reused: UInt? = state.withLock { s in
      s.liveBytes += size
      s.peakLiveBytes = Swift.max(s.peakLiveBytes, s.liveBytes)
      guard let p = s.free[index].popLast() else { return nil }
      s.cachedBytes -= size
      return p
    }
    if let reused, let p = UnsafeMutableRawPointer(bitPattern: reused) { return p }
    guard size >= Topology.hugePageBytes else { return UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64) }
    let p = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: Topology.hugePageBytes)
    Topology.adviseHugePages(p, size)
    return p
  }

  func release(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
    let (size, index) = Self.sizeClassAndIndex(byteCount)
    let address = UInt(bitPattern: pointer)
    let keep: Bool = state.withLock { s in
      s.liveBytes -= size
      guard s.cachedBytes + size <= cacheLimitBytes else { return false }
      s.free[index].append(address)
      s.cachedBytes += size
      return true
    }
    if !keep { pointer.deallocate() }
  }

  /// Bytes held by live buffers now, and the most ever held.
  var usage: (live: Int, peak: Int, cached: Int) {
    state.withLock { ($0.liveBytes, $0.peakLiveBytes, $0.cachedBytes) }
  }
}
