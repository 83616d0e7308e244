/// Splits an elementwise kernel's axes to match an input that reads a permuted layout through a reshape
/// (two views: the permute, then a contiguous reshape). Iterating the finer shape turns that input back into
/// one strided view, so the kernel runs on the strided fast paths instead of per-element index arithmetic.
enum KernelRefinement {
  static func refine(_ kernel: Kernel) -> Kernel {
    guard kernel.reduceAxes.isEmpty else { return kernel }
    for input in kernel.inputs where input.st.viewCount == 2 {
      let top = input.st.last, below = input.st.bufferView
      guard top.isContiguous, top.size == below.size, below.shape != kernel.shape,
            refines(below.shape, kernel.shape) else { continue }
      let fine = below.shape
      var refined = kernel
      var ok = true
      for i in refined.inputs.indices {
        let st = refined.inputs[i].st.reshaped(fine)
        if st.viewCount > refined.inputs[i].st.viewCount || (i == refined.inputs.firstIndex { $0.st == input.st } && !st.isSingleView) {
          ok = false
          break
        }
        refined.inputs[i].st = st
      }
      if ok {
        refined.shape = fine
        return refined
      }
    }
    return kernel
  }

  /// Whether consecutive axes of `fine` multiply to each axis of `coarse`.
  static func refines(_ fine: [Int], _ coarse: [Int]) -> Bool {
    let f = fine.filter { $0 != 1 }, c = coarse.filter { $0 != 1 }
    var i = 0
    for size in c {
      var product = 1
      while product < size && i < f.count { product *= f[i]; i += 1 }
      if product != size { return false }
    }
    return i == f.count
  }
}
