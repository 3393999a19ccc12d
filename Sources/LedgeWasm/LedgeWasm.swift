// LedgeWasm: WebAssembly 2.0 decoder, validator, translator and interpreter (no dependencies).
