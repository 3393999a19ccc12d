// One-time libsodium initialisation shared by hashing and signing.
import CSodium

enum Sodium {
    /// Initialises libsodium once (thread-safe; `sodium_init` is idempotent). Traps only if the library is unusable.
    static let ready: Bool = {
        let rc = sodium_init()
        precondition(rc >= 0, "libsodium could not be initialised")
        return true
    }()
}
