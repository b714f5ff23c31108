"""Adapters for ``wanjeon.recording.storage.ObjectStore``.

``local`` (a folder, the default), ``s3`` (boto3; S3, MinIO, or any S3 API),
``encrypted`` (AES-256-GCM envelope around either) and ``sweep`` (removing
objects the database no longer references). Import the module you need: ``s3``
pulls in boto3, which a local-only setup does not have to load.
"""
