import Testing
@testable import Teenygrad

/// Deterministic values in [-1, 1).
private struct ScatterTestRandom {
  var state: UInt64
  mutating func floats(_ count: Int) -> [Float] {
    (0..<count).map { _ in
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Float((state >> 33) % 2048) / 1024 - 1
    }
  }
}

@Suite("GEMM fused with the col2im that sums it")
struct ScatterFusionTests {
  /// conv2d's input gradient for `x` (batch x channels x size x size) under weights (outputs x channels x
  /// 3 x 3) and an output gradient, as the lazy tensor backward builds it.
  static func inputGradient(_ x: [Float], _ w: [Float], _ g: [Float], batch: Int, channels: Int, outputs: Int,
                            size: Int) -> Tensor {
    let out = size - 2
    let xt = Tensor(x, shape: [batch, channels, size, size], requiresGrad: true)
    let wt = Tensor(w, shape: [outputs, channels, 3, 3])
    let gt = Tensor(g, shape: [batch, outputs, out, out])
    _ = (xt.conv2d(wt) * gt).sum().backward()
    return xt.grad!
  }

  /// TinyConvNet's conv2 (C's columns are images) and a one-channel conv like the convnet's conv1 (C's rows
  /// are images, so the product runs transposed).
  @Test("conv's input gradient adds C into the image: float64 values, the same bits at 1, 2 and 3 threads",
        arguments: [(24, 8, 32, 13), (12, 1, 32, 28)])
  func convInputGradientMatchesReferenceAtAnyThreadCount(shape: (Int, Int, Int, Int)) {
    let (batch, channels, outputs, size) = shape
    let out = size - 2
    var random = ScatterTestRandom(state: UInt64(11 + channels))
    let x = random.floats(batch * channels * size * size)
    let w = random.floats(outputs * channels * 9)
    let g = random.floats(batch * outputs * out * out)

    let schedule = Scheduler.schedule([Self.inputGradient(x, w, g, batch: batch, channels: channels,
                                                          outputs: outputs, size: size).lazydata])
    let kernels = schedule.kernels
    let fused = kernels.filter { $0.gemm?.scatterColumns != nil }
    #expect(fused.count == 1, "kernels: \(kernels.map(\.name))")
    if let k = fused.first {
      // The profiler's bytes: the weights and output gradient read, the image written (not the product).
      let counts = k.inputs.map { schedule.buffers[$0.buffer].count }
      #expect(k.bytes(inputCounts: counts, outputBufferCount: schedule.buffers[k.output].count)
                == 4 * (w.count + g.count + x.count))
    }
    #expect(fused.first?.gemm?.scatterColumns == out * out, "one image's columns stay together")
    if let spec = fused.first?.gemm {
      let plan = GEMMPlan(batch: 1, m: spec.m, n: spec.n, k: spec.k, blocking: .default, columnGroup: spec.scatterColumns)
      #expect(plan.tileCount > 1, "several tiles add into the image")
    }
    #expect(!kernels.contains { ScatterFusion.summedBuffer($0) != nil }, "no window sum is left")

    let runs = GlobalState.serialized {
      ThreadDeterminismTests.threadCounts.map { threads in
        ThreadDeterminismTests.at(threads: threads) {
          Self.inputGradient(x, w, g, batch: batch, channels: channels, outputs: outputs, size: size).toArray()
        }
      }
    }
    var worst: Double = 0
    for n in 0..<batch {
      for c in 0..<channels {
        for py in 0..<size {
          for px in 0..<size {
            var sum: Double = 0
            for o in 0..<outputs {
              for ky in 0..<3 where py - ky >= 0 && py - ky < out {
                for kx in 0..<3 where px - kx >= 0 && px - kx < out {
                  sum += Double(g[((n * outputs + o) * out + py - ky) * out + px - kx])
                    * Double(w[((o * channels + c) * 3 + ky) * 3 + kx])
                }
              }
            }
            worst = max(worst, abs(sum - Double(runs[0][((n * channels + c) * size + py) * size + px])))
          }
        }
      }
    }
    #expect(worst < 1e-4, "max error \(worst)")
    for (threads, run) in zip(ThreadDeterminismTests.threadCounts, runs).dropFirst() {
      #expect(run.map(\.bitPattern) == runs[0].map(\.bitPattern), "\(threads) threads differ from 1")
    }
  }

  /// Strided, dilated and padded windows change the window sum's views (and may keep it out of the fusion);
  /// the input gradient stays right either way.
  @Test("input gradients of strided, dilated and padded convolutions match float64",
        arguments: [(1, 1, 0), (2, 1, 1), (1, 2, 0), (2, 2, 2), (1, 1, 1)])
  func windowVariantsMatchReference(variant: (Int, Int, Int)) {
    let (stride, dilation, padding) = variant
    let (batch, channels, outputs, size, k) = (3, 4, 5, 12, 3)
    let span = dilation * (k - 1) + 1
    let out = (size + 2 * padding - span) / stride + 1
    var random = ScatterTestRandom(state: UInt64(100 * stride + 10 * dilation + padding))
    let x = random.floats(batch * channels * size * size)
    let w = random.floats(outputs * channels * k * k)
    let g = random.floats(batch * outputs * out * out)
    let xt = Tensor(x, shape: [batch, channels, size, size], requiresGrad: true)
    let y = xt.conv2d(Tensor(w, shape: [outputs, channels, k, k]), stride: [stride], dilation: [dilation],
                      padding: [padding])
    #expect(y.shape == [batch, outputs, out, out])
    _ = (y * Tensor(g, shape: [batch, outputs, out, out])).sum().backward()
    let values = xt.grad!.toArray()
    var reference = [Double](repeating: 0, count: x.count)
    for n in 0..<batch {
      for o in 0..<outputs {
        for oy in 0..<out {
          for ox in 0..<out {
            let grad = Double(g[((n * outputs + o) * out + oy) * out + ox])
            for c in 0..<channels {
              for ky in 0..<k {
                for kx in 0..<k {
                  let py = oy * stride + ky * dilation - padding, px = ox * stride + kx * dilation - padding
                  guard py >= 0, py < size, px >= 0, px < size else { continue }
                  reference[((n * channels + c) * size + py) * size + px] +=
                    grad * Double(w[((o * channels + c) * k + ky) * k + kx])
                }
              }
            }
          }
        }
      }
    }
    let worst = zip(values, reference).map { abs(Double($0) - $1) }.max() ?? 0
    #expect(worst < 1e-4, "stride \(stride) dilation \(dilation) padding \(padding): max error \(worst)")
  }

  @Test("a sum that reads product elements twice, or a product asked for itself, keeps its own kernel")
  func sumsThatAreNotWindowSumsStaySeparate() {
    var random = ScatterTestRandom(state: 5)
    let a = random.floats(24 * 20), b = random.floats(20 * 24)
    let product = Tensor(a, shape: [24, 20]).matmul(Tensor(b, shape: [20, 24]))
    let symmetric = product + product.transpose()
    let kernels = Scheduler.schedule([symmetric.lazydata]).kernels
    #expect(kernels.contains { $0.gemm != nil && $0.gemm?.scatterColumns == nil })
    #expect(!kernels.contains { $0.gemm?.scatterColumns != nil })
    let values = symmetric.toArray()
    var worst: Double = 0
    let dot = { (i: Int, j: Int) in (0..<20).reduce(0.0) { $0 + Double(a[i * 20 + $1]) * Double(b[$1 * 24 + j]) } }
    for i in 0..<24 { for j in 0..<24 { worst = max(worst, abs(dot(i, j) + dot(j, i) - Double(values[i * 24 + j]))) } }
    #expect(worst < 1e-4, "max error \(worst)")

    // Both the input gradient and the product under it asked for: the product must reach memory.
    let x = random.floats(2 * 8 * 13 * 13), w = random.floats(16 * 8 * 9), g = random.floats(2 * 16 * 11 * 11)
    let gradient = Self.inputGradient(x, w, g, batch: 2, channels: 8, outputs: 16, size: 13)
    let both = Scheduler.schedule([gradient.lazydata] + Self.reduces(under: gradient.lazydata)).kernels
    #expect(!both.contains { $0.gemm?.scatterColumns != nil })
  }

  /// The unrealized reduce bases the lazy graph under `node` reads.
  static func reduces(under node: LazyBuffer) -> [LazyBuffer] {
    var found: [LazyBuffer] = [], seen: Set<ObjectIdentifier> = []
    func visit(_ n: LazyBuffer) {
      let base = n.base
      guard base.realized == nil, seen.insert(ObjectIdentifier(base)).inserted else { return }
      if case .reduce = base.op { found.append(base); return }
      base.srcs.forEach(visit)
    }
    node.base.srcs.forEach(visit)
    return found
  }

  @Test("columns are grouped at the first cut that every multiple keeps disjoint")
  func columnGroups() {
    // Rows add 0 and 1; columns of three adjacent outputs, then a gap: groups of three.
    #expect(ScatterFusion.columnGroup(rows: [0, 1], cols: [0, 1, 2, 10, 11, 12]) == 3)
    // The second group would overlap the first: no cut is safe.
    #expect(ScatterFusion.columnGroup(rows: [0, 5], cols: [0, 1, 2, 3]) == 4)
    // Every column on its own when no two overlap.
    #expect(ScatterFusion.columnGroup(rows: [0], cols: [0, 1, 2, 3]) == 1)
  }
}
