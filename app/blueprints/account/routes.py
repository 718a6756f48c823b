import json

from flask import flash, g, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from app.blueprints.account import bp
from app.blueprints.account.forms import (
    ConfirmForm,
    EmailChangeForm,
    LanguageForm,
    PasswordChangeForm,
    TwoFactorDisableForm,
    TwoFactorEnableForm,
)
from app.blueprints.auth.routes import count_failed_login
from app.extensions import limiter
from app.forms import show_error
from app.i18n import remember_language
from app.models.base import today
from app.services import DomainError, accounts, personal_data, profile, subscriptions, two_factor
from app.web import is_partial, render


def account_key() -> str:
    return f"account:{current_user.id}"


REAUTH_FAILED = dict(methods=["POST"], key_func=account_key,
                     deduct_when=lambda response: g.get("reauth_failed", False))


def reauthenticated(form, change, *args) -> bool:
    """Make a change that needs the current password; a wrong one is shown next to the field and counted
    here and towards the login limit, so the form is no side door for guessing."""
    try:
        change(current_user, *args)
    except DomainError as error:
        if error.field == "password":
            g.reauth_failed = True
            customer = current_user.customer
            count_failed_login(customer.customer_number, customer.email or "")
        show_error(form, error)
        return False
    return True


@bp.route("/salasanan-vaihto", methods=["GET", "POST"])
@login_required
def password():
    return password_page("base.html")


def password_page(layout: str):
    """Salasanan vaihto, for a customer and, inside the console's `layout`, for a staff member."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        account = current_user._get_current_object()
        try:
            accounts.change_password(account, form.current_password.data, form.new_password.data)
        except DomainError as error:
            show_error(form, error)
        else:
            login_user(account)  # this session carries the new session version
            flash(_("Your password has been changed. You were logged out on your other devices."))
            if is_partial():
                return render("account/password.html", "password_form", form=PasswordChangeForm(formdata=None),
                              layout=layout)
            return redirect(url_for(request.endpoint), 303)
    return render("account/password.html", "password_form", form=form, layout=layout,
                  status=422 if form.errors else 200)


def details_page(template: str = "account/details.html", status: int = 200, email_form=None, **extra):
    customer = current_user.customer
    day = today()
    return render(
        template, "email_section", status=status, customer=customer, email_form=email_form,
        in_force=subscriptions.in_force(subscriptions.subscriptions_of(customer.id), day),
        agreements=[a for a in customer.agreements if a.is_valid_on(day)],
        card=customer.valid_pay_tv_card(day), language_form=LanguageForm(locale=customer.locale),
        agreement_labels=profile.AGREEMENT_LABELS, **extra,
    )


@bp.get("/kayttajatiedot")
@login_required
def details():
    return details_page()


@bp.route("/kayttajatiedot/sahkoposti", methods=["GET", "POST"])
@login_required
@limiter.limit("5 per 15 minutes", **REAUTH_FAILED)
def email():
    """Muokkaa tietoja: in place with htmx, a page of its own without JavaScript."""
    form = EmailChangeForm()
    if form.validate_on_submit() and reauthenticated(
            form, profile.request_email_change, form.email.data, form.password.data):
        flash(_("We sent a confirmation link to %(email)s. Your address changes when you follow the "
                "link; it is valid for 24 hours.", email=current_user.customer.pending_email))
        if is_partial():
            return details_page()
        return redirect(url_for("account.details"), 303)
    return details_page("account/email.html", status=422 if form.errors else 200, email_form=form)


@bp.post("/kayttajatiedot/sahkoposti/peru")
@login_required
def cancel_email():
    profile.cancel_email_change(current_user)
    flash(_("The email change was cancelled. Your address stays as it was."))
    if is_partial():
        return details_page()
    return redirect(url_for("account.details"), 303)


@bp.route("/kayttajatiedot/sahkoposti/vahvista/<token>", methods=["GET", "POST"])
@limiter.limit("20 per 15 minutes", methods=["POST"])
def confirm_email(token: str):
    """The link in the email; following it shows a button, so a mail scanner's GET changes nothing."""
    customer = profile.pending_change(token)
    if customer is None:
        return render("account/email_link_invalid.html", status=404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            customer = profile.confirm_email_change(token)
        except DomainError as error:
            return render("account/email_link_invalid.html", message=error.message, status=409)
        flash(_("Your email address is now %(email)s. You can log in with it.", email=customer.email))
        target = "account.details" if current_user.is_authenticated else "auth.login"
        return redirect(url_for(target), 303)
    return render("account/email_confirm.html", customer=customer, form=form)


@bp.post("/kayttajatiedot/kieli")
@login_required
def language():
    form = LanguageForm()
    response = redirect(url_for("account.details"), 303)
    if form.validate_on_submit():
        try:
            profile.set_language(current_user, form.locale.data)
        except DomainError:
            pass  # the menu offers only real choices; anything else changes nothing
        else:
            flash(_("Your language was saved."))
            remember_language(response, form.locale.data)
    return response


@bp.post("/kayttajatiedot/omat-tiedot")
@login_required
@limiter.limit("10 per hour", key_func=account_key)
def my_data():
    """Lataa omat tietoni: a JSON file, or the same as a readable page."""
    fmt = "html" if request.form.get("format") == "html" else "json"
    data = personal_data.export(current_user.customer_id, fmt)
    if fmt == "html":
        return render("account/my_data.html", data=data, sections=personal_data.SECTIONS)
    response = make_response(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    response.mimetype = "application/json"
    number = current_user.customer.customer_number
    response.headers["Content-Disposition"] = f'attachment; filename="omat-tiedot-{number}.json"'
    return response


@bp.get("/kayttajatiedot/kaksivaiheinen")
@login_required
def two_factor_settings():
    if current_user.totp_enabled:
        return render("account/two_factor.html", disable_form=TwoFactorDisableForm())
    return _setup_page(TwoFactorEnableForm())


def _setup_page(form, status: int = 200):
    secret = two_factor.pending_secret(current_user)
    uri = two_factor.provisioning_uri(current_user, secret)
    return render("account/two_factor.html", enable_form=form, secret=secret,
                  qr=two_factor.qr_svg(uri), status=status)


@bp.post("/kayttajatiedot/kaksivaiheinen/ota-kayttoon")
@login_required
def enable_two_factor():
    form = TwoFactorEnableForm()
    if current_user.totp_enabled or not current_user.totp_secret:
        return redirect(url_for("account.two_factor_settings"), 303)
    if form.validate_on_submit():
        try:
            codes = two_factor.enable(current_user, form.code.data)
        except DomainError as error:
            form.code.errors.append(error.message)
        else:
            flash(_("Two-step login is on. From now on logging in asks for a code after the password."))
            return render("account/recovery_codes.html", codes=codes)
    return _setup_page(form, status=422)


@bp.post("/kayttajatiedot/kaksivaiheinen/poista")
@login_required
@limiter.limit("5 per 15 minutes", **REAUTH_FAILED)
def disable_two_factor():
    form = TwoFactorDisableForm()
    if not current_user.totp_enabled:
        return redirect(url_for("account.two_factor_settings"), 303)
    if form.validate_on_submit() and reauthenticated(form, two_factor.disable, form.password.data, form.code.data):
        flash(_("Two-step login is off."))
        return redirect(url_for("account.two_factor_settings"), 303)
    return render("account/two_factor.html", disable_form=form, status=422)
