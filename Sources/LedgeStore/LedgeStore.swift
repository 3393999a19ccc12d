// LedgeStore: SQLite connection, statements, migrations, and the node's outbox and KV tables.
//
// Threading: a `Database` is one SQLite connection for one owner. It is not locked per call;
// the owner serialises its calls (one thread, or `withLock`). Open a second `Database` on the
// same file for a second owner: WAL lets readers and one writer proceed together, and the busy
// timeout makes a writer wait for another writer instead of failing at once.
