// Exit codes shared by every command: success, failure, usage error, trap.
import Foundation

public enum ExitCode {
    public static let success: Int32 = 0
    /// The command ran and found a failure (a test failed, a rollout failed, a difference).
    public static let failure: Int32 = 1
    /// Usage error, or malformed/invalid input (module, model, config).
    public static let usage: Int32 = 2
    /// A function invocation trapped (`ledge fn invoke`).
    public static let trapped: Int32 = 3
}

/// Writes a line to standard error.
public func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
