"""HTTP serving against a bare Flask app under the same gunicorn settings, on loopback.

    python bench/http.py [--seconds 10] [--connections 8] [--rounds 3]

Starts `topicstance serve --workers 2` (bundled model) and a bare Flask app that returns a fixed
JSON body of the same size, with service/gunicorn_conf.py and 2 workers. For each: maximum
throughput with wrk (Debian's package, installed here if missing and root), then a paced load at
half of that rate from this process, for p50/p99 latency. The two servers take turns, `--rounds`
times (this machine is shared and one run moves by a few per cent); prints the medians over the
rounds, each round's ratio and the median ratio.
"""

import os
import sys

# This file is named like the standard library's http package: drop its folder from the
# import path before importing http.client, or the script would import itself.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TEXT = (
    "Foreign ministers of the two neighbouring states met in Geneva on Monday and agreed to resume talks on a "
    "border treaty, hours after shelling along the frontier killed two soldiers, officials said. A contract for "
    "air-defence radars from a European supplier is due to be signed next month, the defence ministry added, "
    "while the opposition warned that the talks could collapse again if the attacks continue."
)
BODY = json.dumps({"text": TEXT})
BARE_APP = """
import json
from flask import Flask, Response
app = Flask(__name__)
PAYLOAD = json.dumps({payload!r})
@app.post("/v1/classify")
def classify():
    return Response(PAYLOAD, mimetype="application/json")
@app.get("/readyz")
def ready():
    return {{"status": "ready"}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(port: int, process) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError("server exited")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server not ready")


def wrk_rate(port: int, seconds: int, connections: int) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            f'wrk.method = "POST"\nwrk.body = {json.dumps(BODY)}\nwrk.headers["Content-Type"] = "application/json"\n'
        )
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", script.name, f"http://127.0.0.1:{port}/v1/classify"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    if "Non-2xx" in out:
        raise RuntimeError(f"errors under load:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def paced_latencies(port: int, rate: float, seconds: int, threads: int = 4) -> list[float]:
    """Open-loop-ish: each thread sends at rate/threads on its own keep-alive connection."""
    latencies, lock = [], threading.Lock()
    interval = threads / rate
    deadline = time.perf_counter() + seconds

    def run():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        next_at = time.perf_counter()
        while next_at < deadline:
            time.sleep(max(0.0, next_at - time.perf_counter()))
            started = time.perf_counter()
            connection.request("POST", "/v1/classify", body=BODY, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"status {response.status}")
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
            next_at += interval

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sorted(latencies)


def measure(name: str, command: list[str], port: int, args, env=None) -> dict:
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        wait_ready(port, process)
        wrk_rate(port, 2, args.connections)  # warm-up
        rate = wrk_rate(port, args.seconds, args.connections)
        lat = paced_latencies(port, rate / 2, args.seconds)
    finally:
        process.terminate()
        process.wait(timeout=20)
    return {
        "name": name,
        "rate": rate,
        "p50": statistics.median(lat),
        "p99": lat[int(len(lat) * 0.99) - 1],
        "n": len(lat),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        if os.geteuid() != 0:
            parser.error("needs wrk (Debian package wrk)")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    bin_dir = Path(sys.executable).parent
    topicstance = str(bin_dir / "topicstance") if (bin_dir / "topicstance").exists() else "topicstance"
    gunicorn = str(bin_dir / "gunicorn") if (bin_dir / "gunicorn").exists() else "gunicorn"
    payload_probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from service import load_classifier; import json, sys; "
            "print(json.dumps(load_classifier().classify(sys.argv[1])))",
            TEXT,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    bare_dir = Path(tempfile.mkdtemp(prefix="bare-flask-"))
    (bare_dir / "bare.py").write_text(BARE_APP.format(payload=json.loads(payload_probe)))
    servers = [
        (
            "topicstance serve (2 workers)",
            lambda port: [topicstance, "serve", "--port", str(port), "--workers", "2"],
            None,
        ),
        (
            "bare Flask, same gunicorn settings",
            lambda port: [
                gunicorn,
                "-c",
                "python:service.gunicorn_conf",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--chdir",
                str(bare_dir),
                "bare:app",
            ],
            {**os.environ, "PYTHONPATH": f"{bare_dir}:{REPO}"},
        ),
    ]
    rounds = []
    for k in range(args.rounds):
        order = servers if k % 2 == 0 else servers[::-1]  # take turns: neither always runs first
        by_name = {}
        for name, command, env in order:
            port = free_port()
            by_name[name] = measure(name, command(port), port, args, env=env)
        rounds.append([by_name[name] for name, _, _ in servers])
        ratio = rounds[-1][0]["rate"] / rounds[-1][1]["rate"]
        sys.stderr.write(
            f"round {k + 1}: {rounds[-1][0]['rate']:,.0f} vs {rounds[-1][1]['rate']:,.0f} req/s, {ratio:.2f}\n"
        )
    results = [
        {key: statistics.median(r[i][key] for r in rounds) for key in ("rate", "p50", "p99")} | {"name": name}
        for i, (name, _, _) in enumerate(servers)
    ]
    ratios = [r[0]["rate"] / r[1]["rate"] for r in rounds]
    load = f"wrk -t1 -c{args.connections} -d{args.seconds}s"
    sys.stdout.write(
        f"POST /v1/classify, {len(TEXT.split())}-word text; {load}; paced at half of each max; "
        f"medians of {args.rounds} rounds\n\n"
    )
    sys.stdout.write("| server | max req/s | p50 ms at half rate | p99 ms at half rate |\n|---|---|---|---|\n")
    for r in results:
        sys.stdout.write(f"| {r['name']} | {r['rate']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} |\n")
    sys.stdout.write(
        f"\nratio topicstance / bare Flask req/s, per round: {', '.join(f'{r:.3f}' for r in ratios)}; "
        f"median {statistics.median(ratios):.3f}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
