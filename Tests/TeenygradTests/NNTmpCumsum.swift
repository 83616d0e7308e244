import Testing
@testable import Teenygrad
struct NNTmpCumsum {
  @Test(arguments: try Fixtures.cases("reduce").filter { $0.name.hasPrefix("cumsum") || $0.name.contains("pool") })
  func cumsum(_ c: OpCase) { OpCheck.run(c, OpsReduceTests.ops) }
}
