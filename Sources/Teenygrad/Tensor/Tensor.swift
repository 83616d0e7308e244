import Synchronization

/// A lazily evaluated n-dimensional array with reverse-mode autograd (teenygrad's `Tensor`).
///
/// Operations build a graph; ``realize()`` or reading data (``toArray()``, ``item()``) runs it on the runtime's
/// fused, tiled kernels. `Tensor` is a class: optimizers update parameters in place through ``assign(_:)``.
public final class Tensor {
  /// The graph node holding (or computing) this tensor's value.
  var lazydata: LazyBuffer
  /// Whether gradients flow to this tensor; nil means "not decided", which an optimizer turns into true.
  public var requiresGrad: Bool?
  /// The gradient accumulated by ``backward()``.
  public var grad: Tensor?
  /// The function that produced this tensor, kept while gradients may flow through it.
  var context: Function?

  init(lazy: LazyBuffer, requiresGrad: Bool? = nil) {
    self.lazydata = lazy
    self.requiresGrad = requiresGrad
  }

  /// The size of each axis.
  public var shape: [Int] { lazydata.shape }
  /// The element type.
  public var dtype: DType { lazydata.dtype }
  /// The number of axes.
  public var ndim: Int { shape.count }
  /// The number of elements.
  public var numel: Int { lazydata.numel }

  // MARK: global modes

  private static let trainingFlag = Atomic<Bool>(false)
  /// Whether the calling thread (or task) is inside ``withNoGrad(_:)``. Scoped to it, as PyTorch's grad mode
  /// is per thread: one thread's evaluation pass never stops another from recording gradients, and scopes
  /// on two threads cannot restore each other's flag.
  @TaskLocal private static var noGradScope = false

  /// Whether layers run in training mode (dropout active, batch norm uses batch statistics).
  public static var training: Bool {
    get { trainingFlag.load(ordering: .relaxed) }
    set { trainingFlag.store(newValue, ordering: .relaxed) }
  }

  static var isNoGrad: Bool { noGradScope }

  /// Runs `body` without recording the autograd graph (teenygrad's `Tensor.no_grad = True`), on the calling
  /// thread only.
  public static func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try $noGradScope.withValue(true) { try body() }
  }

  /// Runs `body` with ``training`` set to `enabled` (teenygrad's `Tensor.train()` context).
  public static func withTraining<R>(_ enabled: Bool = true, _ body: () throws -> R) rethrows -> R {
    let previous = trainingFlag.exchange(enabled, ordering: .relaxed)
    defer { trainingFlag.store(previous, ordering: .relaxed) }
    return try body()
  }
}

extension Tensor: CustomStringConvertible {
  /// A summary: shape, dtype and whether it is realized.
  public var description: String {
    "<Tensor shape=\(shape) dtype=\(dtype)\(lazydata.base.realized != nil ? "" : " lazy")>"
  }
}
