"""Our hand-written protos against Google's published API, fact by fact (see tests/oracle/)."""

from __future__ import annotations

import pytest
from google.api import client_pb2
from google.protobuf import descriptor_pb2

from tests.conftest import CONFORMANCE_SUMMARY
from tests.oracle import descriptor_diff


@pytest.fixture(scope="module")
def report(our_descriptors, oracle_descriptors, oracle_rpcs, oracle_surface, request) -> descriptor_diff.Report:
    result = descriptor_diff.compare(our_descriptors, oracle_descriptors, oracle_rpcs, surface=oracle_surface)
    request.config.stash.setdefault(CONFORMANCE_SUMMARY, []).append(result.summary())
    return result


def test_zero_wire_differences(report: descriptor_diff.Report) -> None:
    assert report.differences == [], "\n".join(report.differences)
    assert report.compared["rpcs"] == 52
    assert report.compared["method signatures"] == 52
    assert report.compared["oauth scopes"] > 30
    assert report.compared["resource patterns"] > 15
    assert report.compared["fields"] > 600  # chat + Cards v2; guards against comparing nothing


def test_nothing_of_googles_api_is_missing(report: descriptor_diff.Report) -> None:
    # Every RPC, message, field, enum value, scope and resource of Google's published API is in our protos:
    # what a newer oracle adds shows up here (and in `make oracle-diff`) as the next spec change's to-do list.
    assert report.oracle_only == [], "\n".join(report.oracle_only)


def test_service_has_exactly_googles_rpcs(our_descriptors: descriptor_pb2.FileDescriptorSet, oracle_rpcs) -> None:
    (service,) = [s for f in our_descriptors.file if f.package == "google.chat.v1" for s in f.service]
    assert service.name == "ChatService"
    assert sorted(m.name for m in service.method) == sorted(oracle_rpcs)
    assert len(oracle_rpcs) == 52


def test_cards_v2_is_complete(report: descriptor_diff.Report) -> None:
    assert not [line for line in report.oracle_only if descriptor_diff.CARD in line]
    assert report.compared["messages"] > 100


def _copy(fds: descriptor_pb2.FileDescriptorSet) -> descriptor_pb2.FileDescriptorSet:
    broken = descriptor_pb2.FileDescriptorSet()
    broken.CopyFrom(fds)
    return broken


def test_the_checker_catches_a_changed_field_number(our_descriptors, oracle_descriptors, oracle_rpcs) -> None:
    broken = _copy(our_descriptors)
    space = next(m for f in broken.file if f.name == "google/chat/v1/space.proto" for m in f.message_type
                 if m.name == "Space")  # fmt: skip
    next(f for f in space.field if f.name == "display_name").number = 99
    report = descriptor_diff.compare(broken, oracle_descriptors, oracle_rpcs)
    assert "field google.chat.v1.Space.display_name: number is '99', Google has '3'" in report.differences


def test_the_checker_catches_a_missing_field_and_rpc(our_descriptors, oracle_descriptors, oracle_rpcs) -> None:
    broken = _copy(our_descriptors)
    pin = next(m for f in broken.file for m in f.message_type if m.name == "MessagePin")
    del pin.field[1]  # message
    service = next(s for f in broken.file for s in f.service if s.name == "ChatService")
    del service.method[[m.name for m in service.method].index("MarkAsAway")]
    report = descriptor_diff.compare(broken, oracle_descriptors, oracle_rpcs)
    assert "field google.chat.v1.MessagePin.message" in report.oracle_only
    assert "rpc google.chat.v1.ChatService.MarkAsAway" in report.oracle_only


def test_the_checker_catches_signature_scope_and_resource_changes(
    our_descriptors, oracle_descriptors, oracle_rpcs, oracle_surface
) -> None:
    broken = _copy(our_descriptors)
    service = next(s for f in broken.file for s in f.service if s.name == "ChatService")
    method = next(m for m in service.method if m.name == "MoveSectionItem")
    del method.options.Extensions[client_pb2.method_signature][:]
    method.options.Extensions[client_pb2.method_signature].append("name")
    scopes = service.options.Extensions[client_pb2.oauth_scopes]
    service.options.Extensions[client_pb2.oauth_scopes] = scopes.replace(
        "https://www.googleapis.com/auth/chat.spaces.pins,", ""
    )
    user = next(f for f in broken.file if f.name == "google/chat/v1/user.proto")
    user.options.ClearExtension(descriptor_diff.resource_pb2.resource_definition)
    report = descriptor_diff.compare(broken, oracle_descriptors, oracle_rpcs, surface=oracle_surface)
    assert (
        "rpc MoveSectionItem: method signature fields are ['name'], Google has ['name', 'target_section']"
        in report.differences
    )
    assert "oauth scope https://www.googleapis.com/auth/chat.spaces.pins" in report.oracle_only
    assert "resource user (users/{user})" in report.oracle_only


def test_the_oracle_diff_report_groups_what_is_missing_and_what_differs(
    our_descriptors, oracle_descriptors, oracle_rpcs, oracle_surface
) -> None:
    from tests.oracle.report import render

    broken = _copy(our_descriptors)
    pin = next(m for f in broken.file for m in f.message_type if m.name == "MessagePin")
    del pin.field[1]
    space = next(m for f in broken.file for m in f.message_type if m.name == "Space")
    next(f for f in space.field if f.name == "display_name").number = 99
    report = descriptor_diff.compare(broken, oracle_descriptors, oracle_rpcs, surface=oracle_surface)
    lines = render(report, report.oracle_only)
    assert lines[:3] == ["Google has, our protos lack: 1 field", "  + google.chat.v1.MessagePin.message", ""]
    assert "Facts that differ: 1" in lines
    assert "  ! field google.chat.v1.Space.display_name: number is '99', Google has '3'" in lines
    assert lines[-1] == report.summary() and "1 differences; 1 oracle-only" in lines[-1]
