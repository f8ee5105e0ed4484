"""Roster files kept in the database between preview and confirmation, and erased after."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata

from flask_babel import gettext as _
from sqlalchemy import delete
from sqlalchemy.orm import Session

from lms_module.core.errors import LMSError
from lms_module.db import utcnow
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import User
from lms_module.roster.models import RosterKind, RosterUpload, UploadStatus

#: Uploads never confirmed are erased after this long (they hold children's names).
PENDING_UPLOAD_LIFETIME = dt.timedelta(hours=24)


class NoSuchUploadError(LMSError):
    """An upload that does not exist, is not the user's, or was already used."""

    status_code = 404


def store_upload(
    session: Session, *, uploader: User, unit: OrgUnit, kind: RosterKind, filename: str,
    data: bytes,
) -> RosterUpload:
    """Keep an uploaded file until it is confirmed (several workers: no memory state)."""
    purge_stale_uploads(session, now=utcnow())
    upload = RosterUpload(
        uploader_id=uploader.id,
        org_unit_id=unit.id,
        kind=kind,
        filename=safe_filename(filename),
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        status=UploadStatus.PENDING,
    )
    session.add(upload)
    session.flush()
    return upload


def safe_filename(filename: str) -> str:
    """Return the file's base name, printable and at most 255 characters."""
    base = re.split(r"[\\/]", filename or "")[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base)
                   if unicodedata.category(c)[0] != "C")
    return base[-255:] or "roster"


def pending_upload(session: Session, upload_id: int, unit: OrgUnit, uploader: User) -> RosterUpload:
    """Return the user's upload waiting for confirmation at ``unit``, or raise 404."""
    upload = session.get(RosterUpload, upload_id)
    if (
        upload is None
        or upload.org_unit_id != unit.id
        or upload.uploader_id != uploader.id
        or upload.status is not UploadStatus.PENDING
    ):
        raise NoSuchUploadError(
            _("Không tìm thấy tệp đang chờ xác nhận (có thể đã nhập hoặc đã hủy). Hãy tải tệp "
              "lên lại.")
        )
    return upload


def close_upload(upload: RosterUpload, status: UploadStatus) -> None:
    """Mark an upload imported or cancelled and erase its bytes (children's personal data)."""
    upload.status = status
    upload.content = b""


def purge_stale_uploads(session: Session, *, now: dt.datetime) -> int:
    """Delete uploads left unconfirmed for longer than :data:`PENDING_UPLOAD_LIFETIME`."""
    result = session.execute(
        delete(RosterUpload).where(
            RosterUpload.status == UploadStatus.PENDING,
            RosterUpload.created_at < now - PENDING_UPLOAD_LIFETIME,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
