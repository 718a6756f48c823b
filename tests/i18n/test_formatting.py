"""Money, numbers and dates in the reader's language, through Babel."""
from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale

from app import i18n

NBSP = "\xa0"


@pytest.mark.parametrize(("lang", "money", "monthly"), [
    ("fi", "12,90 €", "12,90 €/kk"),
    ("sv", "12,90 €", "12,90 €/mån"),
    ("en", "12,90 €", "12,90 €/month"),
])
def test_money(app, lang, money, monthly):
    with app.test_request_context(), force_locale(lang):
        # A no-break space keeps the amount and the euro sign on one line.
        assert i18n.money(1290) == money.replace(" ", NBSP)
        assert i18n.monthly(1290) == monthly.replace(" ", NBSP)


# As written in Finland in every language: not Sweden's ISO form, nor English's 11/24/26.
@pytest.mark.parametrize(("lang", "expected"), [("fi", "24.11.2026"), ("sv", "24.11.2026"), ("en", "24.11.2026")])
def test_day(app, lang, expected):
    with app.test_request_context(), force_locale(lang):
        assert i18n.day(date(2026, 11, 24)) == expected
        assert i18n.day(None) == ""


@pytest.mark.parametrize(("lang", "moment", "clock"), [
    ("fi", "24.11.2026 0.30", "0.30"), ("sv", "24.11.2026 kl. 00.30", "00.30"), ("en", "24.11.2026, 00:30", "00:30"),
])
def test_times_are_on_the_24_hour_clock_and_never_us_short_dates(app, lang, moment, clock):
    late_evening_utc = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # 00:30 on the 24th in Helsinki
    with app.test_request_context(), force_locale(lang):
        assert i18n.moment(late_evening_utc) == moment
        assert i18n.clock(late_evening_utc) == clock


def test_a_timestamp_is_shown_on_the_operators_calendar_day(app):
    late_evening_utc = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # 00:30 on the 24th in Helsinki
    with app.test_request_context(), force_locale("fi"):
        assert i18n.day(late_evening_utc) == "24.11.2026"


@pytest.mark.parametrize(("lang", "vat", "big"), [("fi", "25,5", "1 234 567,5"), ("sv", "25,5", "1 234 567,5"),
                                                 ("en", "25,5", "1 234 567,5")])
def test_number(app, lang, vat, big):
    with app.test_request_context(), force_locale(lang):
        assert i18n.number(25.5) == vat
        assert i18n.number(1234567.5) == big.replace(" ", NBSP)


def test_filters_are_available_to_templates(app):
    with app.test_request_context(), force_locale("sv"):
        template = app.jinja_env.from_string("{{ 1290|money }} {{ 1290|monthly }} {{ 25.5|number }} {{ d|day }}")
        assert template.render(d=date(2026, 11, 24)) == f"12,90{NBSP}€ 12,90{NBSP}€/mån 25,5 24.11.2026"


@pytest.mark.parametrize(("lang", "expected"), [("fi", "sis. alv 25,5 %"), ("sv", "inklusive moms 25,5 %"),
                                                ("en", "including VAT 25,5 %")])
def test_the_vat_rate_is_written_each_languages_way(app, lang, expected):
    class Product:
        vat_basis_points = 2550
    with app.test_request_context(), force_locale(lang):
        template = app.jinja_env.from_string('{% from "orders/_product.html" import vat %}{{ vat(p) }}')
        assert template.render(p=Product()) == expected


def test_the_request_catalog_follows_a_language_forced_for_a_moment(app):
    """Strings are looked up in a catalog kept for the request: an email rendered in its recipient's
    language in the middle of a Finnish page is in that language, and the page goes on in Finnish."""
    with app.test_request_context(headers={"Accept-Language": "fi"}):
        render = app.jinja_env.from_string("{{ _('Log out') }} · {{ ngettext('%(num)d key added.', "
                                           "'%(num)d keys added.', 2) }}").render
        finnish = (i18n.gettext("Log out"), render())
        with force_locale("sv"):
            assert (i18n.gettext("Log out"), render()) == ("Logga ut", "Logga ut · 2 nycklar har lagts till.")
            assert str(i18n.lazy_gettext("Log out")) == "Logga ut"
        assert (i18n.gettext("Log out"), render()) == finnish
        assert finnish == ("Kirjaudu ulos", "Kirjaudu ulos · 2 avainta lisätty.")


def test_a_templates_strings_escape_their_values_and_keep_their_own_markup(app):
    """A translated string in a template is the template's own text (a per cent sign is written
    `%%`, with or without values); a value put into it is escaped, in the singular and the plural."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        render = app.jinja_env.from_string(
            "{{ _('Welcome, %(name)s', name=name) }} | {{ ngettext('%(num)d key added.', '%(num)d keys added.', "
            "1) }} | {{ _('every page and every state of a page (forms with errors, content updated in place, "
            "the staff console) is audited automatically in a real browser with two checkers, axe-core and IBM Equal "
            "Access Accessibility Checker, at the width of a computer screen (1280 px), of a phone (412 px) and at "
            "320 px, which is what a 1280 px screen shows when zoomed to 400 %%; the audit also checks that no page "
            "has to be scrolled sideways and that no identifier repeats on a page;') }}").render
        welcome, added, audited = render(name="<b>Aino</b>").split(" | ")
    assert (welcome, added) == ("Welcome, &lt;b&gt;Aino&lt;/b&gt;", "1 key added.")
    assert "zoomed to 400 %;" in audited
