"""A backup's manifest: `<backup>.dump.json` beside the dump, with every table's row count at dump time.

The rows are counted in the very snapshot pg_dump reads, so a desk writing meanwhile cannot make the counts and the
dump disagree. The off-site copy checks what it loaded against these counts; the SHA-256 ties the manifest to its
dump (a dump replaced by another file of the same name is not trusted with an old manifest). Table names and counts
only: no patient data.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL

from homa_desk.db import backup as dumps

FORMAT = 1
Progress = dumps.Progress


@dataclass(frozen=True)
class Manifest:
    made_at: datetime
    size: int
    sha256: str
    schema_revision: str | None
    counts: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def manifest_path(dump: Path) -> Path:
    return dump.with_name(dump.name + ".json")


def dump_with_manifest(url: URL, destination: Path, made_at: datetime, *,
                       progress: Progress | None = None) -> Manifest:
    """Dump and count in one snapshot, then write the manifest beside the dump."""
    with dumps.exported_snapshot(url) as (conn, snapshot):
        counts = dumps.row_counts(conn)
        size = dumps.dump(url, destination, snapshot=snapshot, progress=progress)
    manifest = Manifest(made_at, size, file_digest(destination), dumps.schema_revision(destination), counts)
    write(destination, manifest)
    return manifest


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write(dump: Path, manifest: Manifest) -> None:
    data = {**asdict(manifest), "made_at": manifest.made_at.isoformat(), "format": FORMAT}
    target = manifest_path(dump)
    temp = target.with_name(f".{target.name}.part")
    temp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(temp, target)


def read(dump: Path) -> Manifest | None:
    """The dump's manifest when it exists, is readable and still matches the dump's bytes; None otherwise."""
    try:
        data = json.loads(manifest_path(dump).read_text(encoding="utf-8"))
        manifest = Manifest(datetime.fromisoformat(data["made_at"]), int(data["size"]), str(data["sha256"]),
                            data.get("schema_revision"), {str(k): int(v) for k, v in data["counts"].items()})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    try:
        if dump.stat().st_size != manifest.size or file_digest(dump) != manifest.sha256:
            return None
    except OSError:
        return None
    return manifest
