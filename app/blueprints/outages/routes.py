from flask import request

from app.blueprints.outages import bp
from app.models.base import utcnow
from app.services import outages
from app.validators import POSTAL_CODE
from app.web import int_arg, render


@bp.get("/hairiot")
def index():
    """The current outages and the last 30 days', at a postal code if one is asked, a page at a
    time; a plain GET form, whose results htmx swaps in place."""
    postal_code = request.args.get("postinumero", "").strip()[:10]
    valid = not postal_code or bool(POSTAL_CODE.fullmatch(postal_code))
    found = outages.public_page(utcnow(), postal_code if valid else "", int_arg("sivu", 1))
    return render("outages/index.html", "results", postal_code=postal_code, valid=valid, found=found)


@bp.get("/hairiot/<int:outage_id>")
def show(outage_id: int):
    return render("outages/show.html", outage=outages.public_outage(outage_id, utcnow()))


@bp.get("/hairiot.atom")
def feed():
    now = utcnow()
    entries = outages.public_feed(now)
    response = render("outages/feed.xml", entries=entries, updated=entries[0].updated_at if entries else now)
    response.mimetype = "application/atom+xml"
    return response
