/// Cuts a kernel's output space into tiles. Tile sizes follow the kernel's shape and the cache sizes, never
/// the thread count, so a kernel computes bitwise the same result on any number of threads.
enum Tiler {
  /// Lane-operations per tile: enough work to hide a fork-join (about a microsecond) many times over, small
  /// enough that a handful of tiles keep every core busy on mid-sized kernels.
  static let targetCost = 1 << 15

  /// Splits `units` work units of `unitCost` each into contiguous ranges.
  static func tiles(units: Int, unitCost: Int) -> [Range<Int>] {
    guard units > 0 else { return [] }
    let perTile = Swift.max(1, targetCost / Swift.max(1, unitCost))
    let count = (units + perTile - 1) / perTile
    // Spread the units evenly so the last tile is not a sliver.
    return (0..<count).map { t in (t * units / count)..<((t + 1) * units / count) }
  }
}
