import Foundation
import Synchronization

/// The library's random number generator: xoshiro256** (Blackman and Vigna), seeded by expanding the seed
/// with SplitMix64. `Tensor.manualSeed(s)` makes every later random tensor a function of `s` and the order of
/// calls. Floats in [0, 1) take the top 24 bits of each 64-bit output.
struct RandomGenerator: Sendable {
  var state: (UInt64, UInt64, UInt64, UInt64)

  init(seed: UInt64) {
    var s = seed
    func splitMix() -> UInt64 {
      s &+= 0x9E37_79B9_7F4A_7C15
      var z = s
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    state = (splitMix(), splitMix(), splitMix(), splitMix())
  }

  mutating func next() -> UInt64 {
    let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = state.3 << 45 | state.3 >> 19
    return result
  }

  /// Uniform in [0, 1).
  mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

  static let shared = Locked(RandomGenerator(seed: UInt64(UInt(bitPattern: Int(Date().timeIntervalSince1970 * 1000)))))

  /// The four state words, for checkpoints.
  var words: [UInt64] { [state.0, state.1, state.2, state.3] }
  init(words: [UInt64]) {
    precondition(words.count == 4, "a generator state has four words")
    state = (words[0], words[1], words[2], words[3])
  }
}
