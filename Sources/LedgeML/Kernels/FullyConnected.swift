// FULLY_CONNECTED, int8: weights packed at load, input zero point folded into the bias, per-channel or
// per-tensor requantization exactly as LiteRT's reference kernel does it: measured against its goldens,
// FULLY_CONNECTED rounds once (x·M + 2^(s−1)) >> s, unlike CONV_2D's double rounding.

final class FullyConnectedKernel: Kernel {
    let weights: PackedWeights   // [units][depth], packed for the model's kernel path
    let bias: Owned<Int32>       // bias + (−zp_in)·Σw, per unit
    let multipliers: Owned<Int32>
    let shifts: Owned<Int32>
    let units: Int, depth: Int, batches: Int
    let input: Int, output: Int
    let outputZeroPoint: Int32, actMin: Int32, actMax: Int32
    let accumulators: Owned<Int32>

    init(weights: [Int8], path: Int32, bias: [Int32], inputZeroPoint: Int32, multipliers: [QuantizedMultiplier],
         units: Int, depth: Int, batches: Int, input: Int, output: Int,
         outputZeroPoint: Int32, actMin: Int32, actMax: Int32) {
        var folded = bias
        for u in 0..<units {
            var s: Int32 = 0
            for k in 0..<depth { s &+= Int32(weights[u * depth + k]) }
            folded[u] = folded[u] &+ (0 &- inputZeroPoint) &* s
        }
        self.weights = PackedWeights(weights, rows: units, depth: depth, path: path)
        self.bias = Owned(folded)
        self.multipliers = Owned(multipliers.map { $0.multiplier })
        self.shifts = Owned(multipliers.map { $0.shift })
        self.units = units; self.depth = depth; self.batches = batches
        self.input = input; self.output = output
        self.outputZeroPoint = outputZeroPoint; self.actMin = actMin; self.actMax = actMax
        self.accumulators = Owned(repeating: 0, count: units * batches)
    }

    var macs: Int { units * depth * batches }

    func run(_ arena: UnsafeMutableRawPointer) {
        let x = (arena + input).assumingMemoryBound(to: Int8.self)
        let y = (arena + output).assumingMemoryBound(to: Int8.self)
        let acc = accumulators.pointer
        weights.run(x, cols: batches, bias: bias.pointer, acc)
        weights.requantize(acc, count: batches * units, channels: units, multipliers: multipliers.pointer,
                           shifts: shifts.pointer, zeroPoint: outputZeroPoint, min: actMin, max: actMax,
                           singleRounding: true, y)
    }
}
