// LedgeStore: SQLite connection, statements, migrations, outbox and KV tables.
