"""The user cache that converters write preset directories into, and the locking that makes writing it safe.

The cache is `cache_dir` when given, else `$MIRZOO_CACHE`, else `~/.cache/mirzoo`; each converted preset
gets its own folder, e.g. `~/.cache/mirzoo/musicnn.mtt/`.

Conversions into one cache may run at the same time, from threads or processes: each writes its own
temporary folder and installs it under an exclusive lock on `<cache>/.<name>.lock` (a thread lock, and
`flock` where the platform has it), and a first use that finds the preset converted while it waited for
the lock uses that one instead of converting again. A folder that appears complete is never removed by a
first use, only by an explicit conversion.
"""

import contextlib
import os
import shutil
import tempfile
import threading
import uuid

try:
    import fcntl
except ImportError:  # Windows: threads are still excluded, and installing tolerates a rival's finished copy.
    fcntl = None

from mirzoo.presets import PRESET_FILE

CACHE_ENV = "MIRZOO_CACHE"


def cache_root(cache_dir=None):
    """The folder converted presets live in: `cache_dir`, else `$MIRZOO_CACHE`, else `~/.cache/mirzoo`."""
    if cache_dir is not None:
        return os.fspath(cache_dir)
    return os.environ.get(CACHE_ENV) or os.path.join(os.path.expanduser("~"), ".cache", "mirzoo")


def is_converted(directory):
    """True when `directory` holds a converted preset: a target folder only appears complete, by a rename."""
    return os.path.isfile(os.path.join(directory, PRESET_FILE))


def install_converted(name, write_into, cache_dir=None):
    """Write preset `name` into the cache with `write_into(folder)`, then install it whole.

    `write_into` fills an empty temporary folder beside the target; the finished folder replaces
    `<cache>/<name>/` under the cache's lock for `name`, so the target appears complete or not at all, and
    concurrent conversions do not trip over each other. Should `write_into` raise, the temporary folder is
    removed and the cache left as it was.

    Args:
        name: the preset's name, e.g. `"musicnn.mtt"`: the folder's name in the cache.
        write_into: a function of one argument, the folder to write the preset directory's files into.
        cache_dir: the cache folder (default: `$MIRZOO_CACHE`, else `~/.cache/mirzoo`).

    Returns:
        The preset directory, `<cache>/<name>`; an existing one is replaced.
    """
    root = cache_root(cache_dir)
    os.makedirs(root, exist_ok=True)
    target = os.path.join(root, name)
    staging = tempfile.mkdtemp(prefix=f".{name}-", dir=root)
    try:
        write_into(staging)
        with conversion_lock(root, name):
            _install(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def cached_or_convert(name, convert, cache_dir=None):
    """The cached preset directory `<cache>/<name>`, made by calling `convert()` on first use.

    Safe to call from several threads or processes at once on a fresh cache: one converts, the others wait
    for its lock and read its result.

    Args:
        name: the preset's name, e.g. `"musicnn.mtt"`.
        convert: a function of no arguments that converts the preset into this cache (by
            :func:`install_converted`) and returns its directory.
        cache_dir: the cache folder (default: `$MIRZOO_CACHE`, else `~/.cache/mirzoo`).
    """
    root = cache_root(cache_dir)
    target = os.path.join(root, name)
    if is_converted(target):
        return target
    os.makedirs(root, exist_ok=True)
    # One conversion at a time; those that waited find it done.
    with conversion_lock(root, name):
        if is_converted(target):
            return target
        return convert()


_held_locks = threading.local()
_thread_locks = {}
_thread_locks_guard = threading.Lock()


@contextlib.contextmanager
def conversion_lock(root, name):
    """Hold the exclusive lock on converting preset `name` into cache `root`, across threads and processes.

    A `threading.Lock` per lock file excludes this process's threads; `flock` on `<root>/.<name>.lock`
    excludes other processes (where the platform has `flock`). Re-entrant within a thread (a first use
    holds it around the conversion, which takes it again to install).
    """
    path = os.path.abspath(os.path.join(root, f".{name}.lock"))
    held = _held_locks.__dict__.setdefault("paths", set())
    if path in held:
        yield
        return
    with _thread_locks_guard:
        thread_lock = _thread_locks.setdefault(path, threading.Lock())
    with thread_lock, open(path, "a+b") as handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        held.add(path)
        try:
            yield
        finally:
            held.discard(path)
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _install(staging, target):
    """Move the finished folder `staging` to `target`, replacing any folder there.

    The old folder is first renamed aside, so `target` never holds a mix of the two. Should another
    converter (without the lock) install its copy first, that complete copy is kept and `staging` discarded.
    """
    old = None
    if os.path.lexists(target):
        old = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.old-{uuid.uuid4().hex}")
        try:
            os.rename(target, old)
        except FileNotFoundError:  # removed meanwhile
            old = None
    try:
        os.replace(staging, target)
    except OSError:  # ENOTEMPTY or EEXIST on POSIX, access denied on Windows
        if not is_converted(target):
            raise
        shutil.rmtree(staging, ignore_errors=True)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
