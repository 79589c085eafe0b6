"""Every snippet of docs/rest.md runs: the fenced blocks are taken out of the Markdown and executed.

- ``sh`` blocks (curl) run one after the other against a ChatServer with the demo workspace, ``REST`` and
  ``SPACE`` set as the guide says: with the real ``curl`` in a shell when the machine has it
  (``test_curl_blocks``), and always through an equivalent httpx request built from the same command line
  (``test_curl_blocks_as_httpx``), so both ways are checked where curl exists. The ``json`` block is the error
  the last curl block answers, compared value for value.
- ``python`` blocks run in a fresh interpreter of the project's venv; the google-apps-chat one in the oracle venv
  (``CHAT_REST_URL`` set to a live REST listener); the one that starts with ``# test_*.py`` in a pytester
  project, as a user's test file.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from chat_grpc.server import ChatServer
from chat_grpc.workspace.demo import seed_demo
from tests.oracle import oracle

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "rest.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)


def blocks(kind: str) -> list[str]:
    return [body for lang, body in FENCE.findall(GUIDE.read_text(encoding="utf-8")) if lang == kind]


def python_blocks(kind: str) -> list[str]:
    out = []
    for block in blocks("python"):
        if block.startswith("# test_"):
            found = "pytest"
        elif "from google.apps import" in block:
            found = "oracle"
        else:
            found = "venv"
        if found == kind:
            out.append(block)
    return out


def test_the_guide_has_the_snippets_it_promises() -> None:
    assert len(blocks("sh")) == 4 and len(blocks("json")) == 1
    assert len(python_blocks("venv")) == 3 and len(python_blocks("oracle")) == 1 and len(python_blocks("pytest")) == 1
    assert "rest.md" in (ROOT / "README.md").read_text(encoding="utf-8")


# ------------------------------------------------------------------ curl


@pytest.fixture
def demo() -> Iterator[tuple[ChatServer, str]]:
    with ChatServer() as chat:
        workspace = seed_demo(chat.store)
        yield chat, workspace.spaces["falcon"].name


def as_httpx(command: str, env: dict[str, str]) -> str:
    """Run one curl command line (``-s``, ``-X``, ``-H``, ``-d``, a URL) as the same request through httpx."""
    for name, value in env.items():
        command = command.replace(f"${name}", value)
    words = shlex.split(command.replace("\\\n", " "))
    assert words[0] == "curl", command
    method, headers, data, url = "GET", {}, None, None
    index = 1
    while index < len(words):
        word = words[index]
        if word == "-s":
            pass
        elif word == "-X":
            index += 1
            method = words[index]
        elif word == "-H":
            index += 1
            key, _, value = words[index].partition(":")
            headers[key.strip()] = value.strip()
        elif word == "-d":
            index += 1
            data = words[index].encode()
            method = "POST" if method == "GET" else method
        elif word.startswith("http"):
            url = word
        else:
            raise AssertionError(f"the translation does not know curl's {word!r}")
        index += 1
    assert url is not None
    return httpx.request(method, url, headers=headers, content=data, timeout=10).text


def run_curl_blocks(chat: ChatServer, space: str, runner: str) -> list[str]:
    env = {"REST": chat.rest_url, "SPACE": space}
    outputs = []
    for block in blocks("sh"):
        if runner == "curl":
            done = subprocess.run(
                ["bash", "-e", "-c", block], env={**os.environ, **env}, capture_output=True, text=True, timeout=30
            )
            assert done.returncode == 0, done.stderr
            outputs.append(done.stdout)
        else:
            outputs.append(as_httpx(block, env))
    return outputs


def check_curl_outputs(outputs: list[str], space: str) -> None:
    listed, posted, read, error = outputs
    assert space in [s["name"] for s in json.loads(listed)["spaces"]]
    assert all("name" in s and set(s) <= {"name", "displayName"} for s in json.loads(listed)["spaces"])  # DMs: no name
    assert json.loads(posted)["text"] == "Hello from curl"
    assert "\n" not in read.strip()  # prettyPrint=false
    assert json.loads(read) == {
        "name": json.loads(posted)["name"],
        "text": "Hello from curl",
        "sender": {"type": "HUMAN"},
    }
    assert json.loads(error) == json.loads(blocks("json")[0])  # the guide shows the real answer


def test_curl_blocks(demo: tuple[ChatServer, str], record_property: Any) -> None:
    chat, space = demo
    runner = "curl" if shutil.which("curl") else "httpx"  # no curl on this machine: the equivalent httpx requests
    record_property("runner", runner)
    print(f"docs/rest.md curl blocks run with: {runner}")
    check_curl_outputs(run_curl_blocks(chat, space, runner), space)


def test_curl_blocks_as_httpx(demo: tuple[ChatServer, str]) -> None:
    chat, space = demo
    check_curl_outputs(run_curl_blocks(chat, space, "httpx"), space)


# ------------------------------------------------------------------ python


@pytest.mark.parametrize("index", range(3))
def test_python_blocks(tmp_path: Path, index: int) -> None:
    script = tmp_path / "snippet.py"
    script.write_text(python_blocks("venv")[index], encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.mark.oracle
def test_google_apps_chat_block(tmp_path: Path) -> None:
    script = tmp_path / "gapic_snippet.py"
    script.write_text(python_blocks("oracle")[0], encoding="utf-8")
    with ChatServer() as chat:
        chat.store.add_user("alice@example.com")
        done = subprocess.run(
            [str(oracle.oracle_python()), str(script)],
            env={**os.environ, "CHAT_REST_URL": chat.rest_url},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert chat.journal.last("ListMessages").face == "rest"


def test_pytest_block(pytester: pytest.Pytester) -> None:
    source = python_blocks("pytest")[0]
    name = source.splitlines()[0].removeprefix("# ").strip()
    (pytester.path / name).write_text(source, encoding="utf-8")
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "--strict-markers", name)
    result.assert_outcomes(passed=source.count("\ndef test_") + source.startswith("def test_"))
