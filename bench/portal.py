"""What the page and server benchmarks share: the deployed portal seen from inside as well.

`Portal` opens the deployment's database in-process (same database, same secret key),
adds what the demo lacks for some pages to exist (a message to customer service, an
announcement), logs in over HTTP as the demo customer and the demo staff, and lists every
page of the portal from its own URL map, so a page added later is measured too.
"""
import gzip
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser

import brotli
from sqlalchemy import event, select

from app import create_app, kept
from app.extensions import db
from app.models import Announcement, Channel, Customer, Feedback, Order, Outage, Product, Subscription
from app.models.base import utcnow
from app.services import announcements, outages, support
from app.services.two_factor import TOTP
from bench.harness import CUSTOMER, STAFF, Browser, Deployment, logged_in

# What a browser asks for; Flask-Compress answers brotli.
COMPRESSED = {"Accept-Encoding": "br, gzip"}
PLAIN = {"Accept-Encoding": "identity"}
HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}


@dataclass
class Page:
    side: str  # public, customer or console
    path: str


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes  # as it came over the wire

    @property
    def text(self) -> str:
        decode = {"br": brotli.decompress, "gzip": gzip.decompress}.get(self.headers.get("Content-Encoding"), bytes)
        return decode(self.body).decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def fetch(url: str, cookie: str = "", data: dict | None = None, headers: dict | None = None) -> Response:
    """One request as sent: no redirect followed, the body as it came over the wire."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={**COMPRESSED, **(headers or {})})
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        with OPENER.open(request, timeout=60) as response:
            return Response(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, dict(error.headers), error.read())


@dataclass
class Submission:
    action: str
    fields: dict


@dataclass
class Forms(HTMLParser):
    """What a page offers: each form as its submit buttons would send it, and its hx-get/hx-post URLs."""

    html: str
    submissions: list = field(default_factory=list)
    hx: dict = field(default_factory=lambda: {"hx-get": [], "hx-post": []})

    def __post_init__(self):
        super().__init__()
        self.form = self.text = self.select = None
        self.feed(self.html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, urls in self.hx.items():
            if attrs.get(name):
                urls.append(attrs[name])
        if tag == "form":
            self.form = {"action": attrs.get("action", ""), "fields": {}, "buttons": []}
        if self.form is None:
            return
        fields, name, value = self.form["fields"], attrs.get("name"), attrs.get("value", "")
        kind = attrs.get("type", "")
        if tag == "option" and self.select:  # the first option, unless another is selected
            if self.select not in fields or "selected" in attrs:
                fields[self.select] = value
        elif not name:
            return
        elif tag == "button" or kind == "submit":
            self.form["buttons"].append((name, value, attrs.get("formaction")))
        elif tag == "select":
            self.select = name
        elif tag == "textarea":
            self.text = name
            fields[name] = ""
        elif kind == "radio":
            fields.setdefault(name, value)
        elif kind != "checkbox" or "checked" in attrs:
            fields[name] = value

    def handle_data(self, data):
        if self.form and self.text:
            self.form["fields"][self.text] += data

    def handle_endtag(self, tag):
        self.text = None if tag == "textarea" else self.text
        self.select = None if tag == "select" else self.select
        if tag == "form" and self.form:
            form, self.form = self.form, None
            for name, value, formaction in form["buttons"] or [(None, None, None)]:
                extra = {name: value} if name else {}
                self.submissions.append(Submission(formaction or form["action"], {**form["fields"], **extra}))


def staff_logged_in(url: str) -> Browser:
    """The console's login: password, then the code of the demo authenticator."""
    login, password, secret = STAFF
    browser = Browser(url)
    browser.post("/hallinta/kirjaudu", {"login": login, "password": password})
    browser.post("/kirjaudu/vahvistus", {"code": TOTP(secret).now()})
    return browser


class Portal:
    def __init__(self, deployment: Deployment):
        self.url = deployment.url
        self.app = create_app("production", {
            "SQLALCHEMY_DATABASE_URI": deployment.database_url,
            "SECRET_KEY": deployment.env["SECRET_KEY"],
            "SESSION_COOKIE_SECURE": False,
        })
        with self.app.app_context():
            add_examples()
            self.arguments = example_arguments()
        customer, staff = logged_in(self.url, *CUSTOMER), staff_logged_in(self.url)
        # After a page with a form, the cookie carries the CSRF secret, so tokens from any page fit it.
        customer.get("/")
        staff.get("/hallinta/")
        for side, browser, page in (("customer", customer, "/"), ("staff", staff, "/hallinta/")):
            if browser.send(page).status != 200:  # else every page of the side would measure a redirect
                raise RuntimeError(f"the demo {side} could not log in to {self.url}")
        self.cookies = {"public": "", "customer": customer.cookie_header(), "console": staff.cookie_header()}

    def fetch(self, path: str, side: str = "public", **kwargs) -> Response:
        return fetch(self.url + path, self.cookies[side], **kwargs)

    def forms(self, path: str, side: str) -> Forms:
        return Forms(self.fetch(path, side).text)

    def client(self, side: str):
        """An in-process test client carrying the side's session cookie."""
        client = self.app.test_client()
        for pair in filter(None, self.cookies[side].split("; ")):
            name, value = pair.split("=", 1)
            client.set_cookie(name, value)
        return client

    def pages(self) -> tuple[list[Page], list[tuple[str, str]]]:
        """Every GET page, with the side that sees it; and the rules skipped, with why."""
        found, skipped = [], []
        anonymous = self.client("public")
        signed_in = {side: self.client(side) for side in ("customer", "console")}
        for rule in sorted(self.app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            missing = rule.arguments - set(self.arguments) - set(rule.defaults or {})
            if missing:
                skipped.append((rule.rule, "no example value for " + ", ".join(sorted(missing))))
                continue
            with self.app.test_request_context():
                path = self.app.url_for(rule.endpoint, **{a: self.arguments[a] for a in rule.arguments
                                                          if a not in (rule.defaults or {})})
            side = "public"
            response = anonymous.get(path)
            if response.status_code != 200:
                side = "console" if rule.endpoint.startswith("admin.") else "customer"
                response = signed_in[side].get(path)
            if response.status_code != 200:
                skipped.append((rule.rule, f"answers {response.status_code} {response.location or ''}".strip()))
            elif response.mimetype != "text/html":
                skipped.append((rule.rule, f"not a page ({response.mimetype})"))
            else:
                found.append(Page(side, path))
        return found, skipped

    def statements(self, side: str, path: str, **kwargs) -> tuple[int, int]:
        """SQL statements of one request in-process, and its status."""
        statements = []

        def count(conn, _cursor, statement, *_args):
            if not kept.copy_read(conn):  # once per process and change (app/kept.py), not per page
                statements.append(statement)

        client = self.client(side)
        with self.app.app_context():
            event.listen(db.engine, "before_cursor_execute", count)
            try:
                response = client.open(path, **kwargs)
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
        return len(statements), response.status_code


def demo_customer() -> Customer:
    return db.session.scalars(select(Customer).filter_by(customer_number=CUSTOMER[0])).one()


def add_examples() -> None:
    """A message to customer service, an announcement and an outage, for the pages that show them."""
    if db.session.scalar(select(Feedback.id)) is None:
        support.send(demo_customer().id, support.Message(topic="feedback", message="Kiitos palvelusta!"))
    if db.session.scalar(select(Announcement.id)) is None:
        announcements.save(None, "Huoltokatko", "Verkossa on huoltokatko yöllä klo 2–4.", date.today(), None, None)
    if db.session.scalar(select(Outage.id)) is None:
        customer = demo_customer()
        outages.create({"title": "Laajakaistakatko", "description": "Kuitukaapeli katkesi kaivutöissä.",
                        "severity": "major", "started_at": utcnow()}, [], [customer.postal_code], [])
    db.session.commit()


def example_arguments() -> dict:
    """A value for each URL argument, all of them the demo customer's own."""
    customer = demo_customer()
    subscriptions = db.session.scalars(select(Subscription).filter_by(customer_id=customer.id)).all()
    owned = {s.product_id for s in subscriptions}
    orderable = next(p for p in db.session.scalars(select(Product).order_by(Product.position)) if p.id not in owned)
    mix = next(s for s in subscriptions if s.product.is_mix)
    return {
        "code": orderable.code,
        "product_id": orderable.id,
        "subscription_id": mix.id,
        "customer_id": customer.id,
        "order_id": db.session.scalar(select(Order.id).filter_by(customer_id=customer.id).order_by(Order.id)),
        "channel_id": db.session.scalar(select(Channel.id).order_by(Channel.position)),
        "feedback_id": db.session.scalar(select(Feedback.id)),
        "reference": db.session.scalar(select(Feedback.reference)),
        "announcement_id": db.session.scalar(select(Announcement.id)),
        "outage_id": db.session.scalar(select(Outage.id)),
    }


def table(header: list[str], rows: list[list]) -> str:
    """A Markdown table."""
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(str(cell) for cell in line) + " |" for line in lines)


def kb(size: float) -> str:
    return f"{size / 1024:.1f} KB"


def verdict(ok: bool) -> str:
    return "OK" if ok else "OVER"
