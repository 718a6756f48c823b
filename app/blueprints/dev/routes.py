from email import policy
from email.parser import BytesParser
from pathlib import Path

from flask import abort, current_app

from app.blueprints.dev import bp
from app.web import render


def _mail_dir() -> Path:
    return Path(current_app.config["MAIL_DIR"])


def _read(path: Path):
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


@bp.get("/posti")
def mail_index():
    paths = sorted(_mail_dir().glob("*.eml"), reverse=True) if _mail_dir().exists() else []
    return render("dev/mail_index.html", mails=[(p.stem, _read(p)) for p in paths[:100]])


@bp.get("/posti/<name>")
def mail_show(name: str):
    if not name.isdigit():
        abort(404)
    path = _mail_dir() / f"{name}.eml"
    if not path.exists():
        abort(404)
    mail = _read(path)
    return render("dev/mail_show.html", name=name, mail=mail, body=mail.get_body().get_content())
