// The `ledge` executable: everything lives in LedgeCLI.
import LedgeCLI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

exit(CLI.run(Array(CommandLine.arguments.dropFirst())))
