// OutboxWorker: the outbox thread: commits batches and deletions, publishes rows, tracks acks.
import LedgeStore
import LedgeMQTT

extension Outbox {
    /// What one wake-up of the outbox thread has to do.
    private struct Work {
        var commit = false
        var newAcks = false
        var reconnected = false
        var client: MQTTClient?
        var connected = false
        var stop = false
    }

    func workerLoop() {
        nextHousekeepingNs = monotonicNanos() + 1_000_000_000
        while true {
            let work = waitForWork()
            if work.reconnected { handleReconnect() }
            if work.newAcks { takeAcks() }
            let now = monotonicNanos()
            let deletesDue = !toDelete.isEmpty &&
                (toDelete.count >= config.commitEvery || now >= firstDeleteNs + UInt64(config.commitIntervalMs) * 1_000_000 || work.stop || work.commit)
            if work.commit || deletesDue { commit() }
            if work.connected, let client = work.client { send(client) }
            if now >= nextHousekeepingNs || work.stop { housekeeping(now: now, connected: work.connected) }
            if work.stop {
                let done = cond.withLock { batch.isEmpty }
                if done && toDelete.isEmpty {
                    cond.withLock {
                        workerDone = true
                        cond.broadcast()
                    }
                    return
                }
            }
        }
    }

    /// Sleeps until there is something to do; swaps the pending batch out when a commit is due.
    private func waitForWork() -> Work {
        cond.lock()
        defer { cond.unlock() }
        var w = Work()
        while true {
            let now = monotonicNanos()
            let interval = UInt64(config.commitIntervalMs) * 1_000_000
            var commitDue = !batch.isEmpty && now >= retryNotBeforeNs &&
                (batch.count >= config.commitEvery || config.durableAppend || flushRequested || stopping || now >= firstPendingNs + interval)
            // A moved progress mark alone is committed at most once a second (or when stopping).
            if !commitDue, let source = progressSource, now >= retryNotBeforeNs, now >= nextMarkNs || stopping, source() > storedMark {
                commitDue = true
            }
            let deletesDue = !toDelete.isEmpty && (toDelete.count >= config.commitEvery || now >= firstDeleteNs + interval || flushRequested)
            // One transaction for both: deletions that are due take the pending appends along (and the
            // other way round, see commit()), so an SD card sees one commit per interval, not two.
            if deletesDue && !batch.isEmpty && now >= retryNotBeforeNs { commitDue = true }
            let canSend = connected && client != nil && now >= sendBlockedUntilNs && inflight.count < config.maxInflight && (maxRowID > cursor || !resend.isEmpty)
            let reconnected = connectEvents != seenConnects
            if commitDue || deletesDue || !acks.isEmpty || canSend || reconnected || stopping || now >= nextHousekeepingNs {
                if commitDue {
                    swap(&batch, &spare)
                    // Taken with the batch: events finished by now had their publishes appended before.
                    if let source = progressSource { pendingMark = source() }
                    w.commit = true
                }
                if deletesDue { w.commit = true }
                flushRequested = false
                w.newAcks = !acks.isEmpty
                w.reconnected = reconnected
                seenConnects = connectEvents
                w.client = client
                w.connected = connected
                w.stop = stopping
                if w.commit { cond.broadcast() }  // appenders waiting on back-pressure
                return w
            }
            var deadline = nextHousekeepingNs
            if !batch.isEmpty { deadline = min(deadline, max(firstPendingNs + interval, retryNotBeforeNs)) }
            if connected && now < sendBlockedUntilNs { deadline = min(deadline, sendBlockedUntilNs) }
            if !toDelete.isEmpty { deadline = min(deadline, firstDeleteNs + interval) }
            if progressSource != nil { deadline = min(deadline, max(nextMarkNs, now + 100_000_000)) }
            cond.wait(untilNanos: deadline)
        }
    }

    /// Moves acknowledged message ids out of the shared queue; frees their window slots.
    private func takeAcks() {
        cond.withLock { swap(&acks, &ackSpare) }
        var ackedRows = 0, ackedBytes = 0
        let now = monotonicNanos()
        for mid in ackSpare {
            guard let e = inflight.removeValue(forKey: mid) else { continue }
            if toDelete.isEmpty { firstDeleteNs = now }
            toDelete.append(e.rowID)
            if !e.dropped {
                ackedRows += 1
                ackedBytes += e.size
            }
        }
        ackSpare.removeAll(keepingCapacity: true)
        let inflightCount = inflight.count
        cond.withLock {
            counters.acked += ackedRows
            counters.storedRows -= ackedRows
            counters.storedBytes -= ackedBytes
            counters.inflight = inflightCount
            cond.broadcast()
        }
    }

    /// After a reconnect: QoS 0 messages in flight may have been lost with the old socket, so they
    /// are sent again; QoS 1/2 ones are resent by libmosquitto itself (their timers restart).
    private func handleReconnect() {
        let now = monotonicNanos()
        for (mid, e) in inflight {
            if e.qos == 0 {
                inflight.removeValue(forKey: mid)
                if !e.dropped { insertResend(e.rowID) }
            } else {
                inflight[mid]?.sentNs = now
            }
        }
    }

    private func insertResend(_ id: Int64) {
        var i = resend.count
        while i > 0 && resend[i - 1] > id { i -= 1 }
        if i > 0 && resend[i - 1] == id { return }
        resend.insert(id, at: i)
    }

    /// One transaction: delete acknowledged rows, insert the swapped-out batch, enforce the bound.
    private func commit() {
        let entries = spare.count
        var dropped = 0, droppedBytes = 0
        var lastID: Int64 = 0
        let (mark, markStored) = cond.withLock { (pendingMark, storedMark) }
        do {
            try db.transaction {
                if mark > markStored {
                    try db.run("INSERT OR REPLACE INTO node_state(key, value) VALUES ('inbound_done', ?)", [.integer(Int64(mark))])
                }
                if !toDelete.isEmpty {
                    let del = try db.prepare("DELETE FROM outbox WHERE id = ?")
                    for id in toDelete {
                        try del.bind(1, id)
                        try del.step()
                        del.reset()
                    }
                }
                if entries > 0 {
                    let ins = try db.prepare("INSERT INTO outbox(topic, payload, qos, retain, size, created) VALUES (?, ?, ?, ?, ?, ?)")
                    try spare.bytes.withUnsafeBytes { buf in
                        for e in spare.entries {
                            try ins.bindNoCopy(1, text: UnsafeRawBufferPointer(rebasing: buf[e.offset..<(e.offset + e.topicLength)]))
                            let p = e.offset + e.topicLength + 1
                            try ins.bindNoCopy(2, blob: UnsafeRawBufferPointer(rebasing: buf[p..<(p + e.payloadLength)]))
                            try ins.bind(3, Int64(e.qos))
                            try ins.bind(4, Int64(e.retain ? 1 : 0))
                            try ins.bind(5, e.size)
                            try ins.bind(6, e.createdMs)
                            try ins.step()
                            ins.reset()
                        }
                    }
                    lastID = db.lastInsertRowID
                }
                if config.overflow == .dropOldest {
                    (dropped, droppedBytes) = try enforceBound(adding: entries, bytes: spare.byteCount)
                }
            }
        } catch {
            commitFailed(error)
            return
        }
        toDelete.removeAll(keepingCapacity: true)
        if lastID > 0 { maxRowID = lastID }
        let lastSeq = spare.entries.last?.seq
        let bytes = spare.byteCount
        spare.removeAll()
        cond.withLock {
            if mark > storedMark { storedMark = mark }
            nextMarkNs = monotonicNanos() + 1_000_000_000
            counters.commits += 1
            counters.committed += entries
            counters.storedRows += entries - dropped
            counters.storedBytes += bytes - droppedBytes
            counters.dropped += dropped
            if let lastSeq { committedSeq = lastSeq }
            lastCommitError = nil
            cond.broadcast()
        }
    }

    /// Drop-oldest policy: deletes the oldest rows until rows and bytes fit. Runs in the commit's
    /// transaction, after the inserts. Returns rows and bytes dropped.
    private func enforceBound(adding rows: Int, bytes: Int) throws -> (Int, Int) {
        var (storedRows, storedBytes) = cond.withLock { (counters.storedRows, counters.storedBytes) }
        storedRows += rows
        storedBytes += bytes
        var dropped = 0, droppedBytes = 0
        var after: Int64 = 0
        while storedRows > config.maxRows || storedBytes > config.maxBytes {
            let sel = try db.prepare("SELECT id, size FROM outbox WHERE id > ? ORDER BY id LIMIT 256")
            try sel.bind(1, after)
            var victims: [(Int64, Int)] = []
            while try sel.step(), storedRows - victims.count > config.maxRows || storedBytes - victims.reduce(0, { $0 + $1.1 }) > config.maxBytes {
                victims.append((sel.int64(0), sel.int(1)))
            }
            sel.reset()
            if victims.isEmpty { break }
            let del = try db.prepare("DELETE FROM outbox WHERE id = ?")
            for (id, size) in victims {
                try del.bind(1, id)
                try del.step()
                del.reset()
                storedRows -= 1
                storedBytes -= size
                dropped += 1
                droppedBytes += size
                after = id
                // A dropped row already handed to the client is not counted again when acknowledged.
                for (mid, e) in inflight where e.rowID == id { inflight[mid]?.dropped = true }
                if let i = resend.firstIndex(of: id) { resend.remove(at: i) }
            }
        }
        return (dropped, droppedBytes)
    }

    private func commitFailed(_ error: any Error) {
        let storeError = (error as? StoreError) ?? StoreError(code: .sqlite, message: "\(error)")
        let durable = config.durableAppend
        let failed = spare
        spare.removeAll()
        retryNotBeforeNs = monotonicNanos() + 1_000_000_000
        cond.withLock {
            counters.commitErrors += 1
            lastCommitError = storeError
            if durable, let first = failed.entries.first?.seq, let last = failed.entries.last?.seq {
                // The waiting appenders get the error; their messages are not stored.
                failedRanges.append(first...last)
                if failedRanges.count > 16 { failedRanges.removeFirst() }
                committedSeq = last
            } else if !failed.isEmpty {
                // Keep the messages: put them back in front of newer appends and retry later.
                var merged = failed
                merged.append(contentsOf: batch)
                batch = merged
                firstPendingNs = 0
            }
            cond.broadcast()
        }
        log("commit failed, will retry in 1 s: \(storeError)")
    }

    /// Publishes rows (resends first, then new rows in id order) while the window has room.
    private func send(_ client: MQTTClient) {
        var free = config.maxInflight - inflight.count
        guard free > 0 else { return }
        var sent = 0, resent = 0
        do {
            while free > 0, let id = resend.first {
                let sel = try db.prepare("SELECT id, topic, payload, qos, retain, size FROM outbox WHERE id = ?")
                try sel.bind(1, id)
                let ok = try publishRow(sel, client)
                sel.reset()
                if ok == nil { sendBlockedUntilNs = monotonicNanos() + 50_000_000; break }  // not connected
                resend.removeFirst()
                if ok == true { free -= 1; resent += 1 }
            }
            if resend.isEmpty && free > 0 && maxRowID > cursor {
                let sel = try db.prepare("SELECT id, topic, payload, qos, retain, size FROM outbox WHERE id > ? ORDER BY id LIMIT ?")
                try sel.bind(1, cursor)
                try sel.bind(2, free)
                var sawRow = false
                while try sel.step() {
                    sawRow = true
                    let id = sel.int64(0)
                    guard let ok = try publishOne(sel, client) else { sendBlockedUntilNs = monotonicNanos() + 50_000_000; break }
                    cursor = id
                    if ok { sent += 1; free -= 1 }
                }
                sel.reset()
                // No row beyond the cursor (the rest were dropped): nothing left to hand out.
                if !sawRow { cursor = maxRowID }
            }
        } catch {
            log("reading the outbox failed: \(error)")
        }
        let inflightCount = inflight.count
        cond.withLock {
            counters.sent += sent + resent
            counters.resent += resent
            counters.inflight = inflightCount
        }
    }

    /// Steps `sel` (one row by id) and publishes it: true sent, false the row is gone, nil not connected.
    private func publishRow(_ sel: Statement, _ client: MQTTClient) throws -> Bool? {
        guard try sel.step() else { return false }
        return try publishOne(sel, client)
    }

    /// Publishes the statement's current row: true sent, nil not connected.
    private func publishOne(_ sel: Statement, _ client: MQTTClient) throws -> Bool? {
        let id = sel.int64(0)
        let qos = Int32(sel.int(3))
        let retain = sel.int(4) != 0
        let size = sel.int(5)
        let result: Result<Int32, MQTTError> = sel.withCString(1) { topic, _ in
            sel.withBlob(2) { payload in
                Result { () throws(MQTTError) -> Int32 in try client.publish(validatedTopic: topic, payload: payload, qos: qos, retain: retain) }
            }
        }
        switch result {
        case .success(let mid):
            if let old = inflight.updateValue(Inflight(rowID: id, qos: qos, size: size, sentNs: monotonicNanos(), dropped: false), forKey: mid),
               old.rowID != id, !old.dropped {
                insertResend(old.rowID)  // message id reused while still in flight: send that one again
            }
            return true
        case .failure(let e) where e.code == .notConnected:
            return nil
        case .failure(let e):
            // A row the broker can never take (should not happen: topics are checked on append).
            log("dropping outbox row \(id): \(e)")
            if toDelete.isEmpty { firstDeleteNs = monotonicNanos() }
            toDelete.append(id)
            cond.withLock {
                counters.dropped += 1
                counters.storedRows -= 1
                counters.storedBytes -= size
            }
            return false
        }
    }

    /// Once a second: resend timed-out messages; log the end of a full/drop burst.
    private func housekeeping(now: UInt64, connected: Bool) {
        nextHousekeepingNs = now + 1_000_000_000
        if connected {
            let limit = UInt64(config.resendAfterMs) * 1_000_000
            for (mid, e) in inflight where now > e.sentNs + limit {
                inflight.removeValue(forKey: mid)
                if !e.dropped { insertResend(e.rowID) }
            }
        }
        let (losses, rows, bytes) = cond.withLock { (counters.dropped + counters.refused, counters.storedRows, counters.storedBytes) }
        if losses != lastLosses {
            if !burstActive {
                burstActive = true
                burstStartLosses = lastLosses
                let what = config.overflow == .refuse ? "refusing new messages" : "dropping the oldest messages"
                log("outbox full (\(rows) rows of \(config.maxRows), \(bytes) bytes of \(config.maxBytes)): \(what)")
            }
            lastLosses = losses
            lastLossNs = now
        } else if burstActive && now > lastLossNs + 2_000_000_000 {
            burstActive = false
            let verb = config.overflow == .refuse ? "refused" : "dropped"
            log("outbox burst over: \(losses - burstStartLosses) messages \(verb)")
        }
    }
}
