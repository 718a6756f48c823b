"""A bare Flask app, served like the portal, as the yardstick of the server benchmark."""
from flask import Flask

app = Flask(__name__)


@app.get("/", defaults={"path": ""})
@app.get("/<path:path>")  # every path, so the harness's readiness check (GET /kirjaudu) finds it too
def hello(path: str) -> str:
    return "Hello, world!"
