/// A layer or model: an object that owns tensors.
///
/// Conforming types list their trainable tensors in ``parameters`` and their named tensors, trainable or not,
/// in ``state``. Both have default implementations that walk the object's stored properties (tensors, optional
/// tensors, nested modules and arrays of either), the way teenygrad's `get_parameters` and `get_state_dict`
/// walk an object's attributes, so a model made of layers only declares its layers:
///
/// ```swift
/// final class TinyNet: Module {
///   let l1 = Linear(784, 128), l2 = Linear(128, 10)
///   func callAsFunction(_ x: Tensor) -> Tensor { l2(l1(x).relu()) }
/// }
/// // TinyNet().state has the keys "l1.weight", "l1.bias", "l2.weight", "l2.bias".
/// ```
public protocol Module: AnyObject {
  /// The trainable tensors, in a stable order (declaration order for the default implementation).
  var parameters: [Tensor] { get }

  /// Every tensor needed to restore the module, by name: parameters and buffers such as running statistics.
  ///
  /// Names follow PyTorch's state dicts (`"weight"`, `"bias"`, `"running_mean"`, `"layers.0.weight"`). The values
  /// are the module's own tensors, so assigning to them updates the module.
  var state: [String: Tensor] { get }
}

extension Module {
  /// The tensors among the stored properties whose `requiresGrad` is not `false`, and the parameters of nested
  /// modules, in declaration order without repeats.
  public var parameters: [Tensor] {
    var seen = Set<ObjectIdentifier>()
    var result: [Tensor] = []
    ModuleReflection.visit(self) { _, member in
      let found: [Tensor]
      switch member {
      case .tensor(let tensor): found = tensor.requiresGrad == false ? [] : [tensor]
      case .module(let module): found = module.parameters
      }
      for tensor in found where seen.insert(ObjectIdentifier(tensor)).inserted { result.append(tensor) }
    }
    return result
  }

  /// The tensors among the stored properties by property name, and the state of nested modules with the
  /// property name and a dot in front.
  public var state: [String: Tensor] {
    var result: [String: Tensor] = [:]
    ModuleReflection.visit(self) { name, member in
      switch member {
      case .tensor(let tensor): result[name] = tensor
      case .module(let module):
        for (key, tensor) in module.state { result["\(name).\(key)"] = tensor }
      }
    }
    return result
  }
}

/// Returns the module's named tensors (teenygrad's `get_state_dict`); the same as `module.state`.
public func getStateDict(_ module: any Module) -> [String: Tensor] {
  module.state
}

/// Returns the module's trainable tensors (teenygrad's `get_parameters`); the same as `module.parameters`.
public func getParameters(_ module: any Module) -> [Tensor] {
  module.parameters
}

/// Finds the tensors and modules among an object's stored properties with `Mirror`.
enum ModuleReflection {
  enum Member {
    case tensor(Tensor)
    case module(any Module)
  }

  /// Calls `body` with every tensor and module held by `object`'s stored properties (its superclasses' first),
  /// named by property; elements of arrays are named `property.index`.
  static func visit(_ object: AnyObject, _ body: (String, Member) -> Void) {
    var mirrors: [Mirror] = []
    var mirror: Mirror? = Mirror(reflecting: object)
    while let current = mirror {
      mirrors.append(current)
      mirror = current.superclassMirror
    }
    for current in mirrors.reversed() {
      for child in current.children {
        guard let label = child.label, !label.hasPrefix("$") else { continue }
        visitValue(child.value, name: label, body)
      }
    }
  }

  private static func visitValue(_ value: Any, name: String, _ body: (String, Member) -> Void) {
    if let tensor = value as? Tensor {
      body(name, .tensor(tensor))
    } else if let module = value as? any Module {
      body(name, .module(module))
    } else if let array = value as? [Any] {
      for (index, element) in array.enumerated() { visitValue(element, name: "\(name).\(index)", body) }
    }
  }
}
