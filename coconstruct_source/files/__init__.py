"""Attachment files: downloaded through signed URLs into a file store (a local folder or
any fsspec URL), verified by SHA-256, recorded in the `attachment_files` table; and the
staged upload for writes."""

from coconstruct_source.files.resource import FilesConfig, attachment_files
from coconstruct_source.files.store import FileStore
from coconstruct_source.files.upload import upload_attachment

__all__ = ["FileStore", "FilesConfig", "attachment_files", "upload_attachment"]
