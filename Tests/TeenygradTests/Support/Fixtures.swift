import Foundation
import Teenygrad
import Testing

/// One tensor of a fixture: row-major values (NaN and infinities arrive as "nan", "inf", "-inf").
struct FixtureTensor: Decodable, Sendable {
  let shape: [Int]
  let dtype: String
  let data: [Double]
  /// For inputs: whether the case checks this input's gradient.
  let grad: Bool?

  var dtypeValue: DType? {
    switch dtype {
    case "float32": .float32
    case "float16": .float16
    case "int32": .int32
    case "uint8": .uint8
    case "bool": .bool
    default: nil
    }
  }

  /// Builds the tensor as a user would: float32 from `[Float]`, int32 from `[Int32]`, bool from `[Bool]`.
  func makeTensor() -> Tensor {
    switch dtype {
    case "int32": Tensor(data.map { Int32($0) }, shape: shape)
    case "bool": Tensor(data.map { $0 != 0 }, shape: shape)
    default: Tensor(data.map { Float($0) }, shape: shape, requiresGrad: grad ?? false)
    }
  }
}

/// Absolute and relative tolerances for values and for gradients.
struct Tolerance: Decodable, Sendable {
  let atol: Double
  let rtol: Double
  let gradAtol: Double?
  let gradRtol: Double?

  enum CodingKeys: String, CodingKey {
    case atol, rtol
    case gradAtol = "grad_atol"
    case gradRtol = "grad_rtol"
  }
}

/// One op case: inputs, the expected output (or outputs), and the expected input gradients of
/// `((out + 1).square().mean()).backward()`.
struct OpCase: Decodable, Sendable {
  let name: String
  let inputs: [FixtureTensor]
  let output: FixtureTensor?
  let outputs: [FixtureTensor]?
  let grads: [[Double]?]?
  let tol: Tolerance
}

/// One optimizer case on TinyNet: initial x, W, m and the expected x and W after every step.
struct OptimCase: Decodable, Sendable {
  let name: String
  let inputs: [FixtureTensor]
  let trajectory: [[[Double]]]
  let tol: Tolerance
}

/// Reads the JSON fixtures that tools/gen_fixtures.py writes to Fixtures/ops/.
enum Fixtures {
  private struct File<Case: Decodable>: Decodable {
    let cases: [Case]
  }

  struct MissingFixture: Error, CustomStringConvertible {
    let name: String
    var description: String { "fixture ops/\(name).json is not in the test bundle" }
  }

  static func url(_ name: String) throws -> URL {
    guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
      throw MissingFixture(name: name)
    }
    return root.appendingPathComponent("ops").appendingPathComponent("\(name).json")
  }

  static func load<Case: Decodable>(_ name: String, as type: Case.Type = OpCase.self) throws -> [Case] {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try decoder.decode(File<Case>.self, from: Data(contentsOf: url(name))).cases
  }

  /// The op cases of one area, e.g. `cases("unary")`.
  static func cases(_ area: String) throws -> [OpCase] { try load(area) }
}
