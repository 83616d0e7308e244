import Testing
@testable import Teenygrad

/// `count` values on a grid of eighths in [-1, 1), so windows hold ties (and ReLU makes zeros).
private func gridValues(_ count: Int, seed: UInt64) -> [Float] {
  var random = SeededRandom(state: seed)
  return (0..<count).map { _ in Float(random.int(-8...7)) / 8 }
}

@Suite("Pooling windows in memory order")
struct WindowEvaluatorTests {
  /// Max-pools `relu(x)` over 2x2 windows (x is batch x channels x size x size) and back-propagates `g`:
  /// the pooled values and x's gradient.
  static func maxPool(_ x: [Float], _ g: [Float], batch: Int, channels: Int, size: Int) -> (pooled: [Float], grad: [Float]) {
    let out = size / 2
    let xt = Tensor(x, shape: [batch, channels, size, size], requiresGrad: true)
    let pooled = xt.relu().maxPool2d()
    (pooled * Tensor(g, shape: [batch, channels, out, out])).sum().backward()
    return (pooled.toArray(), xt.grad!.toArray())
  }

  /// The kernels of `tensors`' schedule that run here.
  static func windowKernels(_ tensors: [Tensor]) -> [Kernel] {
    Scheduler.schedule(tensors.map(\.lazydata)).kernels.filter { WindowEvaluator.layout(of: $0) != nil }
  }

  /// An even size reads the image in place; an odd one (its last row and column dropped) row by row. Rows
  /// of 9 and 11 windows end in overlapping blocks of eight.
  @Test("max-pool of ReLU and its gradient match a float64 loop, the same bits at 1, 2 and 3 threads",
        arguments: [18, 19, 22, 32])
  func maxPoolMatchesReference(size: Int) {
    let (batch, channels, out) = (3, 5, size / 2)
    let x = gridValues(batch * channels * size * size, seed: UInt64(size))
    let g = gridValues(batch * channels * out * out, seed: UInt64(100 + size))

    let xt = Tensor(x, shape: [batch, channels, size, size], requiresGrad: true)
    let pooled = xt.relu().maxPool2d()
    (pooled * Tensor(g, shape: [batch, channels, out, out])).sum().backward()
    let kernels = Self.windowKernels([pooled, xt.grad!])
    #expect(kernels.contains { $0.reduceOp == .max }, "the forward max runs here")
    #expect(kernels.contains { $0.reduceOp == .sum }, "the tie count runs here")
    #expect(kernels.contains { $0.reduceOp == nil }, "the backward mask runs here")

    let runs = GlobalState.serialized {
      ThreadDeterminismTests.threadCounts.map { threads in
        ThreadDeterminismTests.at(threads: threads) { Self.maxPool(x, g, batch: batch, channels: channels, size: size) }
      }
    }
    var expectedPooled = [Float](repeating: 0, count: batch * channels * out * out)
    var expectedGrad = [Float](repeating: 0, count: x.count)
    for plane in 0..<(batch * channels) {
      for oy in 0..<out {
        for ox in 0..<out {
          let cells = [(0, 0), (0, 1), (1, 0), (1, 1)].map { plane * size * size + (2 * oy + $0.0) * size + 2 * ox + $0.1 }
          let relu = cells.map { Swift.max(x[$0], 0) }
          let top = relu.max()!
          let ties = relu.filter { $0 == top }.count
          let o = (plane * out + oy) * out + ox
          expectedPooled[o] = top
          for (cell, value) in zip(cells, relu) where value == top && x[cell] > 0 {
            expectedGrad[cell] = Float(Double(g[o]) / Double(ties))
          }
        }
      }
    }
    #expect(runs[0].pooled == expectedPooled)
    let worst = zip(runs[0].grad, expectedGrad).map { abs(Double($0) - Double($1)) }.max() ?? 0
    #expect(worst < 1e-6, "gradient max error \(worst)")
    for (threads, run) in zip(ThreadDeterminismTests.threadCounts, runs).dropFirst() {
      #expect(run.pooled.map(\.bitPattern) == runs[0].pooled.map(\.bitPattern), "\(threads) threads differ from 1")
      #expect(run.grad.map(\.bitPattern) == runs[0].grad.map(\.bitPattern), "\(threads) threads differ from 1")
    }
  }

  @Test("avg-pool sums each window's rows of column pairs and matches a float64 loop")
  func avgPoolMatchesReference() {
    let (batch, channels, size) = (2, 3, 20)
    let out = size / 2
    let x = gridValues(batch * channels * size * size, seed: 5)
    let pooled = Tensor(x, shape: [batch, channels, size, size]).avgPool2d()
    #expect(Self.windowKernels([pooled]).contains { $0.reduceOp == .sum })
    let values = pooled.toArray()
    var worst: Double = 0
    for plane in 0..<(batch * channels) {
      for oy in 0..<out {
        for ox in 0..<out {
          var sum: Double = 0
          for ky in 0..<2 { for kx in 0..<2 { sum += Double(x[plane * size * size + (2 * oy + ky) * size + 2 * ox + kx]) } }
          worst = Swift.max(worst, abs(sum / 4 - Double(values[(plane * out + oy) * out + ox])))
        }
      }
    }
    #expect(worst < 1e-6, "max error \(worst)")
  }

  @Test("a NaN in a window makes that window's max NaN and no other")
  func maxPoolPropagatesNaN() {
    let size = 16
    var x = [Float](repeating: 0.5, count: size * size)
    x[3 * size + 5] = .nan
    let pooled = Tensor(x, shape: [1, 1, size, size]).maxPool2d().toArray()
    for (i, value) in pooled.enumerated() {
      if i == 1 * (size / 2) + 2 { #expect(value.isNaN) } else { #expect(value == 0.5) }
    }
  }

  @Test("rows of fewer than eight windows and overlapping windows are left to the other evaluators")
  func narrowPoolsKeepTheGatherEvaluator() {
    let image = Tensor(gridValues(2 * 3 * 20 * 20, seed: 9), shape: [2, 3, 20, 20])
    #expect(!Self.windowKernels([image.maxPool2d()]).isEmpty, "the same image pooled 2x2 runs here")
    let small = image.shrink([nil, nil, (0, 10), (0, 10)]).maxPool2d()
    #expect(Self.windowKernels([small]).isEmpty, "5 windows per row")
    let overlapping = image.maxPool2d(kernelSize: [3, 3], stride: [2, 2])
    #expect(Self.windowKernels([overlapping]).isEmpty, "3x3 windows two apart")
  }

  @Test("outer axes merge where every input steps through them as one")
  func outerAxesMerge() {
    let merged = WindowEvaluator.mergedOuterAxes(shape: [4, 3, 9], strides: [[972, 324, 36], [243, 81, 9]])
    #expect(merged.shape == [108])
    #expect(merged.strides == [[36], [9]])
    let image19 = WindowEvaluator.mergedOuterAxes(shape: [4, 3, 9], strides: [[1083, 361, 38], [243, 81, 9]])
    #expect(image19.shape == [12, 9])
    #expect(image19.strides == [[361, 38], [81, 9]])
  }
}
