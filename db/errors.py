"""Storage failures a user can act on; each message says what to do."""


class StorageError(Exception):
    """The database file cannot be used as it is."""


class NotFoundError(StorageError):
    """The database file does not exist."""


class NotLedgerDatabase(StorageError):
    """The file is not a SQLite database, or not one of ours."""


class DamagedDatabase(StorageError):
    """The file failed SQLite's integrity check."""


class NewerSchema(StorageError):
    """The file was written by a newer version of the program."""


class DatabaseLocked(StorageError):
    """Another program holds the write lock longer than the busy timeout."""


class DatabaseInUse(StorageError):
    """Another window or program has the database open for writing."""
