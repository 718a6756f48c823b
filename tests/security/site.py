"""What the security suites read from the running portal: the database's fingerprint, the pages a
user can reach and the forms on them, and whether a response speaks Finnish."""
import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from app.errors import MESSAGES
from app.extensions import db

# The English originals of the error pages; a Finnish response never shows one of them.
ENGLISH = [str(text._args[0]) for pair in MESSAGES.values() for text in pair] + [
    "Bad Request", "Internal Server Error", "Method Not Allowed", "The CSRF token"]


def fingerprint() -> dict[str, str]:
    """Every table's rows, hashed: equal fingerprints mean nothing in the database changed. Read with
    the driver's own cursor in one transaction: the fuzz tests take a fingerprint for each of thousands
    of requests, and SQLAlchemy's work per statement was most of a fingerprint's cost."""
    cursor = db.session.connection().connection.driver_connection.cursor()
    prints = {}
    for table in db.metadata.sorted_tables:
        cursor.execute(f'SELECT * FROM "{table.name}"')
        rows = sorted(map(repr, cursor.fetchall()))
        prints[table.name] = f"{len(rows)}:" + hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]
    cursor.close()
    db.session.rollback()  # end the read, so the next request's writer does not wait for it
    return prints


def changed(before: dict[str, str]) -> list[str]:
    after = fingerprint()
    return [name for name in after if after[name] != before.get(name)]


def finnish_problem(response) -> str | None:
    """Why a page or fragment is not a Finnish one, or None (other media types and redirects are not
    pages: a redirect's body is Werkzeug's own "Redirecting..." that no browser shows)."""
    if response.mimetype != "text/html" or 300 <= response.status_code < 400:
        return None
    text = response.get_data(as_text=True)
    if "<html" in text and not re.search(r'<html[^>]*\blang="fi"', text):
        return "the page is not marked lang=fi"
    english = [phrase for phrase in ENGLISH if phrase in text]
    return f"English text {english}" if english else None


def rejected(response) -> bool:
    """A refused request: an error status, or a form sent back with its errors marked."""
    return response.status_code >= 400 or (
        response.status_code == 200 and 'aria-invalid="true"' in response.get_data(as_text=True))


@dataclass
class Form:
    page: str
    method: str
    action: str
    enctype: str = ""
    fields: list[dict] = field(default_factory=list)  # name, kind, value, options
    variants: list[tuple[str, dict]] = field(default_factory=list)  # buttons with a formaction

    def expanded(self) -> list["Form"]:
        """The form as each of its buttons sends it."""
        if not self.variants:
            return [self]
        rest = [f for f in self.fields if f["kind"] != "submit"]
        return [Form(self.page, self.method, action, self.enctype, rest + [button])
                for action, button in self.variants]

    @property
    def shape(self) -> tuple:
        """What makes two forms the same form: ids and prefixes left out."""
        names = sorted({re.sub(r"\d+", "N", f["name"]) for f in self.fields})
        return self.method, re.sub(r"\d+", "N", urlsplit(self.action).path), tuple(names)


class FormParser(HTMLParser):
    """The forms of a page with their controls, and the page's same-site links."""

    def __init__(self, page: str):
        super().__init__()
        self.page, self.forms, self.links = page, [], []
        self._form = self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(self.page, a.get("method", "get").upper(), a.get("action") or self.page,
                              a.get("enctype", ""))
            self.forms.append(self._form)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))
            if "selected" in a or self._select["value"] is None:
                self._select["value"] = a.get("value", "")
        elif self._form is not None and "name" in a:
            self._control(tag, a)

    def _control(self, tag: str, a: dict) -> None:
        kind = {"select": "select", "textarea": "textarea"}.get(tag) or a.get(
            "type", "text" if tag == "input" else "submit")
        if a.get("formaction"):
            # A button posting elsewhere (one per MIX channel): a form of its own.
            self._form.variants.append((a["formaction"], {"name": a["name"], "kind": "submit",
                                                          "value": a.get("value", ""), "options": []}))
            return
        same = next((f for f in self._form.fields if f["name"] == a["name"] and f["kind"] == kind), None)
        if same is not None and kind in ("checkbox", "radio", "submit"):
            # A group of one name is one field with options; its value is what is ticked (or pressed).
            same["options"].append(a.get("value", "on"))
            if "checked" in a:
                same["value"] = a.get("value", "on")
            return
        ticked = kind not in ("checkbox", "radio") or "checked" in a
        control = {"name": a["name"], "kind": kind, "value": a.get("value", "") if ticked else None,
                   "options": [a.get("value", "on")] if kind in ("checkbox", "radio", "submit") else [],
                   "required": "required" in a}
        self._form.fields.append(control)
        if tag == "select":
            self._select = control
        elif tag == "textarea":
            self._textarea = control

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def crawl(client, start: str, inside: str, per_shape: int = 2, limit: int = 60) -> dict[str, "FormParser"]:
    """The pages reachable by links from `start` under the path `inside`, a few of each kind."""
    seen, shapes, queue, pages = set(), {}, [start], {}
    while queue and len(pages) < limit:
        url = queue.pop(0)
        path = urlsplit(url).path
        shape = re.sub(r"\d+", "N", path)
        if url in seen or not path.startswith(inside) or path.startswith("/static/") \
                or shapes.get(shape, 0) >= per_shape:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        parser = FormParser(url)
        parser.feed(response.get_data(as_text=True))
        pages[url] = parser
        queue += [link.split("#")[0] for link in parser.links]
    return pages


def forms_of(pages: dict[str, FormParser]) -> list[Form]:
    """Each distinct form once (the same form on every page, or for every channel, counts once)."""
    found = {}
    for parser in pages.values():
        for form in (variant for f in parser.forms for variant in f.expanded()):
            found.setdefault(form.shape, form)
    return list(found.values())


def filled(form: Form) -> list[tuple[str, str]]:
    """The form as the browser would send it untouched (the first submit button pressed)."""
    pairs, pressed = [], False
    for f in form.fields:
        if f["kind"] == "submit":
            if pressed:
                continue
            pressed = True
        if f["value"] is not None and f["kind"] != "file":
            pairs.append((f["name"], f["value"]))
    return pairs


def forms_by_action(pages: dict[str, FormParser]) -> dict[str, list[tuple[str, str]]]:
    """The untouched data of each POST form, by the path it posts to."""
    return {urlsplit(form.action).path: filled(form) for parser in pages.values()
            for form in (variant for f in parser.forms for variant in f.expanded()) if form.method == "POST"}
