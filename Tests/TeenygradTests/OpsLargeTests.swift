import Foundation
import Testing
import Teenygrad

/// Shapes too large for JSON fixtures, where tiling, packing and long reduction paths take over (teenygrad's
/// test_gemm, test_big_gemm, test_sum_full, test_simple_cumsum, test_large_input_conv2d), checked against
/// naive float64 loops written here.
@Suite struct OpsLargeTests {
  /// Deterministic values in [-1.5, 1.5) from a 64-bit xorshift generator.
  static func values(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { _ in
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      return Float(Double(state >> 11) / Double(1 << 53) * 3 - 1.5)
    }
  }

  /// C = A (m x k) times B (k x n), row-major, in float64.
  static func matmul(_ a: [Double], _ b: [Double], m: Int, k: Int, n: Int) -> [Double] {
    var c = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
      for p in 0..<k {
        let aip = a[i * k + p]
        for j in 0..<n { c[i * n + j] += aip * b[p * n + j] }
      }
    }
    return c
  }

  static func transpose(_ x: [Double], rows: Int, cols: Int) -> [Double] {
    (0..<(rows * cols)).map { x[($0 % rows) * cols + $0 / rows] }
  }

  @Test(arguments: [(64, 64, 64), (1, 128, 128), (1, 64, 99), (97, 257, 35), (256, 256, 256), (7, 300, 130)])
  func matmulWithGradients(_ shape: (Int, Int, Int)) {
    let (m, k, n) = shape
    let aValues = Self.values(m * k, seed: UInt64(m * 1000 + k))
    let bValues = Self.values(k * n, seed: UInt64(n * 1000 + k + 1))
    let a = Tensor(aValues, shape: [m, k], requiresGrad: true)
    let b = Tensor(bValues, shape: [k, n], requiresGrad: true)
    let out = a.matmul(b)
    let (a64, b64) = (aValues.map(Double.init), bValues.map(Double.init))
    let expected = Self.matmul(a64, b64, m: m, k: k, n: n)
    expectClose(out.toArray(), expected, atol: 1e-3, rtol: 1e-4, "forward \(m)x\(k)x\(n)")

    ((out + 1).square().mean()).backward()
    let g = expected.map { 2 * ($0 + 1) / Double(m * n) }
    let gradA = Self.matmul(g, Self.transpose(b64, rows: k, cols: n), m: m, k: n, n: k)
    let gradB = Self.matmul(Self.transpose(a64, rows: m, cols: k), g, m: k, k: m, n: n)
    expectClose(a.grad?.toArray() ?? [], gradA, atol: 1e-4, rtol: 1e-3, "gradient of A")
    expectClose(b.grad?.toArray() ?? [], gradB, atol: 1e-4, rtol: 1e-3, "gradient of B")
  }

  @Test func batchedAndBroadcastMatmul() {
    let aValues = Self.values(10 * 45 * 65, seed: 11)
    let bValues = Self.values(65 * 45, seed: 12)
    let out = Tensor(aValues, shape: [10, 45, 65]).matmul(Tensor(bValues, shape: [65, 45]))
    #expect(out.shape == [10, 45, 45])
    let b64 = bValues.map(Double.init)
    var expected: [Double] = []
    for batch in 0..<10 {
      let slice = aValues[(batch * 45 * 65)..<((batch + 1) * 45 * 65)].map(Double.init)
      expected += Self.matmul(slice, b64, m: 45, k: 65, n: 45)
    }
    expectClose(out.toArray(), expected, atol: 1e-3, rtol: 1e-4, "(10, 45, 65) @ (65, 45)")
  }

  @Test func longReductions() {
    let values = Self.values(16384, seed: 21)
    let x = Tensor(values)
    let sum = values.reduce(0) { $0 + Double($1) }
    expectClose(x.sum().toArray(), [sum], atol: 1e-3, rtol: 1e-5, "sum of 16384")
    expectClose(x.max().toArray(), [Double(values.max()!)], atol: 0, rtol: 0, "max of 16384")

    let rows = Tensor(values, shape: [16, 1024])
    let rowSums = (0..<16).map { r in values[(r * 1024)..<((r + 1) * 1024)].reduce(0) { $0 + Double($1) } }
    expectClose(rows.sum(axis: 1).toArray(), rowSums, atol: 1e-3, rtol: 1e-5, "row sums")
    let colMeans = (0..<1024).map { c in (0..<16).reduce(0) { $0 + Double(values[$1 * 1024 + c]) } / 16 }
    expectClose(rows.mean(axis: 0).toArray(), colMeans, atol: 1e-5, rtol: 1e-4, "column means")
    let colMax = (0..<1024).map { c in Double((0..<16).map { values[$0 * 1024 + c] }.max()!) }
    expectClose(rows.max(axis: 0).toArray(), colMax, atol: 0, rtol: 0, "column max")

    let logits = rows.softmax()
    let sums = logits.sum(axis: 1).toArray()
    expectClose(sums, [Float](repeating: 1, count: 16), atol: 1e-5, rtol: 1e-5, "softmax rows sum to one")
  }

  @Test(arguments: [1022, 2000])
  func longCumsum(_ count: Int) {
    let values = Self.values(count, seed: UInt64(count))
    var running = 0.0
    let expected = values.map { running += Double($0); return running }
    expectClose(Tensor(values).cumsum().toArray(), expected, atol: 1e-3, rtol: 1e-4, "cumsum of \(count)")
  }

  @Test func largeInputConv2d() {
    let (batch, cin, height, width, cout, kh, kw) = (2, 16, 32, 32, 6, 5, 2)
    let xValues = Self.values(batch * cin * height * width, seed: 31)
    let wValues = Self.values(cout * cin * kh * kw, seed: 32)
    let out = Tensor(xValues, shape: [batch, cin, height, width]).conv2d(Tensor(wValues, shape: [cout, cin, kh, kw]))
    let (oh, ow) = (height - kh + 1, width - kw + 1)
    #expect(out.shape == [batch, cout, oh, ow])
    var expected = [Double](repeating: 0, count: batch * cout * oh * ow)
    for b in 0..<batch {
      for o in 0..<cout {
        for y in 0..<oh {
          for x in 0..<ow {
            var acc = 0.0
            for c in 0..<cin {
              for i in 0..<kh {
                for j in 0..<kw {
                  acc += Double(xValues[((b * cin + c) * height + y + i) * width + x + j])
                    * Double(wValues[((o * cin + c) * kh + i) * kw + j])
                }
              }
            }
            expected[((b * cout + o) * oh + y) * ow + x] = acc
          }
        }
      }
    }
    expectClose(out.toArray(), expected, atol: 1e-3, rtol: 1e-4, "conv2d (2, 16, 32, 32) * (6, 16, 5, 2)")
  }

  @Test func largeMaxPool() {
    let (planes, height, width) = (8, 110, 28)
    let values = Self.values(planes * height * width, seed: 41)
    let out = Tensor(values, shape: [4, 2, height, width]).maxPool2d(kernelSize: [5, 5], stride: [2, 3])
    let (oh, ow) = ((height - 5) / 2 + 1, (width - 5) / 3 + 1)
    #expect(out.shape == [4, 2, oh, ow])
    var expected: [Double] = []
    for p in 0..<planes {
      for y in 0..<oh {
        for x in 0..<ow {
          var best = -Float.infinity
          for i in 0..<5 { for j in 0..<5 { best = Swift.max(best, values[(p * height + y * 2 + i) * width + x * 3 + j]) } }
          expected.append(Double(best))
        }
      }
    }
    expectClose(out.toArray(), expected, atol: 0, rtol: 0, "max_pool2d (4, 2, 110, 28) k5 s(2, 3)")
  }
}
