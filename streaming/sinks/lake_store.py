"""The lake's file system: a local folder or object storage (``s3://``, ``gs://``) through ``pyarrow.fs``.

A written file is complete or absent, never half there: locally it is written under a hidden temporary
name, fsynced and renamed; on object storage a single upload becomes visible only when it completes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from pizza.contracts.lake import raw_table_dir


@dataclass(frozen=True, slots=True, order=True)
class RawFile:
    """A raw CDC file, known from its name: ``<topic>+<partition>+<first>+<last>.parquet``."""

    last_offset: int
    first_offset: int
    topic: str
    partition: int
    path: str


def parse_raw_file_name(path: str) -> RawFile | None:
    name = path.rsplit("/", 1)[-1]
    if name.startswith((".", "_")) or not name.endswith(".parquet"):
        return None
    parts = name[: -len(".parquet")].split("+")
    if len(parts) != 4 or not all(p.isdigit() for p in parts[1:]):
        return None
    topic, partition, first, last = parts
    return RawFile(int(last), int(first), topic, int(partition), path)


class LakeStore:
    def __init__(self, url: str) -> None:
        if "://" in url:
            self.fs, self.root = pafs.FileSystem.from_uri(url)
        else:
            self.fs, self.root = pafs.LocalFileSystem(), str(Path(url).resolve())
        self.local = isinstance(self.fs, pafs.LocalFileSystem)

    def table_dir(self, table: str) -> str:
        return raw_table_dir(self.root, table)

    def write(self, path: str, data: pa.Table, compression: str = "zstd") -> None:
        """Write one Parquet file atomically (replacing a file of the same name)."""
        if self.local:
            self._write_local(Path(path), data, compression)
        else:
            with self.fs.open_output_stream(path) as out:
                pq.write_table(data, out, compression=compression)

    @staticmethod
    def _write_local(path: Path, data: pa.Table, compression: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # hidden: readers skip dot files
        with open(tmp, "wb") as out:
            pq.write_table(data, out, compression=compression)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # make the rename itself durable
        finally:
            os.close(dir_fd)

    def raw_files(self, table: str, topic: str, partition: int) -> list[RawFile]:
        """Every complete raw file of one topic partition (hidden temporary files are not listed)."""
        selector = pafs.FileSelector(self.table_dir(table), recursive=True, allow_not_found=True)
        files = []
        for info in self.fs.get_file_info(selector):
            if info.type != pafs.FileType.File:
                continue
            raw = parse_raw_file_name(info.path)
            if raw is not None and raw.topic == topic and raw.partition == partition:
                files.append(raw)
        return sorted(files)

    def remove_stale_temp_files(self, table: str, topic: str, partition: int) -> int:
        """Temporary files a crash left mid-write for one topic partition (local only; S3 has none).

        Only the partition's own files: another process may be writing other partitions of the table.
        """
        if not self.local:
            return 0
        removed = 0
        for tmp in Path(self.table_dir(table)).rglob(f".{topic}+{partition}+*.tmp"):
            tmp.unlink(missing_ok=True)
            removed += 1
        return removed
