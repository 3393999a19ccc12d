// The internal code the interpreter runs: one fixed-size instruction with slot operands, and its opcodes.
// Slot operands are indices relative to the current frame base (locals first, then the operand stack).
// Numeric opcodes keep their WebAssembly opcode values (0x45...0xC4); the others fill the gaps.

enum Op: UInt16 {
    // Control and data movement.
    case unreachable = 0x00
    case br = 0x01              // b = target pc
    case brIf = 0x02            // a = condition slot, b = target pc
    case brIfNot = 0x03         // a = condition slot, b = target pc
    case brTable = 0x04         // a = index slot, b = first entry in the branch table, c = entry count (last = default)
    case ret = 0x05
    case call = 0x06            // a = defined function index, b = argument base slot
    case callImport = 0x07      // a = function index (imported), b = argument base slot
    case callIndirect = 0x08    // a = table, b = argument base slot, c = type index, imm = index slot
    case fuel = 0x09            // imm = cost
    case copy = 0x0A            // a = destination slot, b = source slot
    case select = 0x0B          // a = destination, b = first value, c = second value, imm = condition slot
    case const_ = 0x0C          // a = destination slot, imm = bits
    case globalGet = 0x0D       // a = destination slot, b = global index
    case globalSet = 0x0E       // a = source slot, b = global index
    case globalSetRef = 0x0F    // a = source slot, b = global index (reference: keeps the referent alive)
    // Loads: a = destination slot, b = address slot, c = addend folded from an `i32.add` constant
    // (wrapped to 32 bits with the address, as the add would), imm = offset.
    case i32Load = 0x10, i64Load, i32Load8S, i32Load8U, i32Load16S, i32Load16U
    case i64Load8S, i64Load8U, i64Load16S, i64Load16U, i64Load32S, i64Load32U
    // Stores: a = value slot, b = address slot, c = folded addend (as for loads), imm = offset.
    case i32Store = 0x1C, i64Store, i32Store8, i32Store16, i64Store8, i64Store16, i64Store32
    // Memory: a = destination (or operand base) slot, b = segment.
    case memorySize = 0x23, memoryGrow, memoryFill, memoryCopy, memoryInit, dataDrop
    // Saturating truncations: a = destination, b = source.
    case i32TruncSatF32S = 0x29, i32TruncSatF32U, i32TruncSatF64S, i32TruncSatF64U
    case i64TruncSatF32S, i64TruncSatF32U, i64TruncSatF64S, i64TruncSatF64U
    // References and tables.
    case refIsNull = 0x31       // a = destination, b = source
    case refFunc = 0x32         // a = destination, b = function index
    case tableGet = 0x33        // a = destination/index slot, b = table
    case tableSet = 0x34        // a = operand base, b = table
    case tableSize = 0x35       // a = destination, b = table
    case tableGrow = 0x36       // a = operand base, b = table
    case tableFill = 0x37       // a = operand base, b = table
    case tableCopy = 0x38       // a = operand base, b = destination table, c = source table
    case tableInit = 0x39       // a = operand base, b = table, c = segment
    case elemDrop = 0x3A        // b = segment
    // Fused forms (superinstructions).
    case i32AddImm = 0x3B       // a = destination, b = source, imm = constant
    case copy2 = 0x3C           // two copies in order: a ← b, then c ← Int32(imm)
    case i32AddShlImm = 0x3E    // a = b + (c << imm): an i32.add of an i32.shl by a constant
    case nop = 0x3D

    // Numeric: same values as WebAssembly. Unary: a = dst, b = src. Binary: a = dst, b = lhs, c = rhs.
    case i32Eqz = 0x45, i32Eq, i32Ne, i32LtS, i32LtU, i32GtS, i32GtU, i32LeS, i32LeU, i32GeS, i32GeU
    case i64Eqz = 0x50, i64Eq, i64Ne, i64LtS, i64LtU, i64GtS, i64GtU, i64LeS, i64LeU, i64GeS, i64GeU
    case f32Eq = 0x5B, f32Ne, f32Lt, f32Gt, f32Le, f32Ge
    case f64Eq = 0x61, f64Ne, f64Lt, f64Gt, f64Le, f64Ge
    case i32Clz = 0x67, i32Ctz, i32Popcnt, i32Add, i32Sub, i32Mul, i32DivS, i32DivU, i32RemS, i32RemU
    case i32And, i32Or, i32Xor, i32Shl, i32ShrS, i32ShrU, i32Rotl, i32Rotr
    case i64Clz = 0x79, i64Ctz, i64Popcnt, i64Add, i64Sub, i64Mul, i64DivS, i64DivU, i64RemS, i64RemU
    case i64And, i64Or, i64Xor, i64Shl, i64ShrS, i64ShrU, i64Rotl, i64Rotr
    case f32Abs = 0x8B, f32Neg, f32Ceil, f32Floor, f32Trunc, f32Nearest, f32Sqrt
    case f32Add, f32Sub, f32Mul, f32Div, f32Min, f32Max, f32Copysign
    case f64Abs = 0x99, f64Neg, f64Ceil, f64Floor, f64Trunc, f64Nearest, f64Sqrt
    case f64Add, f64Sub, f64Mul, f64Div, f64Min, f64Max, f64Copysign
    case i32WrapI64 = 0xA7, i32TruncF32S, i32TruncF32U, i32TruncF64S, i32TruncF64U
    case i64ExtendI32S, i64ExtendI32U, i64TruncF32S, i64TruncF32U, i64TruncF64S, i64TruncF64U
    case f32ConvertI32S, f32ConvertI32U, f32ConvertI64S, f32ConvertI64U, f32DemoteF64
    case f64ConvertI32S, f64ConvertI32U, f64ConvertI64S, f64ConvertI64U, f64PromoteF32
    case i32ReinterpretF32, i64ReinterpretF64, f32ReinterpretI32, f64ReinterpretI64
    case i32Extend8S = 0xC0, i32Extend16S, i64Extend8S, i64Extend16S, i64Extend32S

    // Binary operations with a constant right operand (a folded `i32.const`/`i64.const`):
    // a = destination, b = left operand slot, imm = constant.
    case i32SubImm = 0x100, i32MulImm, i32AndImm, i32OrImm, i32XorImm, i32ShlImm, i32ShrSImm, i32ShrUImm
    case i32RotlImm, i32RotrImm
    case i32EqImm, i32NeImm, i32LtSImm, i32LtUImm, i32GtSImm, i32GtUImm, i32LeSImm, i32LeUImm, i32GeSImm, i32GeUImm
    case i64AddImm = 0x120, i64SubImm, i64MulImm, i64AndImm, i64OrImm, i64XorImm, i64ShlImm, i64ShrSImm, i64ShrUImm
    case i64EqImm, i64NeImm, i64LtSImm, i64LtUImm, i64GtSImm, i64GtUImm, i64LeSImm, i64LeUImm, i64GeSImm, i64GeUImm

    // Compare and branch (a fused i32 comparison + br_if / if): a = left slot, c = right slot, b = target pc.
    case brIfEq = 0x140, brIfNe, brIfLtS, brIfLtU, brIfGtS, brIfGtU, brIfLeS, brIfLeU, brIfGeS, brIfGeU
    // The same against a constant: a = left slot, imm = constant, b = target pc.
    case brIfEqImm = 0x150, brIfNeImm, brIfLtSImm, brIfLtUImm, brIfGtSImm, brIfGtUImm, brIfLeSImm, brIfLeUImm
    case brIfGeSImm, brIfGeUImm

    // Indexed memory access: effective address = u32(b + (c << k)) + offset, imm = offset | k << 32
    // (an address computed by `i32.add`, possibly of an `i32.shl` by a constant). Loads: a = destination;
    // stores: a = value.
    case i32LoadIdx = 0x160, i64LoadIdx, i32Load8UIdx, i32StoreIdx, i64StoreIdx, i32Store8Idx
    // Binary operation with an operand shifted, rotated or multiplied by the instruction before it:
    case i32XorRotlImm = 0x170  // a = b ^ rotl(c, imm)
    case i32XorShrUImm          // a = b ^ (c >> imm)
    case i32MulAdd              // a = b + c * slot(imm)
    case i32AddImm2             // two in-place increments of locals: a += lo32(imm), then c += hi32(imm)
    case f64AddImm, f64SubImm, f64MulImm   // a = b op Double(bitPattern: imm)
    case i32LoadAbs, i64LoadAbs // a = destination, imm = constant effective address (folded i32.const + offset)
    case i32LoadShl             // a = destination, address u32((b << k) + c) + offset, imm = offset | k << 32
    // f64 arithmetic with one operand loaded from memory: a = b op f64[u32(c) + imm] (SubLoadRev: f64[…] - b).
    case f64AddLoad, f64SubLoad, f64SubLoadRev, f64MulLoad
}

/// Rewrites for the translator's peephole folding.
enum OpFolding {
    /// The form of binary `op` that takes its right operand as a constant.
    static func immediate(_ op: Op) -> Op? {
        switch op {
        case .i32Add: .i32AddImm
        case .i32Sub: .i32SubImm
        case .i32Mul: .i32MulImm
        case .i32And: .i32AndImm
        case .i32Or: .i32OrImm
        case .i32Xor: .i32XorImm
        case .i32Shl: .i32ShlImm
        case .i32ShrS: .i32ShrSImm
        case .i32ShrU: .i32ShrUImm
        case .i32Rotl: .i32RotlImm
        case .i32Rotr: .i32RotrImm
        case .i32Eq: .i32EqImm
        case .i32Ne: .i32NeImm
        case .i32LtS: .i32LtSImm
        case .i32LtU: .i32LtUImm
        case .i32GtS: .i32GtSImm
        case .i32GtU: .i32GtUImm
        case .i32LeS: .i32LeSImm
        case .i32LeU: .i32LeUImm
        case .i32GeS: .i32GeSImm
        case .i32GeU: .i32GeUImm
        case .i64Add: .i64AddImm
        case .i64Sub: .i64SubImm
        case .i64Mul: .i64MulImm
        case .i64And: .i64AndImm
        case .i64Or: .i64OrImm
        case .i64Xor: .i64XorImm
        case .i64Shl: .i64ShlImm
        case .i64ShrS: .i64ShrSImm
        case .i64ShrU: .i64ShrUImm
        case .i64Eq: .i64EqImm
        case .i64Ne: .i64NeImm
        case .i64LtS: .i64LtSImm
        case .i64LtU: .i64LtUImm
        case .i64GtS: .i64GtSImm
        case .i64GtU: .i64GtUImm
        case .i64LeS: .i64LeSImm
        case .i64LeU: .i64LeUImm
        case .i64GeS: .i64GeSImm
        case .i64GeU: .i64GeUImm
        case .f64Add: .f64AddImm
        case .f64Sub: .f64SubImm
        case .f64Mul: .f64MulImm
        default: nil
        }
    }

    /// `op` with its operands swapped (const on the left moved to the right), when that exists.
    static func swapped(_ op: Op) -> Op? {
        switch op {
        case .i32Add, .i32Mul, .i32And, .i32Or, .i32Xor, .i32Eq, .i32Ne,
             .i64Add, .i64Mul, .i64And, .i64Or, .i64Xor, .i64Eq, .i64Ne, .f64Add, .f64Mul: op
        case .i32LtS: .i32GtS
        case .i32LtU: .i32GtU
        case .i32GtS: .i32LtS
        case .i32GtU: .i32LtU
        case .i32LeS: .i32GeS
        case .i32LeU: .i32GeU
        case .i32GeS: .i32LeS
        case .i32GeU: .i32LeU
        case .i64LtS: .i64GtS
        case .i64LtU: .i64GtU
        case .i64GtS: .i64LtS
        case .i64GtU: .i64LtU
        case .i64LeS: .i64GeS
        case .i64LeU: .i64GeU
        case .i64GeS: .i64LeS
        case .i64GeU: .i64LeU
        default: nil
        }
    }

    /// The compare-and-branch that jumps when i32 comparison `op` holds (or, with `negate`, fails).
    static func branch(_ op: Op, negate: Bool) -> Op? {
        let base: Op? = switch op {
        case .i32Eq: negate ? .brIfNe : .brIfEq
        case .i32Ne: negate ? .brIfEq : .brIfNe
        case .i32LtS: negate ? .brIfGeS : .brIfLtS
        case .i32LtU: negate ? .brIfGeU : .brIfLtU
        case .i32GtS: negate ? .brIfLeS : .brIfGtS
        case .i32GtU: negate ? .brIfLeU : .brIfGtU
        case .i32LeS: negate ? .brIfGtS : .brIfLeS
        case .i32LeU: negate ? .brIfGtU : .brIfLeU
        case .i32GeS: negate ? .brIfLtS : .brIfGeS
        case .i32GeU: negate ? .brIfLtU : .brIfGeU
        case .i32EqImm: negate ? .brIfNeImm : .brIfEqImm
        case .i32NeImm: negate ? .brIfEqImm : .brIfNeImm
        case .i32LtSImm: negate ? .brIfGeSImm : .brIfLtSImm
        case .i32LtUImm: negate ? .brIfGeUImm : .brIfLtUImm
        case .i32GtSImm: negate ? .brIfLeSImm : .brIfGtSImm
        case .i32GtUImm: negate ? .brIfLeUImm : .brIfGtUImm
        case .i32LeSImm: negate ? .brIfGtSImm : .brIfLeSImm
        case .i32LeUImm: negate ? .brIfGtUImm : .brIfLeUImm
        case .i32GeSImm: negate ? .brIfLtSImm : .brIfGeSImm
        case .i32GeUImm: negate ? .brIfLtUImm : .brIfGeUImm
        case .i32Eqz: negate ? .brIf : .brIfNot
        default: nil
        }
        return base
    }
}

struct Instruction {
    var op: Op
    // Operands are stored unsigned so the interpreter's `Int(i.ua)` is a plain zero-extending load.
    var ua: UInt32
    var ub: UInt32
    var uc: UInt32
    var imm: UInt64

    init(_ op: Op, a: Int32 = 0, b: Int32 = 0, c: Int32 = 0, imm: UInt64 = 0) {
        self.op = op
        self.ua = UInt32(bitPattern: a)
        self.ub = UInt32(bitPattern: b)
        self.uc = UInt32(bitPattern: c)
        self.imm = imm
    }

    var a: Int32 { get { Int32(bitPattern: ua) } set { ua = UInt32(bitPattern: newValue) } }
    var b: Int32 { get { Int32(bitPattern: ub) } set { ub = UInt32(bitPattern: newValue) } }
    var c: Int32 { get { Int32(bitPattern: uc) } set { uc = UInt32(bitPattern: newValue) } }
}

/// Signatures of the WebAssembly numeric opcodes 0x45...0xC4 (for validation).
enum OpcodeTable {
    static func numeric(_ op: UInt8) -> (params: [ValueType], result: ValueType)? {
        let i32: ValueType = .i32, i64: ValueType = .i64, f32: ValueType = .f32, f64: ValueType = .f64
        switch op {
        case 0x45: return ([i32], i32)
        case 0x46...0x4F: return ([i32, i32], i32)
        case 0x50: return ([i64], i32)
        case 0x51...0x5A: return ([i64, i64], i32)
        case 0x5B...0x60: return ([f32, f32], i32)
        case 0x61...0x66: return ([f64, f64], i32)
        case 0x67...0x69: return ([i32], i32)
        case 0x6A...0x78: return ([i32, i32], i32)
        case 0x79...0x7B: return ([i64], i64)
        case 0x7C...0x8A: return ([i64, i64], i64)
        case 0x8B...0x91: return ([f32], f32)
        case 0x92...0x98: return ([f32, f32], f32)
        case 0x99...0x9F: return ([f64], f64)
        case 0xA0...0xA6: return ([f64, f64], f64)
        case 0xA7: return ([i64], i32)
        case 0xA8, 0xA9: return ([f32], i32)
        case 0xAA, 0xAB: return ([f64], i32)
        case 0xAC, 0xAD: return ([i32], i64)
        case 0xAE, 0xAF: return ([f32], i64)
        case 0xB0, 0xB1: return ([f64], i64)
        case 0xB2, 0xB3: return ([i32], f32)
        case 0xB4, 0xB5: return ([i64], f32)
        case 0xB6: return ([f64], f32)
        case 0xB7, 0xB8: return ([i32], f64)
        case 0xB9, 0xBA: return ([i64], f64)
        case 0xBB: return ([f32], f64)
        case 0xBC: return ([f32], i32)
        case 0xBD: return ([f64], i64)
        case 0xBE: return ([i32], f32)
        case 0xBF: return ([i64], f64)
        case 0xC0, 0xC1: return ([i32], i32)
        case 0xC2...0xC4: return ([i64], i64)
        default: return nil
        }
    }

    /// Whether a single-byte opcode exists in the supported instruction set (prefixes included).
    static func isKnown(_ op: UInt8) -> Bool {
        switch op {
        case 0x00...0x11, 0x1A...0x1C, 0x20...0x26, 0x28...0x44, 0x45...0xC4, 0xD0...0xD2, 0xFC, 0xFD: return true
        default: return false
        }
    }
}
