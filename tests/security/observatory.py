"""A response's security-header score the way Mozilla's HTTP Observatory computes it.

Start at 100, add each test's modifier (the Observatory's scoring table); bonuses count only when
the penalties leave at least 90. Grades: 100+ A+, 90 A, 85 A-, 80 B+, 70 B, 65 B-, 60 C+, 50 C,
45 C-, 40 D+, 30 D, 25 D-, below F.

The Observatory's redirection test (does http:// answer with a redirect to https://) is left out:
in production the TLS-terminating proxy owns port 80 and makes that redirect (README,
Production); the portal itself only ever sees requests the proxy passed on.
"""
import re
from urllib.parse import urlsplit

GRADES = [(100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"), (60, "C+"), (50, "C"),
          (45, "C-"), (40, "D+"), (30, "D"), (25, "D-"), (0, "F")]
SIX_MONTHS = 15768000


def grade(score: int) -> str:
    return next(letter for floor, letter in GRADES if score >= floor)


def _directives(header: str) -> dict[str, list[str]]:
    found = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            found.setdefault(words[0].lower(), [w.lower() for w in words[1:]])
    return found


def content_security_policy(headers) -> tuple[str, int]:
    header = headers.get("Content-Security-Policy")
    if not header:
        return "csp-not-implemented", -25
    policy = _directives(header)
    default = policy.get("default-src", ["*"])
    scripts = policy.get("script-src", default)
    styles = policy.get("style-src", default)
    objects = policy.get("object-src", default)
    active = scripts + objects
    if "'unsafe-inline'" in scripts and not any(s.startswith(("'nonce-", "'sha")) for s in scripts):
        return "csp-implemented-with-unsafe-inline", -20
    if any(s in ("*", "http:", "https:", "data:") or s.startswith("http://") for s in active):
        return "csp-implemented-with-insecure-scheme", -20
    if "'unsafe-eval'" in scripts:
        return "csp-implemented-with-unsafe-eval", -10
    passive = policy.get("img-src", default) + policy.get("media-src", default)
    if any(s == "http:" or s.startswith("http://") for s in passive):
        return "csp-implemented-with-insecure-scheme-in-passive-content-only", -10
    if "'unsafe-inline'" in styles:
        return "csp-implemented-with-unsafe-inline-in-style-src-only", 0
    if default == ["'none'"]:
        return "csp-implemented-with-no-unsafe-default-src-none", 10
    return "csp-implemented-with-no-unsafe", 5


def cookies(headers, hsts: bool) -> tuple[str, int]:
    found = headers.getlist("Set-Cookie")
    if not found:
        return "cookies-not-found", 0
    worst = ("cookies-secure-with-httponly-sessions-and-samesite", 5)
    for cookie in found:
        name = cookie.split("=", 1)[0].lower()
        flags = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
        session = "session" in name
        if "samesite" in flags and flags["samesite"].split("=")[-1].lower() not in ("strict", "lax", "none"):
            return "cookies-samesite-flag-invalid", -20
        if "secure" not in flags:
            if session:
                return ("cookies-session-without-secure-flag-but-protected-by-hsts", -10) if hsts \
                    else ("cookies-session-without-secure-flag", -40)
            worst = min(worst, ("cookies-without-secure-flag-but-protected-by-hsts", -5) if hsts
                        else ("cookies-without-secure-flag", -20), key=lambda r: r[1])
        if session and "httponly" not in flags:
            worst = min(worst, ("cookies-session-without-httponly-flag", -30), key=lambda r: r[1])
        if "samesite" not in flags and worst[1] > 0:
            worst = ("cookies-secure-with-httponly-sessions", 0)
    return worst


def referrer_policy(headers) -> tuple[str, int]:
    header = headers.get("Referrer-Policy")
    if header is None:
        return "referrer-policy-not-implemented", 0
    policy = header.split(",")[-1].strip().lower()
    if policy in ("no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"):
        return "referrer-policy-private", 5
    if policy == "no-referrer-when-downgrade":
        return "referrer-policy-no-referrer-when-downgrade", 0
    if policy in ("origin", "origin-when-cross-origin", "unsafe-url"):
        return "referrer-policy-unsafe", -5
    return "referrer-policy-header-invalid", -5


def strict_transport_security(headers, https: bool) -> tuple[str, int]:
    if not https:
        return "hsts-not-implemented-no-https", -20
    header = headers.get("Strict-Transport-Security")
    if header is None:
        return "hsts-not-implemented", -20
    age = re.search(r"max-age=(\d+)", header, re.I)
    if age is None:
        return "hsts-header-invalid", -20
    if int(age.group(1)) < SIX_MONTHS:
        return "hsts-implemented-max-age-less-than-six-months", -10
    # +5 only for a host on the browsers' preload list, which a test cannot be.
    return "hsts-implemented-max-age-at-least-six-months", 0


def subresource_integrity(response) -> tuple[str, int]:
    if response.mimetype != "text/html":
        return "sri-not-implemented-response-not-html", 0
    scripts = re.findall(r"<script\b[^>]*>", response.get_data(as_text=True))
    if not scripts:
        return "sri-not-implemented-but-no-scripts-loaded", 0
    for tag in scripts:
        src = re.search(r'src="([^"]+)"', tag)
        if src and urlsplit(src.group(1)).netloc:  # from another origin
            if "integrity=" not in tag:
                return "sri-not-implemented-and-external-scripts-not-loaded-securely", -50
    return "sri-not-implemented-but-all-scripts-loaded-from-secure-origin", 0


def x_content_type_options(headers) -> tuple[str, int]:
    value = headers.get("X-Content-Type-Options")
    if value is None:
        return "x-content-type-options-not-implemented", -5
    return ("x-content-type-options-nosniff", 0) if value.strip().lower() == "nosniff" \
        else ("x-content-type-options-header-invalid", -5)


def x_frame_options(headers) -> tuple[str, int]:
    if "frame-ancestors" in _directives(headers.get("Content-Security-Policy", "")):
        return "x-frame-options-implemented-via-csp", 5
    value = (headers.get("X-Frame-Options") or "").strip().lower()
    if value in ("deny", "sameorigin"):
        return "x-frame-options-sameorigin-or-deny", 0
    return ("x-frame-options-not-implemented", -20) if not value else ("x-frame-options-header-invalid", -20)


def cross_origin_resource_sharing(headers) -> tuple[str, int]:
    if headers.get("Access-Control-Allow-Origin", "").strip() == "*" and \
            headers.get("Access-Control-Allow-Credentials", "").lower() == "true":
        return "cross-origin-resource-sharing-implemented-with-universal-access", -50
    return "cross-origin-resource-sharing-not-implemented", 0


def cross_origin_resource_policy(headers) -> tuple[str, int]:
    value = headers.get("Cross-Origin-Resource-Policy")
    if value is None:
        return "cross-origin-resource-policy-not-implemented", 0
    if value.strip().lower() in ("same-origin", "same-site", "cross-origin"):
        return f"cross-origin-resource-policy-implemented-with-{value.strip().lower()}", 0
    return "cross-origin-resource-policy-header-invalid", -5


def results(response, https: bool) -> list[tuple[str, int]]:
    headers = response.headers
    hsts = https and "Strict-Transport-Security" in headers
    return [content_security_policy(headers), cookies(headers, hsts), referrer_policy(headers),
            strict_transport_security(headers, https), subresource_integrity(response),
            x_content_type_options(headers), x_frame_options(headers), cross_origin_resource_sharing(headers),
            cross_origin_resource_policy(headers)]


def score(response, https: bool = True) -> tuple[int, list[tuple[str, int]]]:
    """The score and the result of each test."""
    found = results(response, https)
    total = 100 + sum(m for _, m in found if m < 0)
    if total >= 90:
        total += sum(m for _, m in found if m > 0)
    return max(total, 0), found
