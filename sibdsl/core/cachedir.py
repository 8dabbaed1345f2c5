"""A per-user cache directory that no other local user can plant files in (shared by all phases).

Input: the environment (SIBDSL_CACHE_DIR overrides the platform's user cache directory, which
platformdirs finds: ~/.cache/sibdsl on Linux, honouring XDG_CACHE_HOME).
Output: `cache_dir()`, the directory or None when it is not safe to use; `read_private(path)`,
the bytes of a cache file or None; `write_private(path, data)`, an atomic write (mode 0600).

The rules, which hold for the override too:
- a directory that does not exist is created with mode 0700;
- a directory is used only if this user owns it and neither its group nor others can write
  to it; otherwise there is no cache (callers rebuild in memory);
- a file is opened without following a symbolic link and checked on the open descriptor
  (a regular file, owned by this user, not writable by group or others), so it cannot be
  swapped between the check and the read.
On systems without POSIX ownership (Windows) the platform directory is private to the user
already and only the regular-file check applies. Nothing here raises for a bad cache.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

APP_NAME = "sibdsl"
MAX_CACHE_BYTES = 64 * 1024 * 1024
_POSIX = hasattr(os, "getuid")


def _default_root() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def is_private(st: os.stat_result) -> bool:
    """Owned by this user and not writable by its group or by others."""
    if not _POSIX:
        return True
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def cache_dir() -> Path | None:
    """The cache directory, created 0700 if missing; None if it is not private to this user."""
    override = os.environ.get("SIBDSL_CACHE_DIR")
    try:
        root = Path(override) if override else _default_root()
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.stat(root)
    except (OSError, ImportError, ValueError):
        return None
    if not stat.S_ISDIR(st.st_mode) or not is_private(st):
        return None
    return root


def read_private(path: Path) -> bytes | None:
    """The file's bytes if it is a regular file private to this user (checked on the open file)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or not is_private(st) or st.st_size > MAX_CACHE_BYTES:
            return None
        chunks = []
        remaining = st.st_size + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        return data if len(data) <= MAX_CACHE_BYTES else None
    except OSError:
        return None
    finally:
        os.close(fd)


def write_private(path: Path, data: bytes) -> bool:
    """Write atomically through a 0600 temporary file beside the target; False if it failed."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
        return True
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return False
