// Starts and joins a named pthread running a closure (the node's workers and timers).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A joinable OS thread.
public final class WorkerThread: @unchecked Sendable {
    private var thread: pthread_t = pthread_t()
    private var started = false

    private final class Box { let body: () -> Void; init(_ b: @escaping () -> Void) { body = b } }

    /// Starts a thread running `body`. Threads get a 1 MiB stack (the interpreter uses its own stacks).
    public init(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setstacksize(&attr, 1 << 20)
        let rc = pthread_create(&thread, &attr, { arg in
            let b = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
            b.body()
            return nil
        }, box)
        pthread_attr_destroy(&attr)
        if rc == 0 {
            started = true
        } else {
            Unmanaged<Box>.fromOpaque(box).release()
            body()  // no thread could be made: run inline rather than lose the work
        }
    }

    /// Waits for the thread to end.
    public func join() {
        guard started else { return }
        pthread_join(thread, nil)
        started = false
    }
}
