"""Where finished research bundles are kept: a local folder, or an S3-compatible bucket.

A worker builds a bundle in a local working folder, then :meth:`BundleStore.put`
hands it to the store; a web process, possibly on another machine, reads it back
with :meth:`BundleStore.chunks`. The embedded default is :class:`LocalStore`
(``<instance>/exports``), which only works while web and workers share a folder.
With ``FLIPSIDE_EXPORT_BUCKET`` set, :class:`S3Store` keeps bundles in that bucket
(``FLIPSIDE_S3_ENDPOINT_URL`` for a store other than AWS; credentials and region
from boto3's usual variables, ``AWS_ACCESS_KEY_ID`` and so on), so no process
needs another's files (PRODUCT.md §3).

Downloads are streamed through the web process rather than handed out as
pre-signed URLs: the app keeps deciding who may download, audits every download,
and a single-use link stays single-use (a pre-signed URL could be replayed until
it expires). boto3 is imported only when a bucket is used, so start-up stays light.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

__all__ = ["BundleStore", "LocalStore", "S3Store", "bundle_store", "copy_out"]

#: Bytes per chunk of a streamed download.
CHUNK = 1 << 20


class BundleStore(Protocol):
    """Finished bundles by name (``export-<id>-<random>.zip``)."""

    @property
    def workdir(self) -> Path:
        """The local folder a build writes into before :meth:`put`."""
        ...

    def put(self, name: str) -> None:
        """Keep ``workdir / name`` as ``name`` (the local file may be moved away)."""
        ...

    def exists(self, name: str) -> bool: ...

    def size(self, name: str) -> int: ...

    def chunks(self, name: str) -> Iterator[bytes]:
        """The bundle's bytes, in pieces of at most :data:`CHUNK`."""
        ...

    def delete(self, name: str) -> None:
        """Forget ``name``; nothing happens when it is already gone."""
        ...


@dataclass(frozen=True)
class LocalStore:
    """Bundles in one local folder (the embedded default)."""

    folder: Path

    @property
    def workdir(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder

    def put(self, name: str) -> None:
        if not (self.folder / name).is_file():
            raise FileNotFoundError(name)

    def exists(self, name: str) -> bool:
        return bool(name) and (self.folder / name).is_file()

    def size(self, name: str) -> int:
        return (self.folder / name).stat().st_size

    def chunks(self, name: str) -> Iterator[bytes]:
        with open(self.folder / name, "rb") as stream:
            while piece := stream.read(CHUNK):
                yield piece

    def delete(self, name: str) -> None:
        if name:
            (self.folder / name).unlink(missing_ok=True)


class S3Store:
    """Bundles as objects of one bucket of an S3-compatible store."""

    def __init__(self, bucket: str, *, endpoint_url: str | None, workdir: Path) -> None:
        self.bucket, self.endpoint_url, self._workdir = bucket, endpoint_url, workdir
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3  # heavy: imported when a bucket is first used

            self._client = boto3.client("s3", endpoint_url=self.endpoint_url)
        return self._client

    @property
    def workdir(self) -> Path:
        self._workdir.mkdir(parents=True, exist_ok=True)
        return self._workdir

    def put(self, name: str) -> None:
        local = self._workdir / name
        self.client.upload_file(str(local), self.bucket, name)
        local.unlink()

    def _head(self, name: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        if not name:
            return None
        try:
            head: dict[str, Any] = self.client.head_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise
        return head

    def exists(self, name: str) -> bool:
        return self._head(name) is not None

    def size(self, name: str) -> int:
        head = self._head(name)
        if head is None:
            raise FileNotFoundError(name)
        return int(head["ContentLength"])

    def chunks(self, name: str) -> Iterator[bytes]:
        body = self.client.get_object(Bucket=self.bucket, Key=name)["Body"]
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()

    def delete(self, name: str) -> None:
        if name:
            self.client.delete_object(Bucket=self.bucket, Key=name)


@lru_cache(maxsize=8)
def bundle_store(
    instance_path: Path, bucket: str | None = None, endpoint_url: str | None = None
) -> BundleStore:
    """The configured store: the bucket when one is set, else ``<instance>/exports``."""
    if bucket:
        return S3Store(bucket, endpoint_url=endpoint_url, workdir=instance_path / "exports-work")
    return LocalStore(instance_path / "exports")


def copy_out(store: BundleStore, name: str, target: Path) -> Path:
    """Write a stored bundle to ``target`` (the CLI's ``--output``); returns ``target``."""
    with open(target, "wb") as out:
        for piece in store.chunks(name):
            out.write(piece)
    return target
