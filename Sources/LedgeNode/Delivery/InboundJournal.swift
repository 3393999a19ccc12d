// InboundJournal: every event taken off the broker is appended to a journal file before libmosquitto's
// PUBACK reaches the socket, so a kill -9 between the acknowledgement and the function's committed
// output loses nothing: on restart the events not yet covered by the outbox's progress mark run again.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An error opening or reading the journal (what, which file, errno text).
public struct JournalError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { "inbound journal: \(message)" }
}

/// Two segment files, `inbound-0.journal` and `inbound-1.journal`, written one at a time with one
/// `write(2)` per event (no fsync: an event survives a process crash, not a power loss). Record:
/// magic "LGJ1", seq u64, topic length u32, payload length u32, topic, payload, FNV-1a-32 of all that
/// (little endian). A torn or corrupt record ends the segment's replay.
///
/// Rotation: when the current segment passes `segmentBytes` and every event in the other segment is
/// covered by the persisted progress mark, the other segment is truncated and becomes current.
/// Otherwise the current segment keeps growing (the outbox is behind; nothing is thrown away).
///
/// Thread model: `append` from one thread (the MQTT loop thread); `recover` before that starts.
public final class InboundJournal: @unchecked Sendable {
    public struct Event: Sendable {
        public let seq: UInt64
        public let topic: String
        public let payload: [UInt8]
    }

    static let magic: UInt32 = 0x314A_474C  // "LGJ1" read as little-endian bytes
    public let directory: String
    public let segmentBytes: Int
    private var fds: [Int32] = [-1, -1]
    private var sizes: [Int] = [0, 0]
    private var lastSeqs: [UInt64] = [0, 0]
    private var current = 0
    private var record: [UInt8] = []
    public private(set) var nextSeq: UInt64
    /// Bytes written by `append` since open (for reports).
    public private(set) var bytesWritten = 0
    /// Events that were journalled but not covered by the progress mark when the journal was opened.
    public private(set) var recovered: [Event] = []
    /// The persisted progress mark (every event with seq <= it has its output committed).
    private let persistedDone: @Sendable () -> UInt64

    /// Opens (creating) the journal in `directory`; `doneThrough` is the persisted progress mark read at
    /// start, `persistedDone` gives its current value later (for rotation).
    public init(directory: String, doneThrough: UInt64, segmentBytes: Int = 4 << 20,
                persistedDone: @escaping @Sendable () -> UInt64) throws(JournalError) {
        self.directory = directory
        self.segmentBytes = max(4096, segmentBytes)
        self.persistedDone = persistedDone
        var maxSeq = doneThrough
        var found: [Event] = []
        for i in 0..<2 {
            let path = "\(directory)/inbound-\(i).journal"
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            if fd < 0 { throw JournalError(message: "cannot open '\(path)': \(String(cString: strerror(errno)))") }
            fds[i] = fd
            let (events, validBytes, last) = Self.scan(fd: fd)
            // Drop a torn tail so new records follow the last good one.
            if ftruncate(fd, off_t(validBytes)) != 0 || lseek(fd, off_t(validBytes), SEEK_SET) < 0 {
                throw JournalError(message: "cannot trim '\(path)': \(String(cString: strerror(errno)))")
            }
            sizes[i] = validBytes
            lastSeqs[i] = last
            maxSeq = max(maxSeq, last)
            found.append(contentsOf: events.lazy.filter { $0.seq > doneThrough })
        }
        found.sort { $0.seq < $1.seq }
        recovered = found
        nextSeq = maxSeq + 1
        // Append to the segment holding the newest records.
        current = lastSeqs[1] > lastSeqs[0] ? 1 : 0
        record.reserveCapacity(1024)
    }

    deinit { for fd in fds where fd >= 0 { close(fd) } }

    /// Drops the recovered events (after they were handed to the router).
    public func forgetRecovered() { recovered = [] }

    /// Appends one event and returns its sequence number. On a write error the event is still given a
    /// number (the node processes it; only crash safety for it is lost) and the error is returned.
    public func append(topic: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) -> (seq: UInt64, error: Int32) {
        let seq = nextSeq
        nextSeq += 1
        rotateIfDue()
        record.removeAll(keepingCapacity: true)
        put32(Self.magic)
        put64(seq)
        put32(UInt32(topic.count))
        put32(UInt32(payload.count))
        record.append(contentsOf: topic)
        record.append(contentsOf: payload)
        put32(fnv1a(record[...]))
        let fd = fds[current]
        var err: Int32 = 0
        let n = record.withUnsafeBytes { b in write(fd, b.baseAddress, b.count) }
        if n == record.count {
            sizes[current] += n
            lastSeqs[current] = seq
            bytesWritten += n
        } else {
            err = n < 0 ? errno : EIO
            // A short write leaves a torn record: cut it off so later records stay readable.
            _ = ftruncate(fd, off_t(sizes[current]))
            _ = lseek(fd, off_t(sizes[current]), SEEK_SET)
        }
        return (seq, err)
    }

    private func rotateIfDue() {
        guard sizes[current] >= segmentBytes else { return }
        let other = 1 - current
        guard sizes[other] == 0 || persistedDone() >= lastSeqs[other] else { return }
        let fd = fds[other]
        if ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0 {
            sizes[other] = 0
            lastSeqs[other] = 0
            current = other
        }
    }

    private func put32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { record.append(contentsOf: $0) } }
    private func put64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { record.append(contentsOf: $0) } }

    /// Reads every valid record of a segment: (events, bytes up to the end of the last good record, last seq).
    static func scan(fd: Int32) -> ([Event], Int, UInt64) {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        _ = lseek(fd, 0, SEEK_SET)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            data.append(contentsOf: chunk[0..<n])
        }
        var events: [Event] = []
        var pos = 0
        var last: UInt64 = 0
        func u32(_ at: Int) -> UInt32 { UInt32(data[at]) | UInt32(data[at + 1]) << 8 | UInt32(data[at + 2]) << 16 | UInt32(data[at + 3]) << 24 }
        while pos + 24 <= data.count {
            guard u32(pos) == magic else { break }
            let seq = UInt64(u32(pos + 4)) | UInt64(u32(pos + 8)) << 32
            let tl = Int(u32(pos + 12)), pl = Int(u32(pos + 16))
            let end = pos + 20 + tl + pl
            guard tl <= 65535, end + 4 <= data.count, fnv1a(data[pos..<end]) == u32(end) else { break }
            let topic = String(decoding: data[(pos + 20)..<(pos + 20 + tl)], as: UTF8.self)
            events.append(Event(seq: seq, topic: topic, payload: Array(data[(pos + 20 + tl)..<end])))
            last = seq
            pos = end + 4
        }
        return (events, pos, last)
    }
}

/// FNV-1a, 32 bits: the journal's record check (detects torn and corrupt tails, not an attacker).
func fnv1a(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var h: UInt32 = 0x811C_9DC5
    for b in bytes { h = (h ^ UInt32(b)) &* 0x0100_0193 }
    return h
}
