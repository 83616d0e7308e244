extension Tensor {
  /// Basic, strided, negative-step and fancy indexing (teenygrad's `__getitem__`).
  public subscript(_ indices: TensorIndex...) -> Tensor { index(indices) }

  func index(_ indices: [TensorIndex]) -> Tensor {
    var entries = indices
    let counted = entries.filter {
      switch $0 { case .index, .range, .all, .tensor: true; default: false }
    }.count
    precondition(counted <= ndim, "index: too many indices (\(counted)) for shape \(shape)")
    let ellipses = entries.indices.filter { if case .ellipsis = entries[$0] { return true }; return false }
    precondition(ellipses.count <= 1, "index: only one ellipsis is allowed")
    let at = ellipses.first ?? entries.count
    if at < entries.count { entries.remove(at: at) }
    entries.insert(contentsOf: [TensorIndex](repeating: .all, count: ndim - counted), at: at)

    // Per real axis: (start, stop, step) in Python slice semantics.
    var slices: [(Int, Int, Int)] = []
    var axisIdx = 0
    for e in entries {
      let n = axisIdx < ndim ? shape[axisIdx] : 0
      switch e {
      case .newAxis, .ellipsis: continue
      case .index(let i):
        precondition(i >= -n && i < n, "index: index \(i) is out of bounds for axis \(axisIdx) with size \(n)")
        let j = i < 0 ? i + n : i
        slices.append((j, j + 1, 1))
      case .range(let a, let b, let step):
        slices.append(Tensor.sliceIndices(a, b, step, n))
      case .all, .tensor:
        slices.append((0, n, 1))
      }
      axisIdx += 1
    }
    // Shrink to the covered range, flip negative steps, then take every step-th element.
    let shrinkArg: [(Int, Int)?] = slices.map { s, e, st in
      st > 0 ? (e < s ? (0, 0) : (s, e)) : (e > s ? (0, 0) : (e + 1, s + 1))
    }
    var t = shrink(shrinkArg).flip(slices.indices.filter { slices[$0].2 < 0 })
    if slices.contains(where: { Swift.abs($0.2) != 1 }) {
      let strides = slices.map { Swift.abs($0.2) }
      let padArg: [(Int, Int)?] = zip(strides, t.shape).map { s, d in (0, d % s != 0 ? s - d % s : 0) }
      let padded = t.pad(padArg)
      let reshaped = padded.reshape(zip(padded.shape, strides).flatMap { [$0 / $1, $1] })
      let newShape = stride(from: 0, to: reshaped.ndim, by: 2).map { reshaped.shape[$0] }
      t = reshaped.shrink(newShape.flatMap { [(0, $0), (0, 1)] as [(Int, Int)?] })
      t = t.reshape(newShape)
    }
    // Final shape: drop indexed axes, add new ones; remember fancy-indexed axes.
    var finalShape: [Int] = []
    var tensors: [Tensor] = []
    var dims: [Int] = []
    var realAxis = 0
    for e in entries {
      switch e {
      case .newAxis: finalShape.append(1)
      case .ellipsis: continue
      case .index: realAxis += 1
      case .tensor(let idx):
        dims.append(finalShape.count)
        tensors.append(idx)
        finalShape.append(t.shape[realAxis]); realAxis += 1
      case .range, .all:
        finalShape.append(t.shape[realAxis]); realAxis += 1
      }
    }
    var ret = t.reshape(finalShape)
    if !tensors.isEmpty { ret = ret.fancyIndex(tensors, dims: dims) }
    return ret
  }

  /// Python's `slice.indices` for a step that is not zero.
  static func sliceIndices(_ a: Int?, _ b: Int?, _ step: Int, _ n: Int) -> (Int, Int, Int) {
    precondition(step != 0, "index: slice step cannot be zero")
    func clamp(_ v: Int, _ lo: Int, _ hi: Int) -> Int { Swift.min(Swift.max(v, lo), hi) }
    if step > 0 {
      let s = a.map { $0 < 0 ? clamp($0 + n, 0, n) : clamp($0, 0, n) } ?? 0
      let e = b.map { $0 < 0 ? clamp($0 + n, 0, n) : clamp($0, 0, n) } ?? n
      return (s, e, step)
    }
    let s = a.map { $0 < 0 ? clamp($0 + n, -1, n - 1) : clamp($0, -1, n - 1) } ?? (n - 1)
    let e = b.map { $0 < 0 ? clamp($0 + n, -1, n - 1) : clamp($0, -1, n - 1) } ?? -1
    return (s, e, step)
  }

  /// Selects along `dims` with int32 index tensors by comparing against an arange and summing.
  private func fancyIndex(_ tensors: [Tensor], dims: [Int]) -> Tensor {
    var ret = self
    let idx = zip(dims, tensors).map { d, t in
      (t.sign().contiguous().neg().contiguous().relu() * Float(ret.shape[d]) + t).cast(.int32)
    }
    let maxDim = idx.map(\.ndim).max()!
    let sumDim = dims.enumerated().map { n, d in n == 0 ? d : d + maxDim - n }
    let aranges = zip(sumDim, dims).enumerated().map { n, p in
      Tensor.arange(0, Float(ret.shape[p.1]), dtype: .int32)
        .reshape([Int](repeating: 1, count: p.0) + [ret.shape[p.1]] + [Int](repeating: 1, count: ret.ndim + maxDim - n - p.0 - 1))
    }
    var shaped: [Tensor] = []
    for (n, i) in idx.enumerated() {
      if n == 0 {
        shaped.append(i.reshape([Int](repeating: 1, count: dims[0] + 1 + maxDim - i.ndim) + i.shape
                                + [Int](repeating: 1, count: ret.ndim - dims[0] - 1)))
      } else {
        shaped.append(i.reshape([Int](repeating: 1, count: dims[0] + maxDim - i.ndim) + i.shape
                                + [Int](repeating: 1, count: ret.ndim - dims[0] - n)))
      }
    }
    ret = ret.reshape(Array(ret.shape[0...sumDim[0]]) + [Int](repeating: 1, count: maxDim) + Array(ret.shape[(sumDim[0] + 1)...]))
    for ((a, i), sd) in zip(zip(aranges, shaped), sumDim) {
      ret = (a .== i).where(ret, 0).sum(axis: sd)
    }
    if dims[0] != 0 && dims.count != 1 && dims != Array(dims[0]...dims[dims.count - 1]) {
      let all = Array(0..<ret.ndim)
      ret = ret.permute(Array(all[dims[0]..<(dims[0] + maxDim)]) + Array(all[0..<dims[0]]) + Array(all[(dims[0] + maxDim)...]))
    }
    return ret
  }

  /// Picks elements along `dim` at the positions in `index` (same rank as self).
  public func gather(_ index: Tensor, dim: Int) -> Tensor {
    precondition(index.ndim == ndim, "gather: index rank \(index.shape) must equal tensor rank \(shape)")
    precondition(zip(shape, index.shape).allSatisfy { $0 >= $1 }, "gather: index shape \(index.shape) exceeds \(shape)")
    let d = axis(dim, op: "gather")
    let idx = index.transpose(d, 0).unsqueeze(-1)
    var order = Array(0..<ndim)
    order = d != 0 ? Array(order[1..<d]) + [order[0]] + Array(order[(d + 1)...]) + [order[d]] : Array(order[1...]) + [order[0]]
    let arange = Tensor.arange(0, Float(shape[d]), dtype: .int32)
    let src = permute(order).shrink(idx.shape[1..<(idx.ndim - 1)].map { (0, $0) } + [(0, shape[d])]).unsqueeze(0)
    return (idx .== arange).where(src, 0).sum(axis: -1).transpose(0, d)
  }

  /// Concatenates along `dim`.
  public func cat(_ others: Tensor..., dim: Int = 0) -> Tensor { cat(others, dim: dim) }

  func cat(_ others: [Tensor], dim: Int = 0) -> Tensor {
    let d = axis(dim, op: "cat")
    for o in others {
      precondition(o.ndim == ndim && (0..<ndim).allSatisfy { $0 == d || o.shape[$0] == shape[$0] },
                   "cat: shapes \(shape) and \(o.shape) differ outside axis \(d)")
    }
    let all = [self] + others
    let total = all.map { $0.shape[d] }.reduce(0, +)
    var start = 0
    var result: Tensor?
    for t in all {
      var arg: [(Int, Int)?] = [(Int, Int)?](repeating: nil, count: ndim)
      arg[d] = (start, total - start - t.shape[d])
      start += t.shape[d]
      let p = t.pad(arg)
      result = result.map { $0 + p } ?? p
    }
    return result!
  }

  /// Stacks tensors of equal shape along a new axis `dim`.
  public static func stack(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
    precondition(!tensors.isEmpty, "stack: needs at least one tensor")
    let d = dim < 0 ? dim + tensors[0].ndim + 1 : dim
    return tensors[0].unsqueeze(d).cat(tensors.dropFirst().map { $0.unsqueeze(d) }, dim: d)
  }

  /// Tiles the tensor `repeats[i]` times along each axis (teenygrad's `repeat`).
  public func repeating(_ repeats: [Int]) -> Tensor {
    precondition(repeats.count >= ndim, "repeating: \(repeats) has fewer entries than shape \(shape)")
    let baseShape = shape.leftPadded(toCount: repeats.count)
    let newShape = baseShape.flatMap { [1, $0] }
    let expandShape = zip(repeats, baseShape).flatMap { [$0, $1] }
    return reshape(newShape).expand(expandShape).reshape(zip(repeats, baseShape).map { $0 * $1 })
  }

  /// Splits into `count` pieces along `dim` (the last may be smaller).
  public func chunk(_ count: Int, dim: Int = 0) -> [Tensor] {
    precondition(count > 0, "chunk: count must be positive")
    let d = axis(dim, op: "chunk")
    let step = (shape[d] + count - 1) / count
    guard step > 0 else { return [self] }
    return stride(from: 0, to: shape[d], by: step).map { k in
      var arg: [(Int, Int)?] = [(Int, Int)?](repeating: nil, count: ndim)
      arg[d] = (k, Swift.min(k + step, shape[d]))
      return shrink(arg)
    }
  }
}
