"""Our hand-written protos against Google's published API, fact by fact (see tests/oracle/)."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

from tests.conftest import CONFORMANCE_SUMMARY
from tests.oracle import descriptor_diff

NEWER_THAN_REFERENCE = Path(__file__).parent / "oracle" / "newer_than_reference.txt"

# The 34 RPCs of the reference, in its (alphabetical) order.
REFERENCE_RPCS = [
    "CompleteImportSpace", "CreateCustomEmoji", "CreateMembership", "CreateMessage", "CreateReaction",
    "CreateSpace", "DeleteCustomEmoji", "DeleteMembership", "DeleteMessage", "DeleteReaction", "DeleteSpace",
    "FindDirectMessage", "GetAttachment", "GetCustomEmoji", "GetMembership", "GetMessage", "GetSpace",
    "GetSpaceEvent", "GetSpaceNotificationSetting", "GetSpaceReadState", "GetThreadReadState",
    "ListCustomEmojis", "ListMemberships", "ListMessages", "ListReactions", "ListSpaceEvents", "ListSpaces",
    "SearchSpaces", "SetUpSpace", "UpdateMembership", "UpdateMessage", "UpdateSpace",
    "UpdateSpaceNotificationSetting", "UpdateSpaceReadState",
]  # fmt: skip


@pytest.fixture(scope="module")
def report(our_descriptors, oracle_descriptors, oracle_rpcs, request) -> descriptor_diff.Report:
    result = descriptor_diff.compare(our_descriptors, oracle_descriptors, oracle_rpcs)
    request.config.stash.setdefault(CONFORMANCE_SUMMARY, []).append(result.summary())
    return result


def test_zero_wire_differences(report: descriptor_diff.Report) -> None:
    assert report.differences == [], "\n".join(report.differences)
    assert report.compared["rpcs"] == 34
    assert report.compared["fields"] > 500  # chat + Cards v2; guards against comparing nothing


def test_what_we_leave_out_is_exactly_what_google_added_after_the_reference(report) -> None:
    expected = [
        line.strip()
        for line in NEWER_THAN_REFERENCE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert sorted(report.oracle_only) == sorted(expected)


def test_service_has_exactly_the_reference_rpcs(our_descriptors: descriptor_pb2.FileDescriptorSet) -> None:
    (service,) = [s for f in our_descriptors.file if f.package == "google.chat.v1" for s in f.service]
    assert service.name == "ChatService"
    assert sorted(m.name for m in service.method) == REFERENCE_RPCS


def test_cards_v2_is_complete(report: descriptor_diff.Report) -> None:
    assert not [line for line in report.oracle_only if descriptor_diff.CARD in line]
    assert report.compared["messages"] > 100


def test_the_checker_catches_a_changed_field_number(our_descriptors, oracle_descriptors, oracle_rpcs) -> None:
    broken = descriptor_pb2.FileDescriptorSet()
    broken.CopyFrom(our_descriptors)
    space = next(m for f in broken.file if f.name == "google/chat/v1/space.proto" for m in f.message_type
                 if m.name == "Space")  # fmt: skip
    next(f for f in space.field if f.name == "display_name").number = 99
    report = descriptor_diff.compare(broken, oracle_descriptors, oracle_rpcs)
    assert "field google.chat.v1.Space.display_name: number is '99', Google has '3'" in report.differences
