import Teenygrad

/// One timed op: what it is, the work one run does, and how to set it up.
struct Workload {
  /// The op's name in the CSV's `op` column.
  let op: String
  /// The sizes it runs at, for the CSV's `shape` column (no commas).
  let shape: String
  /// Floating-point operations of one run (a multiply-add counts two).
  let flops: Double
  /// Bytes one run must read and write at the least: its inputs and outputs once each; 0 where that is not
  /// a useful measure.
  let bytes: Double
  /// Creates and realizes the inputs, once, and returns what each run does.
  let setUp: () -> Trial
}

/// The runs of one workload.
struct Trial {
  /// Untimed work before each run, such as the forward pass a backward pass needs.
  var prepare: () -> Void = {}
  /// The timed work; it realizes its results.
  var run: () -> Void
}

/// The op groups `--ops` selects, each a list of workloads.
enum OpGroup: String, CaseIterable {
  case gemm, conv, reduce, elementwise
  case mnistStep = "mnist-step"

  var workloads: [Workload] {
    switch self {
    case .gemm: return [256, 512, 1024].map { Workload.gemm($0, $0, $0) }
    case .conv:
      return ConvShape.mnistConvnet.flatMap { [Workload.convForward($0), Workload.convBackward($0)] }
    case .reduce:
      return [Workload.sumAll(count: 1 << 24), Workload.sum(rows: 4096, cols: 4096, axis: 0),
              Workload.sum(rows: 4096, cols: 4096, axis: 1)]
    case .elementwise: return [Workload.fusedElementwise(count: 1 << 24)]
    case .mnistStep: return [Workload.convnetStep(batch: 128)]
    }
  }
}

private let floatBytes = Double(MemoryLayout<Float>.stride)

/// A realized tensor of uniform random values, so that a run times its own kernels only.
private func input(_ shape: [Int], requiresGrad: Bool? = nil) -> Tensor {
  Tensor.rand(shape, requiresGrad: requiresGrad).realize()
}

extension Workload {
  /// `(m x k) @ (k x n)`.
  static func gemm(_ m: Int, _ k: Int, _ n: Int) -> Workload {
    Workload(op: "gemm", shape: "\(m)x\(k)x\(n)", flops: 2 * Double(m) * Double(k) * Double(n),
             bytes: floatBytes * Double(m * k + k * n + m * n)) {
      let a = input([m, k]), b = input([k, n])
      return Trial { a.matmul(b).realize() }
    }
  }

  /// The sum of `count` floats.
  static func sumAll(count: Int) -> Workload {
    Workload(op: "reduce-sum", shape: "\(count)", flops: Double(count), bytes: floatBytes * Double(count + 1)) {
      let a = input([count])
      return Trial { a.sum().realize() }
    }
  }

  /// The sums along `axis` of a `rows x cols` matrix.
  static func sum(rows: Int, cols: Int, axis: Int) -> Workload {
    let outputs = axis == 0 ? cols : rows
    return Workload(op: "reduce-sum", shape: "\(rows)x\(cols) axis=\(axis)", flops: Double(rows * cols),
                    bytes: floatBytes * Double(rows * cols + outputs)) {
      let a = input([rows, cols])
      return Trial { a.sum(axis: axis).realize() }
    }
  }

  /// `a + b` over `count` floats: one kernel reading two inputs and writing one output.
  static func add(count: Int) -> Workload {
    Workload(op: "add", shape: "a+b \(count)", flops: Double(count), bytes: 3 * floatBytes * Double(count)) {
      let a = input([count]), b = input([count])
      return Trial { (a + b).realize() }
    }
  }

  /// `((a * b) + c).relu()` over `count` floats: one fused kernel reading three inputs and writing one output.
  static func fusedElementwise(count: Int) -> Workload {
    Workload(op: "elementwise", shape: "relu(a*b+c) \(count)", flops: 3 * Double(count),
             bytes: 4 * floatBytes * Double(count)) {
      let a = input([count]), b = input([count]), c = input([count])
      return Trial { ((a * b) + c).relu().realize() }
    }
  }

  /// A biased 2-d convolution's forward pass.
  static func convForward(_ conv: ConvShape) -> Workload {
    Workload(op: "conv2d-forward", shape: conv.description, flops: conv.forwardFlops,
             bytes: floatBytes * Double(conv.inputCount + conv.weightCount + conv.outputCount)) {
      let x = input(conv.inputShape), w = input(conv.weightShape), bias = input([conv.outChannels])
      return Trial { x.conv2d(w, bias: bias).realize() }
    }
  }

  /// The gradients of a convolution's input and weight from a given output gradient: the forward pass
  /// is realized before each run, outside the timing.
  static func convBackward(_ conv: ConvShape) -> Workload {
    let gradientBytes = 2 * (conv.inputCount + conv.weightCount) + conv.outputCount
    return Workload(op: "conv2d-backward", shape: conv.description, flops: 2 * conv.forwardFlops,
                    bytes: floatBytes * Double(gradientBytes)) {
      let x = input(conv.inputShape, requiresGrad: true), w = input(conv.weightShape, requiresGrad: true)
      let upstream = input(conv.outputShape)
      var loss: Tensor?
      return Trial(prepare: {
        x.grad = nil
        w.grad = nil
        let out = x.conv2d(w).realize()
        loss = (out * upstream).sum()
      }, run: {
        loss?.backward()
        Tensor.realizeAll([x.grad!, w.grad!])
      })
    }
  }

  /// One Adam step of the Keras MNIST convnet on a batch of `batch` random images: forward, loss,
  /// backward and update, as the `mnist` trainer runs it.
  ///
  /// The FLOPs count the convolutions' and the linear layer's multiply-adds, forward and backward (the
  /// first convolution needs no input gradient); the elementwise work is left out.
  static func convnetStep(batch: Int) -> Workload {
    let side = 28, pixels = side * side
    let conv1 = ConvShape(batch: batch, inChannels: 1, outChannels: 32, kernel: 3, height: side, width: side)
    let conv2 = ConvShape(batch: batch, inChannels: 32, outChannels: 64, kernel: 3, height: 13, width: 13)
    let linear = 2 * Double(batch) * 1600 * 10
    let flops = 2 * conv1.forwardFlops + 3 * conv2.forwardFlops + 3 * linear
    return Workload(op: "mnist-step", shape: "convnet batch=\(batch)", flops: flops, bytes: 0) {
      var generator = SystemRandomNumberGenerator()
      let count = 4 * batch
      let images = (0..<count * pixels).map { _ in UInt8.random(in: 0...255, using: &generator) }
      let labels = (0..<count).map { _ in UInt8.random(in: 0...9, using: &generator) }
      let trainer = MNISTTrainer(kind: .convnet, data: DigitImages(images: images, labels: labels), batchSize: batch)
      return Trial { trainer.trainStep() }
    }
  }
}

/// The sizes of a square-kernel, stride-1, unpadded 2-d convolution.
struct ConvShape: CustomStringConvertible {
  var batch, inChannels, outChannels, kernel, height, width: Int

  /// The two convolutions of the Keras MNIST convnet at batch 128.
  static let mnistConvnet = [
    ConvShape(batch: 128, inChannels: 1, outChannels: 32, kernel: 3, height: 28, width: 28),
    ConvShape(batch: 128, inChannels: 32, outChannels: 64, kernel: 3, height: 13, width: 13),
  ]

  var outHeight: Int { height - kernel + 1 }
  var outWidth: Int { width - kernel + 1 }
  var inputShape: [Int] { [batch, inChannels, height, width] }
  var weightShape: [Int] { [outChannels, inChannels, kernel, kernel] }
  var outputShape: [Int] { [batch, outChannels, outHeight, outWidth] }
  var inputCount: Int { inputShape.reduce(1, *) }
  var weightCount: Int { weightShape.reduce(1, *) }
  var outputCount: Int { outputShape.reduce(1, *) }
  var forwardFlops: Double { 2 * Double(outputCount) * Double(inChannels * kernel * kernel) }

  /// `x:BxCxHxW w:OxCxKxK`, the form the anchors' CSV uses too.
  var description: String {
    "x:\(inputShape.map(String.init).joined(separator: "x")) w:\(weightShape.map(String.init).joined(separator: "x"))"
  }
}
