/// Recognises `SUM(MUL(a, b))` reduce kernels whose operands are strided matrices and turns them into GEMMs.
enum GEMMMatcher {
  static func match(_ kernel: Kernel, buffers: [ScheduledBuffer]) -> Kernel? {
    nil
  }
}
