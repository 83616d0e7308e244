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
  private(set) var codes: [Int] = []
  /// The bases, numbered in the order the walk finished them (sources first).
  private(set) var nodes: [LazyBuffer] = []
  /// This walk's ticket, distinct from every other walk's.
  private let walk: Int

  /// Tickets of walks so far.
  private static let walks = Atomic<Int>(0)

  init(_ outputs: [LazyBuffer]) {
    walk = Self.walks.wrappingAdd(1, ordering: .relaxed).newValue
    // Room for a small graph at the cost of one allocation each; a training step's graph regrows a few times.
    // 120 codes (a matmul's graph takes about 70) stay under 1 KiB, which malloc serves from its per-thread
    // cache: 256 took 60 ns more per 6x8x16 matmul-and-realize.
    codes.reserveCapacity(120)
    nodes.reserveCapacity(16)
    codes.append(Runtime.threads)
    for output in outputs { _ = visit(output.base) }
    codes.append(outputs.count)
    for output in outputs { codes.append(number(of: output.base)!) }
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
  private mutating func visit(_ base: LazyBuffer) -> Int {
    if let n = number(of: base) { return n }
    if let buffer = base.realized {
      let n = finish(base)
      let first = holder(of: buffer) ?? n
      buffer.signatureMark = (walk, first)
      put(Self.realizedTag, buffer.dtype.code, buffer.count, first)
      append(shape: base.st.last.shape)
      return n
    }
    let srcs = base.srcs
    for i in srcs.indices { _ = visit(srcs[i].base) }
    let n = finish(base)
    codes.append(Self.lazyTag)
    append(op: base.op)
    codes.append(base.dtype.code)
    append(shape: base.st.last.shape)
    codes.append(srcs.count)
    for i in srcs.indices {
      let src = srcs[i]
      codes.append(number(of: src.base)!)
      append(tracker: src.st)
    }
    return n
  }

  private mutating func finish(_ base: LazyBuffer) -> Int {
    let n = nodes.count
    nodes.append(base)
    base.signatureMark = (walk, n)
    return n
  }

  /// Appends values without building an array for them.
  @inline(__always)
  private mutating func put(_ values: Int...) {
    for v in values { codes.append(v) }
  }

  private static let realizedTag = -1
  private static let lazyTag = -2

  private mutating func append(shape: [Int]) {
    codes.append(shape.count)
    append(contentsOf: shape)
  }

  /// Appends each value in turn: `+=` on two arrays goes through a generic path that costs several times
  /// as much for a handful of values.
  @inline(__always)
  private mutating func append(contentsOf values: [Int]) {
    for v in values { codes.append(v) }
  }

  private mutating func append(tracker: ShapeTracker) {
    codes.append(tracker.viewCount)
    for view in tracker.lower { append(view: view) }
    append(view: tracker.last)
  }

  private mutating func append(view: View) {
    append(shape: view.shape)
    append(contentsOf: view.strides)
    codes.append(view.offset)
    if let mask = view.mask {
      codes.append(1)
      for range in mask { put(range.lowerBound, range.upperBound) }
    } else {
      codes.append(0)
    }
  }

  private mutating func append(op: LazyOp) {
    switch op {
    case .buffer: codes.append(0)
    case .const(let value): put(1, Int(value.bitPattern))
    case .empty: codes.append(2)
    case .unary(let u):
      switch u {
      case .neg: put(3, 0)
      case .exp2: put(3, 1)
      case .log2: put(3, 2)
      case .sin: put(3, 3)
      case .sqrt: put(3, 4)
      case .cast(let d): put(3, 5, d.code)
      }
    case .binary(let b):
      switch b {
      case .add: put(4, 0)
      case .sub: put(4, 1)
      case .mul: put(4, 2)
      case .div: put(4, 3)
      case .max: put(4, 4)
      case .cmplt: put(4, 5)
      }
    case .ternary(.where): codes.append(5)
    case .reduce(let r): put(6, r == .sum ? 0 : 1)
    case .contiguous: codes.append(7)
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
