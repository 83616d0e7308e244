/// Which evaluator runs a kernel, with what it needs that depends on the kernel alone: decided once, when
/// the kernel is scheduled, and reused every time a cached schedule runs it again.
///
/// A training step runs the same few dozen kernels every step, most of them small (an optimizer update of
/// a 16x8x3x3 weight, a loss over 128x10). Working out their iteration plan and evaluator on every run cost
/// more than computing them: about 3 us of a 3.4 us kernel of 1152 floats.
indirect enum KernelRoute: Sendable {
  /// A matrix product (``Kernel/gemm``).
  case gemm
  /// A pooling layer's window kernel (``WindowEvaluator``).
  case window(WindowEvaluator.Layout)
  /// Chunks of lanes gathered through block tables (``GatherEvaluator``, a layout bound to no memory).
  case gather(GatherEvaluator)
  /// Rows of the iteration plan (``ElementwiseEvaluator``, a layout bound to no memory).
  case rows(ElementwiseEvaluator)

  /// The route that runs `kernel`.
  init(_ kernel: Kernel) {
    if kernel.gemm != nil {
      self = .gemm
    } else if let layout = WindowEvaluator.layout(of: kernel) {
      self = .window(layout)
    } else {
      let plan = IterationPlan(kernel)
      self = GatherEvaluator.applies(to: kernel, plan: plan)
        ? .gather(GatherEvaluator(layout: kernel)) : .rows(ElementwiseEvaluator(layout: kernel, plan: plan))
    }
  }
}

/// The memory of an evaluator layout that no run has bound yet: never dereferenced, since a run binds its
/// own buffers first.
enum UnboundMemory {
  static var pointer: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: MemoryLayout<Float>.alignment)! }
}
