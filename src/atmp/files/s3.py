"""Blobs in S3-compatible object storage (AWS S3, MinIO, Ceph…), configured from the environment.

    ATMP_FILES_BACKEND=s3
    ATMP_S3_BUCKET=atmp-files            (required)
    ATMP_S3_ENDPOINT_URL=https://…       (for storage other than AWS)
    ATMP_S3_REGION=eu-west-1
    ATMP_S3_ACCESS_KEY_ID / ATMP_S3_SECRET_ACCESS_KEY   (else boto3's usual credential chain)
    ATMP_S3_PREFIX=atmp/                 (a key prefix inside the bucket, default none)

An object is written once: its existence is checked first, and the write itself is conditional
(If-None-Match: *), so a concurrent upload of the same content cannot replace it. atmp never
deletes an object; give its credentials no s3:DeleteObject (docs/files.md).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any, cast

from atmp import config
from atmp.files.storage import FILES_DIR, S3, STAGING_DIR, BlobMissing, Staged, blob_name

ALREADY_THERE = {"PreconditionFailed", "412", "ConditionalRequestConflict", "409"}
ABSENT = {"404", "NoSuchKey", "NotFound"}


class S3Backend:
    """Blobs as objects <prefix><aa>/<bb>/<sha256> of one bucket."""

    name = S3

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    @classmethod
    def from_environment(cls) -> S3Backend:
        """Return the backend the ATMP_S3_* settings describe."""
        bucket = os.environ.get("ATMP_S3_BUCKET", "").strip()
        if not bucket:
            raise config.ConfigError("ATMP_S3_BUCKET: the s3 files backend needs a bucket name")
        try:
            import boto3
        except ImportError:
            raise config.ConfigError("ATMP_FILES_BACKEND=s3 needs boto3: pip install 'atmp[s3]'") from None
        client = boto3.client(
            "s3",
            endpoint_url=os.environ.get("ATMP_S3_ENDPOINT_URL") or None,
            region_name=os.environ.get("ATMP_S3_REGION") or None,
            aws_access_key_id=os.environ.get("ATMP_S3_ACCESS_KEY_ID") or None,
            aws_secret_access_key=os.environ.get("ATMP_S3_SECRET_ACCESS_KEY") or None,
        )
        return cls(client, bucket, os.environ.get("ATMP_S3_PREFIX", ""))

    def key(self, sha256: str) -> str:
        """Return the object key of a blob."""
        return self.prefix + blob_name(sha256)

    def staging_dir(self) -> Path:
        """Return the local folder uploads are received into before they are sent."""
        return config.home() / FILES_DIR / STAGING_DIR

    def put(self, staged: Staged) -> bool:
        """Upload the staged file unless the object exists; never replace one."""
        from botocore.exceptions import ClientError

        try:
            if self.exists(staged.sha256):
                return False
            with staged.path.open("rb") as body:
                try:
                    self.client.put_object(
                        Bucket=self.bucket,
                        Key=self.key(staged.sha256),
                        Body=body,
                        ContentLength=staged.size,
                        ContentType="application/octet-stream",
                        IfNoneMatch="*",
                    )
                except ClientError as exc:
                    if _code(exc) in ALREADY_THERE:
                        return False  # stored meanwhile by another upload of the same content
                    raise
            return True
        finally:
            staged.path.unlink(missing_ok=True)

    def exists(self, sha256: str) -> bool:
        """Return True when the object exists."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if _code(exc) in ABSENT:
                return False
            raise
        return True

    def open(self, sha256: str) -> IO[bytes]:
        """Return the object's body as a stream."""
        from botocore.exceptions import ClientError

        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if _code(exc) in ABSENT:
                raise BlobMissing(sha256) from None
            raise
        return cast(IO[bytes], found["Body"])


def _code(exc: Any) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
