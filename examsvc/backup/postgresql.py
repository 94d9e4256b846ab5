"""PostgreSQL backups with the server's own tools: ``pg_dump`` in its custom format (a consistent
snapshot, compressed), restored by ``pg_restore`` into SQL that ``psql`` runs in one transaction
together with dropping the tables there, so a restore that fails leaves the database as it was.

The tools are looked for in ``EXAMSVC_PG_BIN_DIR`` when set, else on ``PATH`` and in Debian's
``/usr/lib/postgresql/<major>/bin``; the newest whose major version is at least the server's is
used (``pg_dump`` refuses a newer server, ``pg_restore`` an archive from a newer ``pg_dump``). The
connection comes from the database URL, the password by environment, never on a command line.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from examsvc.backup.errors import BackupError

_MAGIC = b"PGDMP"
_VERSION = re.compile(r"\(PostgreSQL\) (\d+)(?:\.(\d+))?")


def _candidates(tool: str) -> list[str]:
    folder = os.environ.get("EXAMSVC_PG_BIN_DIR")
    if folder:
        return [os.path.join(folder, tool)]
    found = [shutil.which(tool) or ""] + sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"))
    return [path for path in dict.fromkeys(found) if path]


def tool_version(path: str) -> int:
    """The major version a PostgreSQL tool reports (``pg_dump --version``)."""
    try:
        shown = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise BackupError(f"{path} does not run: {exc}") from exc
    found = _VERSION.search(shown)
    if not found:
        raise BackupError(f"{path} did not say its version ({shown.strip()!r})")
    return int(found.group(1))


def find_tool(tool: str, server_major: int) -> str:
    """The path of ``tool`` to use with a server of major version ``server_major``. Raises
    :class:`BackupError` naming what to install when there is none, or none new enough."""
    usable = [(tool_version(path), path) for path in _candidates(tool) if os.access(path, os.X_OK)]
    if not usable:
        where = os.environ.get("EXAMSVC_PG_BIN_DIR") or "PATH and /usr/lib/postgresql/*/bin"
        raise BackupError(f"{tool} was not found (looked in {where}); install the PostgreSQL client tools "
                          f"(Debian: apt-get install postgresql-client-{server_major}) or set EXAMSVC_PG_BIN_DIR")
    version, path = max(usable)
    if version < server_major:
        raise BackupError(f"{tool} {version} is older than the database server ({server_major}) and cannot work "
                          f"with it; install postgresql-client-{server_major} or set EXAMSVC_PG_BIN_DIR")
    return path


def server_major(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SHOW server_version_num")).scalar()) // 10000


def _environment(engine: Engine) -> dict[str, str]:
    url = engine.url
    env = dict(os.environ)
    for variable, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                            ("PGPASSWORD", url.password), ("PGDATABASE", url.database),
                            ("PGSSLMODE", url.query.get("sslmode"))):
        if value:
            env[variable] = str(value)
    return env


def _run(command: list[str], engine: Engine, what: str, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, env=_environment(engine), capture_output=True, **kwargs)
    if done.returncode != 0:
        error = done.stderr.decode(errors="replace") if isinstance(done.stderr, bytes) else done.stderr
        raise BackupError(f"{what} failed: {error.strip()[-800:]}")
    return done


def dump(engine: Engine, target: Path) -> None:
    """``pg_dump --format=custom`` of the database into ``target``, then read back its table of contents."""
    major = server_major(engine)
    _run([find_tool("pg_dump", major), "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)],
         engine, "pg_dump")
    _run([find_tool("pg_restore", major), "--list", str(target)], engine, "reading the new backup back")


def check_backup_file(path: Path) -> None:
    """Refuse a file that is not a pg_dump custom-format archive."""
    with path.open("rb") as file:
        head = file.read(16)
    if not head.startswith(_MAGIC):
        kind = "an SQLite database" if head.startswith(b"SQLite format 3") else "not a pg_dump custom-format archive"
        raise BackupError(f"{path} is {kind}; this service's database is PostgreSQL")


#: The functions of the database's own schema (the append-only triggers' among them), each as
#: ``name(argument types)``; those an extension brought are the extension's, not ours.
_OWN_FUNCTIONS = """
SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = current_schema()
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
"""


def load(engine: Engine, path: Path) -> None:
    """Drop the tables and functions of the database's schema and replay the archive, all in one
    transaction. The archive makes both again, with the append-only triggers on their tables; a
    function left behind would stop the replay ("already exists")."""
    major = server_major(engine)
    with engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        functions = connection.execute(text(_OWN_FUNCTIONS)).scalars().all()
    drops = "".join(f'DROP TABLE IF EXISTS "{table}" CASCADE;\n' for table in tables)
    drops += "".join(f"DROP FUNCTION IF EXISTS {function} CASCADE;\n" for function in functions)
    script = _run([find_tool("pg_restore", major), "--no-owner", "--no-privileges", "--file", "-", str(path)],
                  engine, "pg_restore").stdout
    _run([find_tool("psql", major), "--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1",
          "--file", "-"], engine, "replaying the backup", input=drops.encode() + script)
