"""One filesystem abstraction for the lake and the archive: a local folder or ``s3://bucket/prefix``.

pyarrow's filesystems list, read and write both, so the same code runs on a laptop and on S3 (or any
S3-compatible store, e.g. MinIO, through ``PIZZA_PIPELINES_S3_ENDPOINT_URL``). Spark gets the same location as an
``s3a://`` URI (it needs ``hadoop-aws`` on the cluster's classpath).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow.fs as pafs

from pipelines.settings import PipelineSettings


@dataclass(frozen=True)
class Location:
    """A root URL resolved to a pyarrow filesystem and the root path inside it."""

    url: str
    fs: pafs.FileSystem
    root: str

    def path(self, *parts: str) -> str:
        return "/".join([self.root.rstrip("/"), *(p.strip("/") for p in parts if p)])

    def uri(self, *parts: str) -> str:
        """The URI of a sub-path as other engines spell it (local path, or ``s3://``)."""
        inner = self.path(*parts)
        return f"s3://{inner}" if self.is_s3 else inner

    def spark_uri(self, *parts: str) -> str:
        inner = self.path(*parts)
        return f"s3a://{inner}" if self.is_s3 else inner

    def spark_path(self, fs_path: str) -> str:
        """A path returned by this filesystem (e.g. from a listing) as Spark spells it."""
        return f"s3a://{fs_path}" if self.is_s3 else fs_path

    @property
    def is_s3(self) -> bool:
        return self.url.startswith("s3://")

    def exists(self, *parts: str) -> bool:
        return bool(self.fs.get_file_info(self.path(*parts)).type != pafs.FileType.NotFound)

    def list_dirs(self, *parts: str) -> list[str]:
        """Names of the direct sub-folders (empty if the folder does not exist)."""
        selector = pafs.FileSelector(self.path(*parts), allow_not_found=True, recursive=False)
        return sorted(i.base_name for i in self.fs.get_file_info(selector) if i.type == pafs.FileType.Directory)

    def list_files(self, *parts: str, suffix: str = ".parquet") -> list[pafs.FileInfo]:
        selector = pafs.FileSelector(self.path(*parts), allow_not_found=True, recursive=True)
        infos = self.fs.get_file_info(selector)
        return sorted(
            (i for i in infos if i.type == pafs.FileType.File and i.base_name.endswith(suffix)), key=lambda i: i.path
        )

    def delete_dir(self, *parts: str) -> None:
        if self.exists(*parts):
            self.fs.delete_dir(self.path(*parts))


def s3_filesystem(settings: PipelineSettings) -> pafs.S3FileSystem:
    """Credentials come from the standard AWS chain (env, profile, instance role)."""
    endpoint = settings.s3_endpoint_url
    if endpoint is None:
        return pafs.S3FileSystem(region=settings.s3_region)
    scheme, _, host = endpoint.partition("://")
    return pafs.S3FileSystem(
        region=settings.s3_region, endpoint_override=host or scheme, scheme=scheme if host else "https"
    )


def location(url: str, settings: PipelineSettings) -> Location:
    if url.startswith("s3://"):
        return Location(url=url, fs=s3_filesystem(settings), root=url.removeprefix("s3://").rstrip("/"))
    if "://" in url and not url.startswith("file://"):
        raise ValueError(f"unsupported location {url!r}: use a local folder or s3://bucket/prefix")
    root = Path(url.removeprefix("file://")).resolve()
    return Location(url=url, fs=pafs.LocalFileSystem(), root=str(root))
