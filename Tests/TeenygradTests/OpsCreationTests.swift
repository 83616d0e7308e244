import Testing
import Teenygrad

/// Factories, chunk and constant graphs against Fixtures/ops/creation.json.
@Suite struct OpsCreationTests {
  static let ops: OpTable = [
    "zeros": { _ in Tensor.zeros(4, 5) },
    "zeros_list": { _ in Tensor.zeros([4, 5]) },
    "zeros_scalar": { _ in Tensor.zeros([]) },
    "zeros_int32": { _ in Tensor.zeros(2, 3, dtype: .int32) },
    "ones": { _ in Tensor.ones(4, 5) },
    "ones_list": { _ in Tensor.ones([4, 5]) },
    "ones_scalar": { _ in Tensor.ones([]) },
    "ones_bool": { _ in Tensor.ones(2, 2, dtype: .bool) },
    "full": { _ in Tensor.full([4, 5], 4) },
    "full_negative": { _ in Tensor.full([3], -2.5) },
    "full_int32": { _ in Tensor.full([2, 3], 4, dtype: .int32) },
    "full_like_int32": { $0[0].fullLike(4) },
    "full_like_float": { $0[0].fullLike(4.5) },
    "zeros_like_int32": { $0[0].zerosLike() },
    "ones_like_int32": { $0[0].onesLike() },
    "zeros_like_float": { $0[0].zerosLike() },
    "ones_like_float": { $0[0].onesLike() },
    "eye_4": { _ in Tensor.eye(4) },
    "eye_1": { _ in Tensor.eye(1) },
    "eye_int32": { _ in Tensor.eye(3, dtype: .int32) },
    "arange_10": { _ in Tensor.arange(10) },
    "arange_5_10_3": { _ in Tensor.arange(5, 10, step: 3) },
    "arange_10_5_neg3": { _ in Tensor.arange(10, 5, step: -3) },
    "arange_11_5_neg3": { _ in Tensor.arange(11, 5, step: -3) },
    "arange_256": { _ in Tensor.arange(256) },
    "arange_0_2_half": { _ in Tensor.arange(0, 2, step: 0.5) },
    "arange_neg3_3": { _ in Tensor.arange(-3, 3) },
    "arange_1_4_1.5": { _ in Tensor.arange(1, 4, step: 1.5) },
    "arange_int32": { _ in Tensor.arange(5, dtype: .int32) },
    "empty_mul_zero_div_zero": { _ in Tensor.empty(4, 5) * 0 / 0 },
    "sum_collapse": { _ in Tensor.ones(16, 16).sum(axis: 1) },
    "sum_collapse_neg": { _ in (-Tensor.ones(3, 3)).sum(axis: 1) },
    "sum_pad_collapse": { _ in Tensor.ones(8, 8).pad([(0, 0), (0, 4)]).sum(axis: 1) },
    "sum_cat_collapse": { _ in Tensor.ones(8, 8).cat(Tensor.zeros(8, 4), dim: 1).sum(axis: 1) },
    "max_dont_collapse": { _ in Tensor.ones(8, 8).max(axis: 1) },
    "flip_eye": { _ in Tensor.eye(4).matmul(Tensor.eye(4).flip(0)) },
    "stack_constant_scalars": { _ in Tensor.stack([Tensor(Float(3.14)), Tensor(Float(3.14))]) },
  ]

  static let chunks: MultiOpTable = [
    "chunk_6_dim1": { _ in Tensor.arange(13).repeating([8, 1]).chunk(6, dim: 1) },
    "chunk_6_dim0": { _ in Tensor.arange(13).repeating([8, 1]).chunk(6, dim: 0) },
    "chunk_3_dim_neg1": { _ in Tensor.arange(13).repeating([8, 1]).chunk(3, dim: -1) },
    "chunk_3_dim_neg2_3d": { _ in Tensor.arange(13).repeating([8, 3, 3]).chunk(3, dim: -2) },
    "chunk_even": { $0[0].chunk(3) },
    "chunk_more_than_size": { $0[0].chunk(5, dim: 1) },
  ]

  @Test(arguments: try OpCheck.names("creation") { $0.outputs == nil })
  func creation(_ name: String) async {
    await CaseRunner.isolated("creation", name)
  }

  @Test(arguments: try OpCheck.names("creation") { $0.outputs != nil })
  func chunk(_ name: String) async {
    await CaseRunner.isolated("creation", name)
  }

  @Test func everyCaseHasAnExpression() throws {
    try OpCheck.expectTableMatchesFixtures("creation", Array(Self.ops.keys) + Array(Self.chunks.keys))
  }

  @Test func dtypesOfFactories() {
    #expect(Tensor.zeros(2).dtype == .float32)
    #expect(Tensor.ones(2, dtype: .float16).dtype == .float16)
    #expect(Tensor.arange(3).dtype == .float32)
    #expect(Tensor.eye(2, dtype: .int32).dtype == .int32)
    #expect(Tensor.empty(3, dtype: .uint8).shape == [3])
    #expect(Tensor([1, 2] as [Int32]).zerosLike().dtype == .int32)
  }
}

/// Casts between float32, float16, int32, uint8 and bool against Fixtures/ops/dtype.json.
@Suite struct OpsDTypeTests {
  static let ops: OpTable = [
    "cast_float16": { $0[0].cast(.float16) },
    "cast_float16_roundtrip": { $0[0].cast(.float16).cast(.float32) },
    "float16_add": { $0[0].cast(.float16) + $0[1].cast(.float16) },
    "float16_sum": { $0[0].cast(.float16).sum() },
    "cast_int32": { $0[0].cast(.int32) },
    "cast_uint8": { $0[0].cast(.uint8) },
    "cast_bool": { $0[0].cast(.bool) },
    "cast_bool_to_float": { $0[0].cast(.float32) },
    "cast_bool_to_int32": { $0[0].cast(.int32) },
    "cast_int32_to_float": { $0[0].cast(.float32) },
    "cast_int32_to_float16": { $0[0].cast(.float16) },
    "cast_int32_to_uint8": { $0[0].cast(.uint8) },
    "cast_int32_to_bool": { $0[0].cast(.bool) },
    "cast_uint8_to_float": { $0[0].cast(.uint8).cast(.float32) },
    "cast_float_identity": { $0[0].cast(.float32) },
    "cast_float_to_int_and_back": { $0[0].cast(.int32).cast(.float32) },
  ]

  @Test(arguments: try OpCheck.names("dtype"))
  func dtype(_ name: String) async {
    await CaseRunner.isolated("dtype", name)
  }

  @Test func everyCaseHasAnExpression() throws {
    try OpCheck.expectTableMatchesFixtures("dtype", Self.ops.keys)
  }

  @Test func dtypeProperties() {
    #expect(DType.float32.itemSize == 4)
    #expect(DType.float16.itemSize == 2)
    #expect(DType.int32.itemSize == 4)
    #expect(DType.uint8.itemSize == 1)
    #expect(DType.bool.itemSize == 1)
    #expect(DType.float32.isFloatingPoint && DType.float16.isFloatingPoint)
    #expect(!DType.int32.isFloatingPoint && !DType.uint8.isFloatingPoint && !DType.bool.isFloatingPoint)
    #expect(Set([DType.float32, .float16, .int32, .uint8, .bool]).count == 5)
    #expect(!DType.float16.description.isEmpty)
  }

  @Test func literalArraysPickTheirDType() {
    #expect(Tensor([1, 2, 3]).dtype == .int32)
    #expect(Tensor([1.0, 2, 3]).dtype == .float32)
    #expect(Tensor([1, 2, 3] as [Float]).dtype == .float32)
    #expect(Tensor([true, false]).dtype == .bool)
    #expect(Tensor(Float(2)).shape == [])
  }

  @Test func float16StorageRoundTrip() {
    let values: [Float] = [0.5, -2, 1024, 0.333251953125, 65504]
    let half = Tensor(values).cast(.float16).realize()
    #expect(half.dtype == .float16)
    expectClose(half.toArray(), values, atol: 0, rtol: 0)
    expectClose(half.cast(.float32).toArray(), values, atol: 0, rtol: 0)
  }
}
