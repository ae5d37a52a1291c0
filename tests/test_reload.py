"""Against the real server: concurrent corrections from several processes, and hot reload under load."""

import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from conftest import http_json

from training.feedback import FeedbackStore
from training.store import rollback, set_current

TOKEN = "reload-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _post_many(base: str, worker: int, count: int) -> list[int]:
    """Runs in a child process: `count` POSTs from 10 threads at once."""

    def one(i):
        body = {"text": f"Correction {worker}-{i}: envoys meet", "topics": ["diplomacy"], "outlook": "neutral"}
        return http_json(base + "/v1/feedback", body, headers=AUTH, timeout=60)[0]

    with ThreadPoolExecutor(10) as pool:
        return list(pool.map(one, range(count)))


def test_concurrent_feedback_from_several_processes_is_all_stored(serve, model_dir, tmp_path):
    db = tmp_path / "feedback.sqlite3"
    base, _ = serve(model_dir, env={"TOPICSTANCE_ADMIN_TOKEN": TOKEN, "TOPICSTANCE_DB": str(db)}, workers=2)
    processes, per_process = 4, 60
    with ProcessPoolExecutor(processes) as pool:
        statuses = [
            s
            for result in pool.map(_post_many, [base] * processes, range(processes), [per_process] * processes)
            for s in result
        ]
    assert statuses == [201] * (processes * per_process)
    assert FeedbackStore(db).count() == processes * per_process
    texts = {row["text"] for row in FeedbackStore(db).fetch()}
    assert len(texts) == processes * per_process


def test_promote_and_rollback_under_load_without_a_failed_request(serve, two_version_root):
    root, first, second = two_version_root
    base, process = serve(root, env={"TOPICSTANCE_ADMIN_TOKEN": TOKEN}, workers=2)
    served, failures, stop = [], [], threading.Event()

    def steady_stream():
        while not stop.is_set():
            try:
                status, body = http_json(base + "/v1/classify", {"text": "Envoys meet to discuss a ceasefire"})
            except OSError as exc:  # connection refused/reset would be a failed request too
                failures.append(repr(exc))
                continue
            if status != 200:
                failures.append((status, body))
            else:
                served.append((time.monotonic(), body["model"]))

    clients = [threading.Thread(target=steady_stream) for _ in range(3)]
    for client in clients:
        client.start()
    try:
        switches = []
        for step in range(6):
            time.sleep(0.4)
            if step % 2 == 0:
                set_current(root, first)
                switches.append(first)
            else:
                switches.append(rollback(root))
            if step == 2:
                process.send_signal(signal.SIGHUP)  # gunicorn replaces its workers; requests must not fail
        time.sleep(0.5)
        status, reloaded = http_json(base + "/v1/admin/reload", b"", headers=AUTH)
        assert status == 200 and reloaded["model"] == switches[-1]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and served[-1][1] != switches[-1]:
            time.sleep(0.05)
    finally:
        stop.set()
        for client in clients:
            client.join()
    assert failures == []
    assert len(served) > 50
    assert {version for _, version in served} <= {first, second}
    assert {version for _, version in served} == {first, second}
    assert served[-1][1] == switches[-1] == second


def test_reload_needs_the_token(serve, model_dir):
    base, _ = serve(model_dir, env={"TOPICSTANCE_ADMIN_TOKEN": TOKEN}, workers=1)
    assert http_json(base + "/v1/admin/reload", b"")[0] == 401
