// Public description of a model's input/output tensors: name, shape, element type, quantization.

/// Element types of TFLite tensors (TensorType in the schema); the ones LedgeML computes with are named.
public enum ElementType: Sendable, Equatable, CustomStringConvertible {
    case float32, float16, int32, uint8, int64, string, bool, int16, int8, float64
    case other(Int)

    init(code: Int) {
        switch code {
        case 0: self = .float32
        case 1: self = .float16
        case 2: self = .int32
        case 3: self = .uint8
        case 4: self = .int64
        case 5: self = .string
        case 6: self = .bool
        case 7: self = .int16
        case 9: self = .int8
        case 10: self = .float64
        default: self = .other(code)
        }
    }

    /// Bytes per element, or nil for types without a fixed size.
    public var byteSize: Int? {
        switch self {
        case .float32, .int32: return 4
        case .float16, .int16: return 2
        case .uint8, .int8, .bool: return 1
        case .int64, .float64: return 8
        case .string, .other: return nil
        }
    }

    public var description: String {
        switch self {
        case .float32: return "float32"
        case .float16: return "float16"
        case .int32: return "int32"
        case .uint8: return "uint8"
        case .int64: return "int64"
        case .string: return "string"
        case .bool: return "bool"
        case .int16: return "int16"
        case .int8: return "int8"
        case .float64: return "float64"
        case .other(let c): return "type\(c)"
        }
    }
}

/// One model input or output as the host sees it.
public struct TensorInfo: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    public let type: ElementType
    /// Quantization scale (0 when the tensor is not quantized).
    public let scale: Float
    public let zeroPoint: Int32

    public init(name: String, shape: [Int], type: ElementType, scale: Float, zeroPoint: Int32) {
        self.name = name
        self.shape = shape
        self.type = type
        self.scale = scale
        self.zeroPoint = zeroPoint
    }

    public var elementCount: Int { shape.reduce(1, *) }
}
