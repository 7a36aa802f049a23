"""Storage failures a user can act on; each message says what to do."""


class UserError(Exception):
    """The root of every failure the user can put right: str(error) is the Chinese message to
    show. It lives in the lowest layer so that storage, documents and the domain share one tree."""


class StorageError(UserError):
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


_OS_REASONS = {
    "EACCES": "没有权限", "EPERM": "没有权限", "EROFS": "磁盘或文件夹是只读的", "ENOSPC": "磁盘空间已满",
    "EDQUOT": "磁盘空间配额已满", "ENOENT": "文件或文件夹不存在", "EISDIR": "这是一个文件夹",
    "ENOTDIR": "路径中有一项不是文件夹", "EEXIST": "已有同名的文件", "ENAMETOOLONG": "路径太长",
    "EIO": "磁盘读写出错", "EBUSY": "文件正被占用", "EINVAL": "文件名不合规",
}


def os_reason(exc: OSError) -> str:
    """Why the system refused a file operation, in Chinese (strerror is English)."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    return _OS_REASONS.get(name, f"系统错误 {exc.errno}" if exc.errno else "文件错误")


def as_storage_error(exc: BaseException) -> StorageError | None:
    """SQLite's error for a damaged file or a full disk, as a message the user can act on."""
    import sqlite3

    if not isinstance(exc, sqlite3.DatabaseError):
        return None
    code = primary_code(exc)
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return DamagedDatabase("数据库文件已损坏，刚才的操作没有完成。请关闭程序后重新打开："
                               "程序会检查数据库，并提供最近的完好备份。")
    if code == sqlite3.SQLITE_FULL:
        return StorageError("磁盘空间已满，刚才的操作没有保存。请清理磁盘（或换一个位置存放数据库）后再试。")
    if code == sqlite3.SQLITE_READONLY:
        return StorageError("数据库文件或它所在的文件夹是只读的，刚才的操作没有保存。"
                            "请把数据库放在可以写入的位置（或取消只读属性）后再试。")
    if code == sqlite3.SQLITE_CANTOPEN:
        return StorageError("无法打开数据库文件：文件夹不存在、没有权限或是只读的。请检查数据库的位置和权限。")
    if code == sqlite3.SQLITE_IOERR:
        return StorageError("读写数据库文件时出错（磁盘或 U 盘可能有问题），刚才的操作没有完成。"
                            "请检查磁盘后重新打开程序。")
    return None


def primary_code(exc: BaseException) -> int | None:
    """SQLite's primary result code of an error (SQLITE_CORRUPT, SQLITE_BUSY …), None for others.

    Extended codes (SQLITE_IOERR_WRITE …) carry the primary code in their low byte."""
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF
