from flask import url_for
from flask_login import current_user, login_required

from app.blueprints.mix import bp
from app.blueprints.mix.forms import ChannelToggleForm
from app.models.base import today
from app.services import mix
from app.web import done, render


def _page_data(form: ChannelToggleForm | None = None) -> dict:
    """What the page and its htmx answers show: the picker, and where a bigger MIX is found
    (the upgrade flow, the MIX tiers under Tilaa, or customer service when the customer cannot order)."""
    view = mix.picker(current_user.customer, today())
    upgrade_url = catalog_url = None
    if view.may_order:
        catalog_url = url_for("orders.catalog", ryhma="mix")
        if view.bigger_exists:
            upgrade_url = (url_for("orders.upgrade", subscription_id=view.subscription.id) if view.subscription
                           else catalog_url)
    return {"view": view, "form": form or ChannelToggleForm(formdata=None), "upgrade_url": upgrade_url,
            "catalog_url": catalog_url, "support_url": url_for("support.index")}


@bp.get("/mix")
@login_required
def edit():
    return render("mix/edit.html", "picker", **_page_data())


@bp.post("/mix/<int:subscription_id>/kanavat/<int:channel_id>")
@login_required
def toggle(subscription_id: int, channel_id: int):
    """The toggled row and counter for htmx (the whole picker when the limit flips), else the page."""
    form = ChannelToggleForm()
    if form.validate_on_submit():
        change = mix.toggle_channel(current_user.customer_id, subscription_id, channel_id,
                                    form.chosen.data == "1", today())
        # The row and the counter are drawn from the change itself; the whole picker is read
        # again only when the limit is reached or left.
        context = {"view": change.view()} if change.full == change.was_full else _page_data()
        return done(change.message, url_for("mix.edit", _anchor=f"valinta-{channel_id}"), "mix/edit.html",
                    "toggled", kind="success" if change.changed else "info", change=change, **context)
    return render("mix/edit.html", "toggled", change=None, **_page_data(form))
