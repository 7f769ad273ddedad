"""Backups and restores of a whole installation: the database and the uploaded files.

A backup is a ``.tar.gz`` archive (or, for any other output name, a folder) holding:

- ``manifest.json`` – when it was taken (UTC), the database kind, the portal
  version, the applied migrations, the number of files and the sha256 of the
  database dump and of every file;
- the database snapshot – ``database.sqlite3`` (SQLite's online backup API: a
  consistent copy taken while the portal keeps writing) or ``database.dump``
  (``pg_dump --format=custom``, one repeatable-read snapshot);
- ``files/media/…`` (product images) and ``files/private/…`` (payment proofs and
  other private uploads from ``INSTANCE_DIR/private``).

Why the database is copied first and the files after it: every upload is written
(beside its final name, then renamed) *before* the transaction that records its
name commits. So any row inside the database snapshot points at a file that was
already complete on disk when the snapshot was taken, and the file copy that
follows finds it. Files written after the snapshot are copied too; they are
harmless extras no restored row refers to. The one gap is a file deleted between
the snapshot and the copy (a replaced image, a rejected proof): its row may be in
the snapshot while the file is gone; keeping that window short is why the file
copy starts right after the snapshot. Half-written uploads (``*.part``, ``*.tmp``)
are skipped: no committed row can name them.

``restore`` checks the manifest's checksums before it touches anything, puts the
database back (SQLite: a checked temporary copy renamed over the database file,
the previous file kept beside it; PostgreSQL: ``pg_restore --clean --if-exists
--no-owner`` in one transaction), restores the files, then checks the result
(SQLite ``PRAGMA integrity_check``; both: the migration table equals the manifest).
"""
from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse, urlunparse

FORMAT = "portal-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.dump"
FILES_DIR = "files"
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz")
# Uploads are written under these names first and renamed when complete.
PARTIAL_SUFFIXES = (".part", ".tmp")
CHUNK = 1 << 20


class BackupError(RuntimeError):
    """A backup or restore could not be made; ``str(err)`` says why and what to do."""


class RestoreRefused(BackupError):
    """The target database looks in use; stop the portal first or pass ``force``."""


@dataclass(frozen=True)
class Site:
    """Where an installation keeps its data: the database and the two upload folders."""

    database_url: str
    instance_dir: Path
    media_dir: Path

    @classmethod
    def from_config(cls, config) -> Site:
        return cls(config["DATABASE_URL"], Path(config["INSTANCE_DIR"]), Path(config["MEDIA_DIR"]))

    @property
    def kind(self) -> str:
        scheme = urlparse(self.database_url).scheme
        if scheme.startswith("sqlite"):
            return "sqlite"
        if scheme in ("postgres", "postgresql"):
            return "postgresql"
        raise BackupError(f"cannot back up a database of kind {scheme!r}")

    @property
    def sqlite_path(self) -> Path:
        # Spelled as ``portal.core.db.make_database`` reads it.
        if ":///" not in self.database_url:
            raise BackupError("an in-memory SQLite database cannot be backed up")
        return Path(self.database_url.split(":///", 1)[1])

    def file_roots(self) -> dict[str, Path]:
        return {"media": self.media_dir, "private": self.instance_dir / "private"}


@dataclass
class RestoreReport:
    manifest: dict
    files: int
    integrity: str
    # SQLite: the database file that was replaced, kept beside it.
    previous_database: Path | None = None
    migrations: list = field(default_factory=list)


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_hashed(src: Path, dest: Path) -> str:
    """Copy ``src`` to ``dest`` (mode and times too) and return the sha256 of what was copied."""
    digest = hashlib.sha256()
    with open(src, "rb") as fin, open(dest, "wb") as fout:
        while chunk := fin.read(CHUNK):
            digest.update(chunk)
            fout.write(chunk)
    shutil.copystat(src, dest)
    return digest.hexdigest()


def _fsync_dir(path: Path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def is_archive(path: Path) -> bool:
    return path.name.endswith(ARCHIVE_SUFFIXES)


def default_output(site: Site, moment: dt.datetime | None = None) -> Path:
    stamp = (moment or _now()).strftime("%Y%m%dT%H%M%SZ")
    return site.instance_dir / "backups" / f"portal-{stamp}.tar.gz"


# ---------------------------------------------------------------------------
# PostgreSQL client tools
# ---------------------------------------------------------------------------


def find_pg_tool(name: str) -> str:
    """``pg_dump``/``pg_restore`` from PATH, else the newest one installed with a server."""
    found = shutil.which(name)
    if found:
        return found

    def version(path: str) -> tuple:
        match = re.search(r"/postgresql/([\d.]+)/", path)
        return tuple(int(p) for p in match.group(1).split(".")) if match else ()

    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version, reverse=True)
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return candidate
    raise BackupError(
        f"{name} was not found. Install the PostgreSQL client tools "
        f"(Debian/Ubuntu: apt install postgresql-client) or put {name} on PATH."
    )


def libpq_target(url: str) -> tuple[str, dict]:
    """A connection URI without the password, and an environment carrying it.

    The password goes through ``PGPASSWORD`` so it never shows in the process list.
    """
    parts = urlparse(url)
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    netloc = parts.hostname or ""
    if parts.hostname and ":" in parts.hostname:  # IPv6 literal
        netloc = f"[{parts.hostname}]"
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    return urlunparse(parts._replace(scheme="postgresql", netloc=netloc)), env


def _run(cmd: list[str], env: dict, what: str):
    try:
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"{what} could not be started: {exc}") from exc
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()}")
    return result


def _pg_connect(url: str):
    import psycopg2

    return psycopg2.connect(url)


def _pg_migrations(cursor) -> list[list[str]]:
    cursor.execute("SELECT to_regclass('portal_migration') IS NOT NULL")
    if not cursor.fetchone()[0]:
        return []
    cursor.execute("SELECT app, name FROM portal_migration ORDER BY app, name")
    return [[app, name] for app, name in cursor.fetchall()]


# ---------------------------------------------------------------------------
# database snapshots
# ---------------------------------------------------------------------------


def _sqlite_migrations(conn: sqlite3.Connection) -> list[list[str]]:
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'portal_migration'").fetchone()
    if not exists:
        return []
    return [[a, n] for a, n in conn.execute("SELECT app, name FROM portal_migration ORDER BY app, name")]


def _sqlite_copy(source: Path, dest: Path):
    """Copy a live SQLite database with the online backup API.

    One ``backup`` step (``pages=-1``) copies every page inside a single read
    transaction, so the copy is one committed state; in WAL mode the portal's
    writers carry on meanwhile. The copy is switched to a rollback journal so it
    is one self-contained file.
    """
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(dest)
        try:
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    finally:
        src.close()


def snapshot_sqlite(source: Path, dest: Path) -> list[list[str]]:
    """Snapshot ``source`` into ``dest``; return the migrations recorded in the snapshot itself."""
    if not source.exists():
        raise BackupError(f"the SQLite database {source} does not exist")
    _sqlite_copy(source, dest)
    conn = sqlite3.connect(dest)
    try:
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"the database snapshot fails SQLite's quick_check: {check}")
        return _sqlite_migrations(conn)
    finally:
        conn.close()


def snapshot_postgres(url: str, dest: Path) -> list[list[str]]:
    """``pg_dump -Fc`` of ``url`` into ``dest``; the migrations are read in the very same snapshot.

    A repeatable-read transaction exports its snapshot and ``pg_dump
    --snapshot`` dumps exactly that state, so the manifest and the dump agree
    even while migrations or orders are being written.
    """
    pg_dump = find_pg_tool("pg_dump")
    target, env = libpq_target(url)
    conn = _pg_connect(url)
    try:
        conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with conn.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            migrations = _pg_migrations(cur)
        _run([pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}",
              f"--file={dest}", f"--dbname={target}"], env, "pg_dump")
        conn.rollback()
    finally:
        conn.close()
    return migrations


# ---------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------


def _walk(root: Path):
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            # Links could point outside the upload folders; uploads are never links.
            if path.is_symlink() or name.endswith(PARTIAL_SUFFIXES):
                continue
            yield path


def copy_files(site: Site, dest: Path) -> dict[str, str]:
    """Copy the upload folders under ``dest``; ``{"media/…": sha256}`` of every file copied."""
    copied = {}
    for label, root in site.file_roots().items():
        for path in _walk(root):
            rel = f"{label}/{path.relative_to(root).as_posix()}"
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                copied[rel] = _copy_hashed(path, target)
            except FileNotFoundError:
                # Deleted since the walk listed it (see the module docstring).
                target.unlink(missing_ok=True)
    return copied


# ---------------------------------------------------------------------------
# backup
# ---------------------------------------------------------------------------


def backup(site: Site, output: Path | str | None = None, portal_version: str | None = None) -> tuple[Path, dict]:
    """Write a backup of ``site`` to ``output`` (``.tar.gz``/``.tgz`` → archive, else a folder).

    :return: the path written and its manifest.
    :raises BackupError: nothing is left at ``output``.
    """
    if portal_version is None:
        from portal import __version__ as portal_version
    created = _now()
    output = Path(output) if output else default_output(site, created)
    if output.exists():
        raise BackupError(f"{output} already exists; a backup never overwrites another")
    for root in site.file_roots().values():
        if output.resolve().is_relative_to(root.resolve()):
            # It would copy itself while it grows.
            raise BackupError(f"write the backup outside the upload folder {root}")
    output.parent.mkdir(parents=True, exist_ok=True)
    kind = site.kind
    # Beside the output, so the finished folder or archive is renamed into place in one step.
    staging = Path(tempfile.mkdtemp(prefix=".portal-backup-", dir=output.parent))
    try:
        if kind == "sqlite":
            dump = staging / SQLITE_FILE
            migrations = snapshot_sqlite(site.sqlite_path, dump)
        else:
            dump = staging / POSTGRES_FILE
            migrations = snapshot_postgres(site.database_url, dump)
        # Files strictly after the database: see the module docstring.
        files = copy_files(site, staging / FILES_DIR)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": _iso(created),
            "finished_at": _iso(_now()),
            "database_kind": kind,
            "database_file": dump.name,
            "database_sha256": sha256_of(dump),
            "database_bytes": dump.stat().st_size,
            "portal_version": portal_version,
            "migrations": migrations,
            "file_count": len(files),
            "files": files,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        if is_archive(output):
            partial = output.with_name(output.name + ".partial")
            # The archive holds password hashes and payment proofs: owner-only from the first byte.
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                    for child in sorted(staging.iterdir()):
                        tar.add(child, arcname=child.name)
                    raw.flush()
                    os.fsync(raw.fileno())
                os.replace(partial, output)
            except BaseException:
                Path(partial).unlink(missing_ok=True)
                raise
        else:
            os.replace(staging, output)  # mkdtemp made it 0700 already
        _fsync_dir(output.parent)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return output, manifest


# ---------------------------------------------------------------------------
# restore
# ---------------------------------------------------------------------------


@contextmanager
def opened(source: Path, work_dir: Path):
    """The backup's folder: ``source`` itself, or an archive unpacked into a temporary folder."""
    source = Path(source)
    if source.is_dir():
        yield source
        return
    if not source.is_file():
        raise BackupError(f"{source} is neither a backup folder nor a backup archive")
    work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".portal-restore-", dir=work_dir) as tmp:
        try:
            with tarfile.open(source, "r:*") as tar:
                # "data" refuses absolute paths, "..", devices and links leaving the folder.
                tar.extractall(tmp, filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(f"{source} is not a readable backup archive: {exc}") from exc
        yield Path(tmp)


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"no readable {MANIFEST} in the backup: {exc}") from exc
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError("this is not a portal backup of a format this version can restore")
    return manifest


def verify(folder: Path, manifest: dict):
    """Every checksum in the manifest holds; raises before anything is restored otherwise."""
    dump = folder / manifest["database_file"]
    if Path(manifest["database_file"]).name != manifest["database_file"] or not dump.is_file():
        raise BackupError("the backup has no database dump")
    if sha256_of(dump) != manifest["database_sha256"]:
        raise BackupError("the database dump does not match its checksum; the backup is damaged")
    if len(manifest["files"]) != manifest["file_count"]:
        raise BackupError("the manifest's file list and file count disagree")
    for rel, digest in manifest["files"].items():
        path = folder / FILES_DIR / rel
        if not path.is_file() or sha256_of(path) != digest:
            raise BackupError(f"the backed-up file {rel} is missing or damaged")


def sqlite_in_use(path: Path) -> bool:
    """Whether a process may hold the database open (then replacing the file would lose its writes)."""
    if not path.exists():
        return False
    # A WAL database keeps its shared-memory file while any connection is open
    # (or after a crash, which ``force`` is for).
    if Path(f"{path}-shm").exists():
        return True
    conn = sqlite3.connect(path, timeout=0)
    try:
        conn.execute("BEGIN EXCLUSIVE")
        conn.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


def sqlite_integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()
    return "ok" if rows == ["ok"] else "; ".join(rows)


def restore_sqlite(dump: Path, target: Path, force: bool = False) -> Path | None:
    """Put ``dump`` in place of ``target``: checked copy, then an atomic rename.

    :return: where the replaced database was kept, if there was one.
    """
    if sqlite_in_use(target) and not force:
        raise RestoreRefused(
            f"{target} looks in use (a server or worker may hold it open). "
            "Stop the portal and try again, or confirm with --yes if nothing runs."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.restore-{os.getpid()}")
    try:
        shutil.copyfile(dump, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        result = sqlite_integrity(tmp)
        if result != "ok":
            raise BackupError(f"the database in the backup fails its integrity check: {result}")
        previous = None
        if target.exists():
            # Keep what is being replaced (WAL content included) in case the restore was a mistake.
            previous = target.with_name(f"{target.name}.before-restore-{_now().strftime('%Y%m%dT%H%M%SZ')}")
            _sqlite_copy(target, previous)
        # The old database's WAL must not be replayed onto the restored file.
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return previous


def postgres_sessions(url: str) -> int:
    """Other sessions connected to the database (a running portal holds some)."""
    conn = _pg_connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            return int(cur.fetchone()[0])
    finally:
        conn.close()


def restore_postgres(dump: Path, url: str, force: bool = False):
    pg_restore = find_pg_tool("pg_restore")
    sessions = postgres_sessions(url)
    if sessions and not force:
        raise RestoreRefused(
            f"{sessions} other session(s) are connected to the database. "
            "Stop the portal and try again, or confirm with --yes."
        )
    target, env = libpq_target(url)
    # One transaction: a failing restore leaves the database as it was.
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
          "--no-password", f"--dbname={target}", str(dump)], env, "pg_restore")


def restore_files(folder: Path, site: Site, files: dict[str, str]) -> int:
    """Write the backed-up files back (each beside its place, then renamed); later uploads stay."""
    roots = site.file_roots()
    count = 0
    for rel in files:
        label, _, sub = rel.partition("/")
        root = roots.get(label)
        if root is None or not sub:
            raise BackupError(f"unexpected file {rel!r} in the backup")
        dest = (root / sub).resolve()
        if not dest.is_relative_to(root.resolve()):
            raise BackupError(f"the backed-up file {rel!r} would land outside {root}")
        dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700 if label == "private" else 0o777)
        tmp = dest.with_name(f".{dest.name}.restore")
        try:
            shutil.copy2(folder / FILES_DIR / rel, tmp)
            os.replace(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)
        count += 1
    return count


def check_restored(site: Site, manifest: dict) -> tuple[str, list]:
    """Integrity of the restored database and its migrations compared with the manifest."""
    if site.kind == "sqlite":
        integrity = sqlite_integrity(site.sqlite_path)
        if integrity != "ok":
            raise BackupError(f"the restored database fails its integrity check: {integrity}")
        conn = sqlite3.connect(site.sqlite_path)
        try:
            migrations = _sqlite_migrations(conn)
        finally:
            conn.close()
    else:
        integrity = "ok"
        conn = _pg_connect(site.database_url)
        try:
            with conn.cursor() as cur:
                migrations = _pg_migrations(cur)
        finally:
            conn.close()
    if sorted(migrations) != sorted(manifest["migrations"]):
        raise BackupError("the restored database's migrations differ from the backup's manifest")
    return integrity, migrations


def restore(site: Site, source: Path | str, force: bool = False) -> RestoreReport:
    """Restore the backup at ``source`` (archive or folder) into ``site``.

    :param force: replace the database even though it looks in use.
    :raises RestoreRefused: the database looks in use and ``force`` is false; nothing changed.
    :raises BackupError: the backup is damaged (nothing changed) or the result failed its checks.
    """
    with opened(Path(source), site.instance_dir) as folder:
        manifest = read_manifest(folder)
        if manifest["database_kind"] != site.kind:
            raise BackupError(f"this is a {manifest['database_kind']} backup; the portal is configured for {site.kind}")
        verify(folder, manifest)
        dump = folder / manifest["database_file"]
        previous = None
        if site.kind == "sqlite":
            previous = restore_sqlite(dump, site.sqlite_path, force=force)
        else:
            restore_postgres(dump, site.database_url, force=force)
        count = restore_files(folder, site, manifest["files"])
    integrity, migrations = check_restored(site, manifest)
    return RestoreReport(manifest=manifest, files=count, integrity=integrity, previous_database=previous,
                         migrations=migrations)
