/// The codes of one walk as they are written: a buffer of its own, grown by doubling, whose appends check
/// nothing but its capacity (an array's append also checks that it is uniquely referenced, across the walk's
/// calls: about a fifth of a small graph's signature).
struct CodeWriter: ~Copyable {
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
    case .binary(let b): append(4); append(b.rawValue)
    case .ternary(.where): append(5)
    case .reduce(let r): append(6); append(r.rawValue)
    case .contiguous: append(7)
    }
  }
}

extension DType {
  /// A distinct number per dtype, for graph signatures.
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
