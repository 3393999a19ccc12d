// NativeThread: a named pthread running a Swift closure, joinable (no Foundation needed).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A joinable OS thread with a small stack.
package final class NativeThread: @unchecked Sendable {
    private final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
    private var tid = pthread_t()
    private var joined = false
    package let name: String

    /// Starts `body` on a new thread. `name` is for diagnostics (Glibc's setname is not importable).
    package init(name: String, stackBytes: Int = 512 * 1024, _ body: @escaping @Sendable () -> Void) {
        self.name = name
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setstacksize(&attr, stackBytes)
        let rc = pthread_create(&tid, &attr, { arg in
            let b = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
            b.body()
            return nil
        }, box)
        pthread_attr_destroy(&attr)
        precondition(rc == 0, "pthread_create failed: \(rc)")
    }

    /// True when called on this thread.
    package var isCurrent: Bool { pthread_equal(pthread_self(), tid) != 0 }

    /// Waits for the thread to end (once; later calls return at once).
    package func join() {
        if joined || isCurrent { return }
        joined = true
        pthread_join(tid, nil)
    }
}
