import Foundation

/// A timeline of kernel runs in the Chrome trace event format, for Perfetto (ui.perfetto.dev) and
/// `chrome://tracing`: one track per thread, a span per realization and per kernel on the thread that ran
/// it, and a span per tile on the worker thread that ran the tile, so load balance and idle gaps show.
///
/// ```swift
/// KernelTrace.start()
/// model.trainStep()
/// try KernelTrace.finish(writingTo: "trace.json")
/// ```
public enum KernelTrace {
  /// Starts recording spans, discarding any recorded before.
  public static func start() {
    _ = TraceLog.drain()
    Profiler.setTracing(true)
  }

  /// Stops recording and writes the spans recorded since ``start()`` to `path` (`-` for standard output)
  /// as a Chrome trace JSON object.
  public static func finish(writingTo path: String) throws {
    Profiler.setTracing(false)
    let json = TraceJSON.render(TraceLog.drain())
    if path == "-" {
      print(json)
    } else {
      try Data(json.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
  }
}

/// Renders trace spans as Chrome trace events: complete events (`"ph":"X"`) with microsecond timestamps,
/// and thread-name metadata events that label the tracks.
enum TraceJSON {
  static func render(_ contents: TraceLog.Contents) -> String {
    let origin = ([contents.kernels.map(\.record.startNs), contents.realizations.map(\.start),
                   contents.batches.map(\.start)].joined().min()) ?? 0
    let time = { (ns: UInt64) in String(format: "%.3f", Double(ns &- origin) / 1000) }
    let duration = { (start: UInt64, end: UInt64) in String(format: "%.3f", Double(end &- start) / 1000) }
    var events: [String] = []
    var threadNames: [Int32: String] = [:]

    for r in contents.realizations {
      threadNames[r.callerThread] = threadNames[r.callerThread] ?? "caller"
      events.append(#"{"name":"realize \#(r.run)","cat":"realize","ph":"X","ts":\#(time(r.start)),"#
        + #""dur":\#(duration(r.start, r.end)),"pid":1,"tid":\#(r.callerThread),"args":{"run":\#(r.run)}}"#)
    }
    for k in contents.kernels {
      let r = k.record
      threadNames[k.callerThread] = threadNames[k.callerThread] ?? "caller"
      let shape = r.shape.map(String.init).joined(separator: "x")
      events.append(#"{"name":\#(JSONText.quoted(r.name)),"cat":"\#(r.kind.rawValue)","ph":"X","ts":\#(time(r.startNs)),"#
        + #""dur":\#(duration(0, r.durationNs)),"pid":1,"tid":\#(k.callerThread),"args":{"run":\#(r.run),"#
        + #""shape":"\#(shape)","tiles":\#(r.tiles),"threads":\#(r.threads),"flops":\#(r.flops),"#
        + #""bytes":\#(r.bytes),"gflops":\#(String(format: "%.3f", Double(r.flops) / Double(r.durationNs)))}}"#)
    }
    for (kernel, batches) in attribute(contents) {
      let name = JSONText.quoted(contents.kernels[kernel].record.name)
      if batches.isEmpty {
        // Ran as one tile on its caller, outside the pool: the tile is the kernel.
        let k = contents.kernels[kernel]
        events.append(tileEvent(name, time(k.record.startNs), duration(0, k.record.durationNs), k.callerThread,
                                tile: 0, worker: 0, pass: 0))
      }
      for (pass, batch) in batches.enumerated() {
        for t in batch.tiles {
          threadNames[t.thread] = t.worker == 0 ? (threadNames[t.thread] ?? "caller") : "worker \(t.worker)"
          events.append(tileEvent(name, time(t.start), duration(t.start, t.end), t.thread,
                                  tile: t.index, worker: t.worker, pass: pass))
        }
      }
    }
    let metadata = [#"{"name":"process_name","ph":"M","pid":1,"args":{"name":"teenygrad"}}"#]
      + threadNames.sorted { $0.key < $1.key }.map { tid, name in
        #"{"name":"thread_name","ph":"M","pid":1,"tid":\#(tid),"args":{"name":"\#(name) (tid \#(tid))"}}"#
      }
    return #"{"displayTimeUnit":"ns","traceEvents":["# + "\n" + (metadata + events).joined(separator: ",\n") + "\n]}"
  }

  private static func tileEvent(_ name: String, _ ts: String, _ dur: String, _ tid: Int32,
                                tile: Int, worker: Int, pass: Int) -> String {
    #"{"name":\#(name),"cat":"tile","ph":"X","ts":\#(ts),"dur":\#(dur),"pid":1,"tid":\#(tid),"#
      + #""args":{"tile":\#(tile),"worker":\#(worker),"pass":\#(pass)}}"#
  }

  /// Pairs every kernel with the parallel loops it ran: a loop belongs to the kernel that its calling
  /// thread was running when the loop started. Returns (kernel index, its loops in order) for every kernel.
  static func attribute(_ contents: TraceLog.Contents) -> [(Int, [TraceLog.TileBatch])] {
    var byThread: [Int32: [Int]] = [:]
    for (i, k) in contents.kernels.enumerated() { byThread[k.callerThread, default: []].append(i) }
    for key in byThread.keys { byThread[key]!.sort { contents.kernels[$0].record.startNs < contents.kernels[$1].record.startNs } }
    var loops = [[TraceLog.TileBatch]](repeating: [], count: contents.kernels.count)
    for batch in contents.batches {
      guard let candidates = byThread[batch.callerThread] else { continue }
      // The last kernel on this thread that started before the loop.
      var lo = 0, hi = candidates.count
      while lo < hi {
        let mid = (lo + hi) / 2
        if contents.kernels[candidates[mid]].record.startNs <= batch.start { lo = mid + 1 } else { hi = mid }
      }
      guard lo > 0 else { continue }
      let k = contents.kernels[candidates[lo - 1]].record
      if batch.start <= k.startNs + k.durationNs { loops[candidates[lo - 1]].append(batch) }
    }
    return loops.enumerated().map { ($0.offset, $0.element.sorted { $0.start < $1.start }) }
  }
}
