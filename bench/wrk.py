"""Load from wrk (Debian's `wrk`): requests per second and latency percentiles of one URL."""
import json
import shutil
import subprocess
import tempfile

# wrk prints p50/p75/p90/p99 on its own; this script adds p95 and machine-readable figures.
REPORT = """
{setup}
done = function(summary, latency, requests)
  io.write("WRK_JSON ", string.format(
    '{{"requests": %d, "seconds": %f, "errors": %d, "non2xx3xx": %d, '
    .. '"p50_ms": %f, "p95_ms": %f, "p99_ms": %f}}\\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3))
end
"""


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal for ASCII


def run(url: str, connections: int, seconds: int = 10, headers: dict | None = None,
        body: str | None = None, threads: int = 2) -> dict:
    """Load `url` with `connections` open connections; a `body` makes it a form POST."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    setup = ""
    if body is not None:
        setup = (f'wrk.method = "POST"\nwrk.body = {lua_string(body)}\n'
                 'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n')
    for name, value in (headers or {}).items():
        setup += f"wrk.headers[{lua_string(name)}] = {lua_string(value)}\n"
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(REPORT.format(setup=setup))
        script.flush()
        done = subprocess.run(
            ["wrk", "-t", str(min(threads, connections)), "-c", str(connections), "-d", f"{seconds}s",
             "--timeout", "10s", "-s", script.name, url],
            capture_output=True, text=True, check=True,
        )
    line = next(line for line in done.stdout.splitlines() if line.startswith("WRK_JSON "))
    figures = json.loads(line.removeprefix("WRK_JSON "))
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures
