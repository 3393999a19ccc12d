// The inbound side of crash safety: the journal (recovery, torn tails, rotation), the progress mark the
// outbox commits with its rows, and de-duplication by message id.
import Foundation
import Testing
import LedgeNode
import LedgeStore
import LedgeTestSupport

@Suite
struct OutboxInboundTests {
    final class Mark: @unchecked Sendable {
        private let lock = NSLock()
        private var v: UInt64 = 0
        var value: UInt64 { get { lock.lock(); defer { lock.unlock() }; return v } set { lock.lock(); v = newValue; lock.unlock() } }
    }

    func append(_ j: InboundJournal, _ topic: String, _ payload: String) -> UInt64 {
        let (seq, err) = Array(topic.utf8).withUnsafeBytes { t in Array(payload.utf8).withUnsafeBytes { p in j.append(topic: t, payload: p) } }
        #expect(err == 0)
        return seq
    }

    @Test("events after the progress mark are recovered in order after a reopen")
    func recovery() throws {
        let dir = try TestPaths.scratch("journal").path
        do {
            let j = try InboundJournal(directory: dir, doneThrough: 0, persistedDone: { 0 })
            #expect(j.recovered.isEmpty)
            for i in 1...20 { #expect(append(j, "t/\(i % 2)", "{\"n\":\(i)}") == UInt64(i)) }
        }
        let again = try InboundJournal(directory: dir, doneThrough: 12, persistedDone: { 12 })
        #expect(again.recovered.map(\.seq) == Array(13...20))
        #expect(again.recovered.map { String(decoding: $0.payload, as: UTF8.self) } == (13...20).map { "{\"n\":\($0)}" })
        #expect(again.recovered.first?.topic == "t/1")
        #expect(again.nextSeq == 21)
    }

    @Test("a torn or corrupt tail is cut off; the records before it are kept and new ones follow")
    func tornTail() throws {
        let dir = try TestPaths.scratch("journal").path
        do {
            let j = try InboundJournal(directory: dir, doneThrough: 0, persistedDone: { 0 })
            for i in 1...3 { _ = append(j, "a", "p\(i)") }
        }
        let file = dir + "/inbound-0.journal"
        let good = try FileManager.default.attributesOfItem(atPath: file)[.size] as! Int
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        h.seekToEndOfFile()
        h.write(Data([0x4C, 0x47, 0x4A, 0x31, 9, 9, 9]))  // a record cut short
        try h.close()
        do {
            let j = try InboundJournal(directory: dir, doneThrough: 0, persistedDone: { 0 })
            #expect(j.recovered.map(\.seq) == [1, 2, 3])
            #expect(try FileManager.default.attributesOfItem(atPath: file)[.size] as! Int == good)
            #expect(append(j, "a", "p4") == 4)
        }
        // Flip one payload byte of record 2: replay stops before it (its checksum fails).
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let recordLength = bytes.count / 4
        bytes[recordLength + 21] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: file))
        let j = try InboundJournal(directory: dir, doneThrough: 0, persistedDone: { 0 })
        #expect(j.recovered.map(\.seq) == [1])
    }

    @Test("segments rotate once the other segment is covered by the mark; nothing uncovered is cut")
    func rotation() throws {
        let dir = try TestPaths.scratch("journal").path
        let mark = Mark()
        do {
            let j = try InboundJournal(directory: dir, doneThrough: 0, segmentBytes: 4096, persistedDone: { mark.value })
            let payload = String(repeating: "x", count: 200)
            // The mark stays at 0: the journal must keep every event, growing past its segment size.
            for _ in 0..<100 { _ = append(j, "r", payload) }
        }
        do {
            let j = try InboundJournal(directory: dir, doneThrough: 0, segmentBytes: 4096, persistedDone: { mark.value })
            #expect(j.recovered.count == 100, "no event lost while the mark did not move")
            // Now the mark follows the appends: the files stay near two segments.
            for _ in 0..<400 { mark.value = append(j, "r", String(repeating: "y", count: 200)) }
        }
        let sizes = try (0..<2).map { try FileManager.default.attributesOfItem(atPath: dir + "/inbound-\($0).journal")[.size] as! Int }
        #expect(sizes.reduce(0, +) <= 2 * (4096 + 225), "sizes \(sizes)")
        let j = try InboundJournal(directory: dir, doneThrough: mark.value - 3, segmentBytes: 4096, persistedDone: { 0 })
        #expect(j.recovered.map(\.seq) == [mark.value - 2, mark.value - 1, mark.value])
    }

    @Test("the progress mark passes only events finished in every lane, in any order")
    func progress() {
        let p = InboundProgress(doneThrough: 10)
        for s in 11...15 { p.begin(UInt64(s)) }
        p.retain(11); p.retain(11)        // two lanes took event 11
        for s in 11...15 { p.finish(UInt64(s)) }  // the router's own holds
        #expect(p.doneThrough == 10)
        p.finish(11)
        #expect(p.doneThrough == 10)
        p.finish(11)
        #expect(p.doneThrough == 15)
        p.begin(16); p.retain(16); p.begin(17); p.finish(17); p.finish(16)
        #expect(p.doneThrough == 15, "17 done, 16 still held by a lane")
        p.finish(16)
        #expect(p.doneThrough == 17 && p.inFlight == 0)
    }

    @Test("the outbox commits the progress mark with its rows and reads it back on open")
    func markCommittedWithRows() throws {
        let path = try OutboxFixtures.databasePath()
        let mark = Mark()
        do {
            let outbox = try Outbox(database: try NodeSchema.open(path: path))
            outbox.trackProgress { mark.value }
            try outbox.append(topic: "m/a", text: "x", qos: 1, retain: false)
            mark.value = 42
            try outbox.flush()
            #expect(outbox.persistedProgress == 42)
            // A mark that moves without new rows is committed too (about once a second).
            mark.value = 50
            #expect(OutboxFixtures.eventually(timeout: 5) { outbox.persistedProgress == 50 })
            outbox.close()
        }
        let reopened = try Outbox(database: try NodeSchema.open(path: path))
        #expect(reopened.persistedProgress == 50)
        reopened.close()
    }

    @Test("de-duplication by id fields: repeats within the window are dropped, others pass")
    func dedup() {
        let d = InboundDedup(fields: ["unit", "cycle"], window: 3)
        func dup(_ topic: String, _ payload: String) -> Bool {
            Array(topic.utf8).withUnsafeBytes { t in Array(payload.utf8).withUnsafeBytes { p in d.isDuplicate(topic: t, payload: p) } }
        }
        #expect(!dup("e/1", #"{"unit":1,"cycle":1,"s1":5.5}"#))
        #expect(dup("e/1", #"{"unit":1,"cycle":1,"s1":5.5}"#))
        #expect(dup("e/1", #"{"unit": 1, "cycle": 1, "s1":9}"#), "same id, other values and spacing")
        #expect(!dup("e/2", #"{"unit":1,"cycle":1}"#), "another topic is another message")
        #expect(!dup("e/1", #"{"unit":1,"cycle":2}"#))
        #expect(!dup("e/1", #"{"unit":"1","cycle":1}"#), "a string id differs from a number")
        #expect(!dup("e/1", #"{"cycle":1}"#) && !dup("e/1", #"{"cycle":1}"#), "no id: never a duplicate")
        #expect(!dup("e/1", #"{"unit":9,"cycle":9}"#))
        // The window holds 3 ids: unit 1 cycle 1 on e/1 has been pushed out by now.
        #expect(!dup("e/1", #"{"unit":1,"cycle":1}"#))
        #expect(d.duplicates == 2)
    }
}
