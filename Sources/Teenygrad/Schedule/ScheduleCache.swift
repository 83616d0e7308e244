/// Schedules already built, reused for graphs of the same structure.
///
/// A training loop builds the same graphs every step with new nodes. The first time, ``Scheduler`` runs and
/// its schedule is kept as a template: the buffers it writes for lazy bases and reads from memory refer to
/// the graph's nodes by their number in the ``GraphSignature``. Later, a graph with an equal signature
/// costs one walk over its nodes and gets the template bound to them.
enum ScheduleCache {
  /// The schedule that realizes `outputs`.
  static func schedule(_ outputs: [LazyBuffer]) -> Schedule {
    // Fusion and GEMM decisions are logged while scheduling: at that level, schedule every time.
    if DebugLog.isOn(3) { return Scheduler.schedule(outputs) }
    let signature = GraphSignature(outputs)
    let template = templates.value(for: signature.key) { Template(Scheduler.schedule(outputs), signature) }
    return template.bound(to: signature.nodes)
  }

  /// Enough for the few graphs a training loop cycles through (step, evaluation, optimizer updates).
  private static let templates = BoundedCache<SignatureKey, Template>(capacity: 64)

  /// A schedule whose buffers hold no nodes or memory, and where to find them in a new graph.
  private struct Template {
    var schedule: Schedule
    /// Buffer index, node number, and whether the node owns the buffer (else it already holds its memory).
    var bindings: [(buffer: Int, node: Int, owns: Bool)] = []

    init(_ built: Schedule, _ signature: GraphSignature) {
      schedule = built
      for (i, buffer) in built.buffers.enumerated() {
        if let owner = buffer.owner {
          bindings.append((i, signature.number(of: owner)!, true))
        } else if let existing = buffer.existing {
          bindings.append((i, signature.holder(of: existing)!, false))
        }
        schedule.buffers[i].owner = nil
        schedule.buffers[i].existing = nil
      }
    }

    func bound(to nodes: [LazyBuffer]) -> Schedule {
      var s = schedule
      for (buffer, node, owns) in bindings {
        if owns { s.buffers[buffer].owner = nodes[node] } else { s.buffers[buffer].existing = nodes[node].realized }
      }
      return s
    }
  }
}
