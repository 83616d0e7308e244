import Teenygrad

/// libFuzzer's entry point: loads `data` as a safetensors file.
///
/// Every input must either load into tensors whose element counts match their shapes or throw
/// `SafetensorsError`; a trap, an over-read (AddressSanitizer) or an allocation past libFuzzer's limit is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  Runtime.threads = 1
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  do {
    let tensors = try safeLoad(bytes: bytes)
    for (name, tensor) in tensors {
      precondition(tensor.numel == tensor.shape.reduce(1, *), "\(name): numel \(tensor.numel) for \(tensor.shape)")
      // Reading small tensors back runs the buffer copy the loader set up.
      if tensor.numel <= 4096 {
        precondition(tensor.toArray().count == tensor.numel, "\(name): toArray count")
      }
    }
  } catch {
    precondition(!error.description.isEmpty && !error.description.contains("\n"), "message: \(error)")
  }
  return 0
}
