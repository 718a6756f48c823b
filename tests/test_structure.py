"""The ways of docs/architecture.md, held: a newcomer's code that departs from them fails here."""
import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"
REQUEST_MACHINERY = {"request", "session", "abort", "flash", "g", "redirect", "make_response"}


def imported_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module in ("flask", "flask_login"):
            names |= {alias.name for alias in node.names}
    return names


def test_services_never_touch_the_request():
    for path in (APP / "services").glob("*.py"):
        touched = imported_names(path) & (REQUEST_MACHINERY | {"current_user", "login_user"})
        assert not touched, f"{path.name} imports {sorted(touched)}: pass what the rule needs instead"


def test_only_services_commit_or_roll_back():
    for path in (APP / "blueprints").rglob("*.py"):
        text = path.read_text()
        assert "session.commit(" not in text and "session.rollback(" not in text, path


def test_templates_do_not_ask_which_rendering_they_are_in():
    for path in (APP / "templates").rglob("*.html"):
        assert "is_partial" not in path.read_text(), path
