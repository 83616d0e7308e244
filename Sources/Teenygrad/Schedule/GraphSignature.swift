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
    for output in outputs { writer.append(Self.number(output.base.signatureMark, in: walk)!) }
    codes = writer.finish()
  }

  /// The number this walk gave `base`, or nil when the walk did not pass it.
  func number(of base: LazyBuffer) -> Int? { Self.number(base.signatureMark, in: walk) }

  /// The first node of this walk that holds `buffer`, or nil when the walk met no such node.
  func holder(of buffer: Buffer) -> Int? { Self.number(buffer.signatureMark, in: walk) }

  /// The number a mark (``LazyBuffer/signatureMark``, ``Buffer/signatureMark``) holds for walk `walk`, or nil
  /// when it is another walk's.
  @inline(__always)
  private static func number(_ mark: (walk: Int, number: Int), in walk: Int) -> Int? {
    mark.walk == walk ? mark.number : nil
  }

  /// The cache key of ``codes``.
  var key: SignatureKey { SignatureKey(codes) }

  /// Numbers `base` after its sources and appends its code; returns its number.
  private static func visit(_ base: LazyBuffer, walk: Int, nodes: inout [LazyBuffer], codes: inout CodeWriter) -> Int {
    if let n = number(base.signatureMark, in: walk) { return n }
    if let buffer = base.realized {
      let n = finish(base, walk: walk, nodes: &nodes)
      let first = number(buffer.signatureMark, in: walk) ?? n
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
      codes.append(number(src.base.signatureMark, in: walk)!)
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
