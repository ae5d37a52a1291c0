"""Training cost at scale: 100,000 texts (the corpus repeated with light perturbation).

    python bench/train.py [--records 100000] [--jobs N]

Prints wall time and peak RSS of `train`, the model directory size, and the cold start
(a new process: import, load the model, answer one text), median of three.
"""

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# bench/http.py would shadow the standard library for anything importing http (nltk does)
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

from training.corpus import load_records  # noqa: E402
from training.logs import configure_logging  # noqa: E402
from training.model import ModelConfig, default_jobs  # noqa: E402
from training.train import train  # noqa: E402


def perturbed(text: str, rng: random.Random) -> str:
    """Drop about one word in twenty: the same labels, a different bag of words."""
    words = text.split()
    kept = [w for w in words if rng.random() > 0.05] or words
    return " ".join(kept)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="training processes (default: all CPUs)")
    args = parser.parse_args(argv)
    configure_logging("INFO")  # the phases, timestamped, on stderr
    records = load_records()
    rng = random.Random(0)
    work = Path(tempfile.mkdtemp(prefix="topicstance-train-bench-"))
    data = work / "big.jsonl"
    with open(data, "w", encoding="utf-8") as handle:
        for i in range(args.records):
            r = records[i % len(records)]
            text = r.text if i < len(records) else perturbed(r.text, rng)
            row = {"id": f"b{i}", "text": text, "topics": list(r.topics), "outlook": r.outlook}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    started = time.perf_counter()
    del records
    path = train([data], work / "models", jobs=args.jobs)
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest finished worker
    size_mib = sum(f.stat().st_size for f in path.iterdir()) / 2**20
    probe = f"from service import load_classifier; load_classifier({str(path)!r}).classify('Envoys meet in Geneva.')"
    starts = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", probe], check=True, cwd=REPO)
        starts.append(time.perf_counter() - t0)
    folds = ModelConfig().folds_for(args.records)
    sys.stdout.write(f"records {args.records}, {args.jobs} training processes\n")
    sys.stdout.write(f"training wall time {seconds:.1f} s ({folds}-fold CV + final fit, load to saved model)\n")
    sys.stdout.write(f"peak RSS {peak_mib:.0f} MiB (this process), {worker_mib:.0f} MiB (largest worker)\n")
    sys.stdout.write(f"model directory {size_mib:.1f} MiB\n")
    sys.stdout.write(f"cold start (new process to first answer), median of 3: {statistics.median(starts):.2f} s\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
