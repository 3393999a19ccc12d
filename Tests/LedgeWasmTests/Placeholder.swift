// LedgeWasmTests: placeholder until the module has tests.
import Testing
