// LedgeCLITests: placeholder until the module has tests.
import Testing
