import Testing
import Teenygrad

/// Programmer errors stop the process through a precondition; in debug builds the message names the op and
/// the shapes involved. Each test runs its body in a child process (Swift Testing exit tests).
@Suite struct OpsErrorTests {
  /// Checks the child's standard error mentions one of `op` (case-insensitive) and every shape in `shapes`,
  /// spelled "2, 3" so that both "[2, 3]" and "(2, 3)" match. Release builds drop precondition messages.
  static func expectMessage(
    _ result: ExitTest.Result?, op: [String], shapes: [String] = [],
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #if DEBUG
      guard let result else { return }
      let message = String(decoding: result.standardErrorContent, as: UTF8.self)
      #expect(op.contains { message.lowercased().contains($0.lowercased()) },
              "message names the op (\(op.joined(separator: " or "))): \(message)", sourceLocation: sourceLocation)
      for shape in shapes {
        #expect(message.contains(shape), "message names shape \(shape): \(message)", sourceLocation: sourceLocation)
      }
    #endif
  }

  @Test func broadcastMismatch() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = (Tensor.ones(2, 3) + Tensor.ones(4, 5)).realize()
    }
    Self.expectMessage(result, op: ["add", "broadcast"], shapes: ["2, 3", "4, 5"])
  }

  @Test func whereMismatch() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor.ones(3, dtype: .bool).where(Tensor.ones(4), Tensor.ones(3)).realize()
    }
    Self.expectMessage(result, op: ["where", "broadcast"], shapes: ["3", "4"])
  }

  @Test func matmulInnerMismatch() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor.ones(2, 4).matmul(Tensor.ones(1, 3)).realize()
    }
    Self.expectMessage(result, op: ["matmul", "dot"], shapes: ["2, 4", "1, 3"])
  }

  @Test func matmulOfVectorWithMatrixMismatch() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor.ones(4).dot(Tensor.ones(1, 2)).realize()
    }
    Self.expectMessage(result, op: ["matmul", "dot"], shapes: ["1, 2"])
  }

  @Test func matmulOfScalar() async {
    await #expect(processExitsWith: .failure) {
      let a = Tensor(Float(3.14))
      _ = a.matmul(a).realize()
    }
  }

  @Test func reshapeToWrongSize() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor.ones(4, 3, 2, 2).reshape([]).realize()
    }
    Self.expectMessage(result, op: ["reshape"], shapes: ["4, 3, 2, 2"])
  }

  @Test func reshapeTwoInferredSizes() async {
    await #expect(processExitsWith: .failure) {
      _ = Tensor.ones(4, 6).reshape(-1, -1).realize()
    }
  }

  @Test func expandNonUnitAxis() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor.ones(3, 2).expand(3, 4).realize()
    }
    Self.expectMessage(result, op: ["expand"], shapes: ["3, 2", "3, 4"])
  }

  @Test func permuteWrongOrder() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor.ones(2, 3).permute(0, 0).realize()
    }
    Self.expectMessage(result, op: ["permute"])
  }

  @Test func catMismatch() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor.ones(2, 3).cat(Tensor.ones(2, 4), dim: 0).realize()
    }
    Self.expectMessage(result, op: ["cat"], shapes: ["2, 3", "2, 4"])
  }

  @Test func catOfScalars() async {
    await #expect(processExitsWith: .failure) {
      let a = Tensor(Float(3.14))
      _ = a.cat(a).realize()
    }
  }

  @Test func stackAxisOutOfRange() async {
    await #expect(processExitsWith: .failure) {
      _ = Tensor.stack([Tensor.ones(2, 3)], dim: 77).realize()
    }
  }

  @Test func squeezeAxisOutOfRange() async {
    await #expect(processExitsWith: .failure) {
      _ = Tensor.ones(4, 3, 6, 6).squeeze(50).realize()
    }
    await #expect(processExitsWith: .failure) {
      _ = Tensor.ones(4, 3, 6, 6).squeeze(-50).realize()
    }
  }

  @Test func sumAxisOutOfRange() async {
    await #expect(processExitsWith: .failure) {
      _ = Tensor.ones(2, 3).sum(axis: 2).realize()
    }
  }

  @Test func indexOutOfBounds() async {
    await #expect(processExitsWith: .failure) {
      _ = Tensor.ones(4, 3)[1, 77].realize()
    }
    await #expect(processExitsWith: .failure) {
      _ = Tensor.ones(4, 3)[0, -77].realize()
    }
  }

  @Test func tooManyIndices() async {
    await #expect(processExitsWith: .failure) {
      _ = Tensor.ones(4, 3)[1, 1, 1].realize()
    }
    await #expect(processExitsWith: .failure) {
      _ = Tensor(Float(3.14))[0].realize()
    }
  }

  @Test func twoEllipses() async {
    await #expect(processExitsWith: .failure) {
      _ = Tensor.ones(4, 3)[.ellipsis, .ellipsis].realize()
    }
  }

  @Test func gatherIndexRankMismatch() async {
    await #expect(processExitsWith: .failure) {
      _ = Tensor.ones(4, 5, 6).gather(Tensor([1] as [Int32]), dim: 0).realize()
    }
  }

  @Test func gatherIndexLargerThanInput() async {
    await #expect(processExitsWith: .failure) {
      _ = Tensor.ones(2, 1, 1).gather(Tensor.zeros(3, 4, 5, dtype: .int32), dim: 0).realize()
    }
  }

  @Test func repeatWithTooFewRepeats() async {
    await #expect(processExitsWith: .failure) {
      _ = Tensor.ones(4, 6, 3).repeating([2, 4]).realize()
    }
  }

  @Test func conv2dChannelMismatch() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor.ones(1, 3, 5, 5).conv2d(Tensor.ones(2, 4, 3, 3)).realize()
    }
    Self.expectMessage(result, op: ["conv"], shapes: ["1, 3, 5, 5", "2, 4, 3, 3"])
  }

  @Test func conv2dPaddingLength() async {
    await #expect(processExitsWith: .failure) {
      _ = Tensor.ones(1, 1, 5, 5).conv2d(Tensor.ones(1, 1, 3, 3), padding: [1, 1, 1]).realize()
    }
  }

  @Test func backwardOfNonScalar() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let x = Tensor([1, 2] as [Float], requiresGrad: true)
      (x * 2).backward()
    }
    Self.expectMessage(result, op: ["backward"], shapes: ["2"])
  }

  @Test func assignShapeMismatch() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      Tensor.zeros(3).realize().assign(Tensor.ones(4))
    }
    Self.expectMessage(result, op: ["assign"], shapes: ["3", "4"])
  }

  @Test func itemOfManyElements() async {
    await #expect(processExitsWith: .failure) {
      _ = Tensor.ones(2).item()
    }
  }

  @Test func multinomialWithoutReplacementTakesOneSample() async {
    await #expect(processExitsWith: .failure) {
      _ = Tensor([0.5, 0.5] as [Float]).multinomial(numSamples: 2, replacement: false).realize()
    }
  }

  @Test func initWithWrongShape() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor([1, 2, 3] as [Float], shape: [2, 2])
    }
    Self.expectMessage(result, op: ["tensor", "init", "shape", "element", "count"], shapes: ["2, 2"])
  }
}
