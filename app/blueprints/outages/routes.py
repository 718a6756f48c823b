from flask import request

from app.blueprints.outages import bp
from app.models.base import utcnow
from app.services import outages
from app.web import render


@bp.get("/hairiot")
def index():
    """The current outages and the last 30 days', at a postal code if one is asked; a plain GET
    form, whose results htmx swaps in place."""
    postal_code = request.args.get("postinumero", "").strip()[:10]
    valid = not postal_code or bool(outages.POSTAL_CODE.fullmatch(postal_code))
    current, recent = outages.public(utcnow(), postal_code if valid else "")
    return render("outages/index.html", "results", postal_code=postal_code, valid=valid,
                  current=current, recent=recent)


@bp.get("/hairiot.atom")
def feed():
    now = utcnow()
    current, recent = outages.public(now)
    entries = sorted(current + recent, key=lambda o: o.updated_at, reverse=True)
    response = render("outages/feed.xml", entries=entries, updated=entries[0].updated_at if entries else now)
    response.mimetype = "application/atom+xml"
    return response
