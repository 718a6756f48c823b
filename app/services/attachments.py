"""Attachments of conversation messages: which files are taken, where they are kept, who reads them.

A file is taken for what its content is (its first bytes), never for its name or the type the
browser claimed. It is kept outside the web root, in ATTACHMENT_DIR, under a random name: the
uploaded name is only shown and offered as the download's name, so nothing in it (`../`, a
drive, a control character) reaches the file system.
"""
import hashlib
import os
import secrets
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import Attachment, Feedback, FeedbackReply
from app.models.base import utcnow
from app.services import NotFound

MAX_FILES = 3
MAX_BYTES = 5 * 1024 * 1024
# A form with attachments may carry them all and its text; every other form keeps MAX_CONTENT_LENGTH.
REQUEST_LIMIT = MAX_FILES * MAX_BYTES + 1024 * 1024
MAX_NAME_LENGTH = 255
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
              "application/pdf": ".pdf"}
# For the file picker only: what is taken is decided by detected_type().
ACCEPT = ",".join([*EXTENSIONS.values(), ".jpeg", *EXTENSIONS])


@dataclass(frozen=True)
class Upload:
    """A file as sent: its name, and its content up to one byte more than is taken."""

    name: str
    data: bytes


def upload(name: str | None, stream) -> Upload:
    """Read no more of a sent file than it takes to know it is too large."""
    return Upload(name or "", stream.read(MAX_BYTES + 1))


def detected_type(data: bytes) -> str | None:
    """The type the content is, by its signature; None for anything not taken."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def display_name(name: str, content_type: str | None = None) -> str:
    """The uploaded name as shown: its last part only, without control characters or leading dots,
    at most MAX_NAME_LENGTH characters with its extension kept; "file.pdf" when nothing is left. A
    stored file's name ends in its type's extension ("kuva.exe" of a PNG is "kuva.exe.png"), so a
    download opens as what it is."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().lstrip(".").strip()
    if name and content_type in EXTENSIONS and os.path.splitext(name)[1].lower() not in _extensions(content_type):
        name += EXTENSIONS[content_type]
    if len(name) > MAX_NAME_LENGTH:
        stem, extension = os.path.splitext(name)
        extension = extension[:20]
        name = stem[:MAX_NAME_LENGTH - len(extension)] + extension
    return name or "file" + EXTENSIONS.get(content_type or "", "")


def _extensions(content_type: str) -> tuple[str, ...]:
    return (".jpg", ".jpeg") if content_type == "image/jpeg" else (EXTENSIONS[content_type],)


def problem(uploads: list[Upload]) -> str | None:
    """Why these files cannot be attached, every reason at once; None if they can."""
    problems = []
    if len(uploads) > MAX_FILES:
        problems.append(_l("You can attach at most %(n)d files.", n=MAX_FILES))
    for sent in uploads:
        name = display_name(sent.name)
        if not sent.data:
            problems.append(_l("%(name)s is empty.", name=name))
        elif len(sent.data) > MAX_BYTES:
            problems.append(_l("%(name)s is larger than %(n)d MB.", name=name, n=MAX_BYTES // (1024 * 1024)))
        elif detected_type(sent.data) is None:
            problems.append(_l("%(name)s is not a picture (PNG, JPEG, GIF or WebP) or a PDF file.", name=name))
    return " ".join(str(p) for p in problems) or None


def _folder() -> Path:
    return Path(current_app.config["ATTACHMENT_DIR"])


@contextmanager
def stored(feedback: Feedback, reply: FeedbackReply | None, uploads: list[Upload]) -> Iterator[list[Attachment]]:
    """Write the files (checked with problem() before) and add their rows to the message, given to the
    block; if the block (the caller's commit) fails, the files written go again, so a refusal leaves nothing."""
    written, rows = [], []
    try:
        if uploads:
            _folder().mkdir(parents=True, exist_ok=True)
        for sent in uploads:
            row = _write(feedback, reply, sent)
            written.append(path_of(row))
            rows.append(row)
        yield rows
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def _write(feedback: Feedback, reply: FeedbackReply | None, sent: Upload) -> Attachment:
    content_type = detected_type(sent.data)
    stored_name = secrets.token_hex(16)
    path = _folder() / stored_name
    # Exclusive: a random name that exists already is a failure, never an overwrite.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(sent.data)
    except BaseException:  # half a file (a full disk) is no file
        path.unlink(missing_ok=True)
        raise
    attachment = Attachment(
        reply=reply, name=display_name(sent.name, content_type), content_type=content_type, size=len(sent.data),
        sha256=hashlib.sha256(sent.data).hexdigest(), stored_name=stored_name, created_at=utcnow())
    feedback.attachments.append(attachment)
    return attachment


def of_customer(customer_id: int, reference: str, attachment_id: int) -> Attachment:
    """An attachment of the customer's own conversation; NotFound for anyone else's."""
    return _found(select(Attachment).join(Feedback).where(
        Attachment.id == attachment_id, Feedback.reference == reference, Feedback.customer_id == customer_id))


def of_feedback(feedback_id: int, attachment_id: int) -> Attachment:
    """An attachment of the conversation, for the staff."""
    return _found(select(Attachment).where(Attachment.id == attachment_id, Attachment.feedback_id == feedback_id))


def _found(statement) -> Attachment:
    attachment = db.session.scalar(statement)
    if attachment is None or not path_of(attachment).is_file():
        raise NotFound("attachment")
    return attachment


def path_of(attachment: Attachment) -> Path:
    return _folder() / attachment.stored_name
