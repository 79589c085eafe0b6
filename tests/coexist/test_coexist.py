"""Google's google-apps-chat and chat-grpc in one process (issue 12; docs/coexistence.md), in .venv-coexist.

Each check runs in a fresh interpreter, since what matters is which package registers its protobuf files first.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from tests.coexist import coexist

pytestmark = pytest.mark.coexist

HERE = Path(__file__).resolve().parent
GUIDE = coexist.ROOT / "docs" / "testing.md"
ORDERS = ["google-first", "chat-grpc-first"]


@pytest.mark.parametrize("order", ORDERS)
def test_both_import_orders_serve_googles_clients(order: str) -> None:
    summary = json.loads(coexist.script("import_orders.py", order))

    if order == "chat-grpc-first":
        assert summary["google_loaded_by_the_stubs"]  # the stubs let Google's package register first
    # ours are private copies; Google's keep the API's names; the service keeps its name and HTTP rules
    assert summary["descriptors"] == {
        "ours": "chat_grpc.google.chat.v1.Space",
        "ours_file": "chat_grpc/google/chat/v1/space.proto",
        "google": "google.chat.v1.Space",
        "service": "google.chat.v1.ChatService",
        "create_message_http": "/v1/{parent=spaces/*}/messages",
        "methods": 52,  # every RPC of the current API, with its HTTP rule
    }
    flow = summary["flow"]
    assert flow["listed"] == ["hello from google-apps-chat", "card"]
    assert flow["card_title"] == "Release" and flow["facade_sees_sender"]
    assert flow["facade_update_display_name"] == "Both clients"
    assert flow["facade_update_mask"] == ["display_name"]  # field_behavior options intact: create_time left out
    assert flow["async_listed"] == ["hello from google-apps-chat", "card", "hello from chat_grpc"]
    assert flow["not_found"] == "NotFound"
    assert flow["reflected_file"] == "google/chat/v1/space.proto"  # reflection serves the API's own files
    assert summary["json_round_trip"]


@pytest.mark.parametrize("order", ORDERS)
def test_the_sample_backend_suite(order: str, tmp_path: Path) -> None:
    """tests/coexist/sample_backend: a backend on google-apps-chat, tested with the plugin's fixtures in one run."""
    first = "import chat_grpc.server" if order == "chat-grpc-first" else "from google.apps import chat_v1"
    run = (
        f"{first}\nimport sys, pytest\n"
        "sys.exit(pytest.main(['-c', 'pytest.ini', '-p', 'no:cacheprovider', '-q', '-W', 'error', '.']))"
    )
    completed = coexist.run("-c", run, cwd=HERE / "sample_backend")
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert re.search(r"\b7 passed\b", output) and "skipped" not in output, output


GOOGLES_DESCRIPTORS = """
import json
from google.apps import card_v1, chat_v1
from google.api import field_behavior_pb2
renamed = sorted(
    f"{t.pb().DESCRIPTOR.full_name}.{f.name}"
    for module in (chat_v1, card_v1)
    for t in vars(module).values()
    if hasattr(t, "pb") and hasattr(t.pb(), "DESCRIPTOR")
    for f in t.pb().DESCRIPTOR.fields
    if f.name.endswith("_")
)
create_time = chat_v1.Space.pb().DESCRIPTOR.fields_by_name["create_time"]
behaviors = list(create_time.GetOptions().Extensions[field_behavior_pb2.field_behavior])
print(json.dumps({"renamed": renamed, "behaviors": behaviors}))
"""


def test_why_chat_grpc_cannot_reuse_googles_descriptors() -> None:
    """The facts behind registering private copies rather than adopting Google's descriptors
    (docs/coexistence.md): proto-plus renames keyword fields in the descriptor itself, and keeps no
    google.api field options. If a release of Google's packages changes this, this test says so."""
    completed = coexist.run("-c", GOOGLES_DESCRIPTORS)
    assert completed.returncode == 0, completed.stderr
    facts = json.loads(completed.stdout)
    assert "google.chat.v1.User.type_" in facts["renamed"]  # our User.type
    assert "google.chat.v1.Space.type_" in facts["renamed"]
    assert "google.apps.card.v1.Button.type_" in facts["renamed"]
    assert facts["behaviors"] == []  # OUTPUT_ONLY in the API; the facade's update masks rely on it


def guide_example() -> tuple[str, str]:
    """docs/testing.md's google-apps-chat example: (file name from its first line, source)."""
    found = re.findall(r"```python\n(# (test_\w+\.py): needs google-apps-chat\n.*?)```", GUIDE.read_text(), re.DOTALL)
    assert len(found) == 1, "docs/testing.md should hold one google-apps-chat example"
    source, name = found[0]
    return name, source


def test_the_guides_google_apps_chat_example_runs(tmp_path: Path) -> None:
    name, source = guide_example()
    (tmp_path / name).write_text(source, encoding="utf-8")
    completed = coexist.run("-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", name, cwd=tmp_path)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    tests = source.count("\ndef test_")
    assert tests >= 2 and re.search(rf"\b{tests} passed\b", output), output


def test_this_venv_stays_free_of_googles_packages() -> None:
    # the project's own venv (where the rest of the suite runs) keeps Google's packages out: tests/oracle relies on it
    assert Path(sys.prefix).resolve() != coexist.coexist_python().parents[1].resolve()
    with pytest.raises(ImportError):
        __import__("google.apps.chat_v1")
