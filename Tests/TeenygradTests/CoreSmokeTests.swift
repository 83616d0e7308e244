import Testing
@testable import Teenygrad

@Suite struct CoreSmokeTests {
  @Test func elementwiseAndReduce() {
    let a = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
    let b = Tensor([10, 20, 30] as [Float])
    #expect((a + b).toArray() == [11, 22, 33, 14, 25, 36])
    #expect(a.sum().item() == 21)
    #expect(a.sum(axis: 0).toArray() == [5, 7, 9])
    #expect(a.sum(axis: 1).toArray() == [6, 15])
    #expect(a.max(axis: 1).toArray() == [3, 6])
    #expect(a.T.toArray() == [1, 4, 2, 5, 3, 6])
    #expect(a.matmul(a.T).toArray() == [14, 32, 32, 77])
  }

  @Test func backwardOfMatmul() {
    let x = Tensor([[1, 2], [3, 4]], requiresGrad: true)
    let w = Tensor([[0.5, -1], [2, 1]], requiresGrad: true)
    let loss = x.matmul(w).relu().sum()
    loss.backward()
    // out = [[4.5, 1], [9.5, 1]]: all positive, so dL/dx = ones @ w^T, dL/dw = x^T @ ones.
    #expect(x.grad!.toArray() == [-0.5, 3, -0.5, 3])
    #expect(w.grad!.toArray() == [4, 4, 6, 6])
  }

  @Test func paddingAndSlicing() {
    let a = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
    #expect(a.pad([(1, 0), (0, 1)]).toArray() == [0, 0, 0, 1, 2, 0, 3, 4, 0])
    let r = Tensor.arange(10)
    #expect(r[.range(nil, nil, step: -3)].toArray() == [9, 6, 3, 0])
    #expect(r[.range(1, 8, step: 2)].toArray() == [1, 3, 5, 7])
    #expect(r.reshape(2, 5).permute(1, 0).reshape(10).toArray() == [0, 5, 1, 6, 2, 7, 3, 8, 4, 9])
    #expect(Tensor([3, 1, 2] as [Float]).argmax().item() == 0)
    #expect(r.exp().log().toArray().enumerated().allSatisfy { abs($0.element - Float($0.offset)) < 1e-5 })
  }
}
