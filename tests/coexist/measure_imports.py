"""Import times for docs/coexistence.md: the median of N fresh interpreters per statement.

python tests/coexist/measure_imports.py PYTHON [N]
"""

from __future__ import annotations

import statistics
import subprocess
import sys

STATEMENTS = {
    "stubs": "import google.chat.v1.chat_service_pb2",
    "chat_grpc.server": "import chat_grpc.server",
    "google chat_v1": "from google.apps import chat_v1",
    "google chat_v1, then chat_grpc.server": "from google.apps import chat_v1; import chat_grpc.server",
    "chat_grpc.server, then google chat_v1": "import chat_grpc.server; from google.apps import chat_v1",
}
TIMER = "import time; t = time.perf_counter(); {}; print(time.perf_counter() - t)"


def median_ms(python: str, statement: str, runs: int) -> float | None:
    times = []
    for _ in range(runs):
        done = subprocess.run([python, "-c", TIMER.format(statement)], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return None
        times.append(float(done.stdout))
    return round(statistics.median(times) * 1000, 1)


if __name__ == "__main__":
    python, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 15
    for label, statement in STATEMENTS.items():
        print(f"{label:40} {median_ms(python, statement, runs)} ms")
