/// The product of two matrices as one function: the lazy graph it builds, and the graphs its gradients
/// build, are those of teenygrad's `dot` (a reshape and transpose, a broadcast multiply, a sum over the
/// shared axis), made without a tensor, shape check and autograd record for every step.
///
/// For an m x k by k x n product: `x` is the left matrix seen as m x n x k, `w` the right one transposed and
/// seen as m x n x k; the result is their product summed over the last axis, reshaped to m x n.
final class MatmulFn: Function {
  var x: LazyBuffer!, w: LazyBuffer!

  /// The m x n product of `x` (m x k) and `w` (k x n), recording the broadcast views when `f` is given.
  static func forward(_ f: MatmulFn?, _ x: LazyBuffer, _ w: LazyBuffer) -> LazyBuffer {
    let m = x.shape[0], k = x.shape[1], n = w.shape[1]
    let xStrides = x.st.last.strides, wStrides = w.st.last.strides
    // One shape array for both views and their product.
    let broadcast = [m, n, k]
    let xs = x.restrided(broadcast, [xStrides[0], 0, xStrides[1]]) ?? x.reshape([m, 1, k]).expand(broadcast)
    let ws = w.restrided(broadcast, [0, wStrides[1], wStrides[0]])
      ?? w.reshape([1, k, n]).permute([0, 2, 1]).expand(broadcast)
    f?.x = xs
    f?.w = ws
    return xs.e(.mul, ws).r(.sum, [m, n, 1]).reshape([m, n])
  }

  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] {
    let m = x.shape[0], n = x.shape[1], k = x.shape[2]
    let spread = grad.reshape([m, n, 1]).expand([m, n, k])
    return [needs(0) ? w.e(.mul, spread).r(.sum, [m, 1, k]).reshape([m, k]) : nil,
            needs(1) ? x.e(.mul, spread).r(.sum, [1, n, k]).permute([0, 2, 1]).reshape([k, n]) : nil]
  }
}
