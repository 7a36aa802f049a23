"""Storage: the SQLite file, its schema and the queries. Knows nothing of Qt, Excel or PDF."""
