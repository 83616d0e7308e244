import Synchronization

/// Everything the scheduler reads of the lazy graph above some outputs, written down as integers.
///
/// The scheduler's decisions depend on the unrealized bases above the outputs (op, dtype, shape), the views
/// through which each reads its sources, which sources already hold memory (their dtype, size, and which of
/// them share one buffer), which bases are the same node, which are outputs, and the runtime's thread count
/// (GEMM operand copies depend on it). Two graphs with equal ``codes`` therefore get the same kernels; only
/// the nodes that own or supply the memory differ, and ``nodes`` lists them in the order both walks met them.
///
/// The walk numbers each base in the base itself (``LazyBuffer/signatureMark``, and each realized buffer in
/// ``Buffer/signatureMark``), not in dictionaries: a small graph's signature is part of the per-call overhead
/// of every realize. A number (``number(of:)``, ``holder(of:)``) is valid until another walk passes that node.
struct GraphSignature {
  /// The encoding: equal codes, equal schedules.
  let codes: [Int]
  /// The bases, numbered in the order the walk finished them (sources first).
  private(set) var nodes: [LazyBuffer] = []
  /// This walk's ticket, distinct from every other walk's.
  private let walk: Int

  /// Tickets of walks so far.
  private static let walks = Atomic<Int>(0)

  init(_ outputs: [LazyBuffer]) {
    walk = Self.walks.wrappingAdd(1, ordering: .relaxed).newValue
    nodes.reserveCapacity(16)
    var writer = CodeWriter()
    writer.append(Runtime.threads)
    for output in outputs { _ = Self.visit(output.base, walk: walk, nodes: &nodes, codes: &writer) }
    writer.append(outputs.count)
    for output in outputs { writer.append(output.base.signatureMark.number) }
    codes = writer.finish()
  }

  /// The number this walk gave `base`, or nil when the walk did not pass it.
  func number(of base: LazyBuffer) -> Int? {
    base.signatureMark.walk == walk ? base.signatureMark.number : nil
  }

  /// The first node of this walk that holds `buffer`, or nil when the walk met no such node.
  func holder(of buffer: Buffer) -> Int? {
    buffer.signatureMark.walk == walk ? buffer.signatureMark.number : nil
  }

  /// The cache key of ``codes``.
  var key: SignatureKey { SignatureKey(codes) }

  /// Numbers `base` after its sources and appends its code; returns its number.
  private static func visit(_ base: LazyBuffer, walk: Int, nodes: inout [LazyBuffer], codes: inout CodeWriter) -> Int {
    if base.signatureMark.walk == walk { return base.signatureMark.number }
    if let buffer = base.realized {
      let n = finish(base, walk: walk, nodes: &nodes)
      let first = buffer.signatureMark.walk == walk ? buffer.signatureMark.number : n
      buffer.signatureMark = (walk, first)
      codes.append(realizedTag)
      codes.append(buffer.dtype.code)
      codes.append(buffer.count)
      codes.append(first)
      codes.append(shape: base.st.last.shape)
      return n
    }
    let srcs = base.srcs
    for i in srcs.indices { _ = visit(srcs[i].base, walk: walk, nodes: &nodes, codes: &codes) }
    let n = finish(base, walk: walk, nodes: &nodes)
    codes.append(lazyTag)
    codes.append(op: base.op)
    codes.append(base.dtype.code)
    codes.append(shape: base.st.last.shape)
    codes.append(srcs.count)
    for i in srcs.indices {
      let src = srcs[i]
      codes.append(src.base.signatureMark.number)
      codes.append(tracker: src.st)
    }
    return n
  }

  private static func finish(_ base: LazyBuffer, walk: Int, nodes: inout [LazyBuffer]) -> Int {
    let n = nodes.count
    nodes.append(base)
    base.signatureMark = (walk, n)
    return n
  }

  private static let realizedTag = -1
  private static let lazyTag = -2
}

/// The codes of one walk as they are written: a buffer of its own, grown by doubling, whose appends check
/// nothing but its capacity (an array's append also checks that it is uniquely referenced, across the walk's
/// calls: about a fifth of a small graph's signature).
private struct CodeWriter: ~Copyable {
  private var start: UnsafeMutablePointer<Int>
  private var count = 0
  private var capacity: Int

  /// Room for a matmul's graph (about 70 codes); a training step's graph grows it a few times.
  init(capacity: Int = 128) {
    self.capacity = capacity
    start = .allocate(capacity: capacity)
  }

  deinit { start.deallocate() }

  /// The codes written, as an array.
  consuming func finish() -> [Int] { Array(UnsafeBufferPointer(start: start, count: count)) }

  @inline(__always)
  mutating func append(_ value: Int) {
    if count == capacity { grow() }
    start[count] = value
    count &+= 1
  }

  private mutating func grow() {
    let larger = UnsafeMutablePointer<Int>.allocate(capacity: capacity &* 2)
    larger.moveInitialize(from: start, count: count)
    start.deallocate()
    start = larger
    capacity &*= 2
  }

  mutating func append(shape: [Int]) {
    append(shape.count)
    for v in shape { append(v) }
  }

  mutating func append(tracker: ShapeTracker) {
    append(tracker.viewCount)
    for view in tracker.lower { append(view: view) }
    append(view: tracker.last)
  }

  mutating func append(view: View) {
    append(shape: view.shape)
    for v in view.strides { append(v) }
    append(view.offset)
    if let mask = view.mask {
      append(1)
      for range in mask {
        append(range.lowerBound)
        append(range.upperBound)
      }
    } else {
      append(0)
    }
  }

  mutating func append(op: LazyOp) {
    switch op {
    case .buffer: append(0)
    case .const(let value): append(1); append(Int(value.bitPattern))
    case .empty: append(2)
    case .unary(let u):
      append(3)
      switch u {
      case .neg: append(0)
      case .exp2: append(1)
      case .log2: append(2)
      case .sin: append(3)
      case .sqrt: append(4)
      case .cast(let d): append(5); append(d.code)
      }
    case .binary(let b):
      append(4)
      switch b {
      case .add: append(0)
      case .sub: append(1)
      case .mul: append(2)
      case .div: append(3)
      case .max: append(4)
      case .cmplt: append(5)
      }
    case .ternary(.where): append(5)
    case .reduce(let r): append(6); append(r == .sum ? 0 : 1)
    case .contiguous: append(7)
    }
  }
}

/// ``GraphSignature/codes`` as a dictionary key whose hash is one multiply-xor pass over the codes, computed
/// once, instead of SipHash over every code at each lookup.
struct SignatureKey: Hashable, Sendable {
  let codes: [Int]
  private let digest: Int

  init(_ codes: [Int]) {
    self.codes = codes
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for c in codes { h = (h ^ UInt64(bitPattern: Int64(c))) &* 0x0000_0100_0000_01b3 }
    digest = Int(bitPattern: UInt(h))
  }

  func hash(into hasher: inout Hasher) { hasher.combine(digest) }

  static func == (a: SignatureKey, b: SignatureKey) -> Bool { a.digest == b.digest && a.codes == b.codes }
}

private extension DType {
  /// A distinct number per dtype.
  var code: Int {
    switch self {
    case .float32: 0
    case .float16: 1
    case .int32: 2
    case .uint8: 3
    case .bool: 4
    }
  }
}
