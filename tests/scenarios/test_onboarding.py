"""Onboarding a team space: alice sets up "Launch Team" with bob, carol (who must accept invitations) and the
Engineers group, describes it, brings in the Standup Bot, which greets everyone with a card, and makes bob a
manager; the partner's dave cannot be added to an internal space."""

from __future__ import annotations

import pytest
from google.chat.v1 import membership_pb2, space_pb2

from chat_grpc import PermissionDenied
from tests.scenarios.conftest import BOB, BOT, CAROL, ENGINEERS, Chat

Role = membership_pb2.Membership.MembershipRole
State = membership_pb2.Membership.MembershipState


def test_onboarding_a_team_space(chat: Chat) -> None:
    alice = chat.user("alice@example.com")
    space = alice.set_up_space(
        space={"space_type": "SPACE", "display_name": "Launch Team"},
        memberships=[
            {"member": {"name": "users/bob@example.com", "type": "HUMAN"}},
            {"member": {"name": "users/carol@example.com", "type": "HUMAN"}},
            {"group_member": {"name": ENGINEERS}},
        ],
    )
    assert space.space_type == space_pb2.Space.SPACE and space.display_name == "Launch Team"
    assert space.membership_count.joined_direct_human_user_count == 2  # alice and bob; carol is only invited
    assert space.membership_count.joined_group_count == 1

    described = alice.update_space(
        space={"name": space.name, "space_details": {"description": "Ship 2.0", "guidelines": "Be kind"}}
    )
    assert described.space_details.description == "Ship 2.0"

    # The bot joins through alice's credentials issued to it (users/app), then posts with its own.
    as_bots_user = chat.user("alice@example.com", app=BOT)
    joined = as_bots_user.create_membership(parent=space, membership={"member": {"name": "users/app", "type": "BOT"}})
    assert joined.member.name == f"users/{BOT}" and joined.state == State.JOINED
    bot = chat.app(BOT)
    card = bot.create_message(
        parent=space,
        message={
            "text": "Hello team! Standup is at 10:00.",
            "cards_v2": [{"card_id": "standup", "card": {"header": {"title": "Daily standup"}}}],
        },
    )
    assert card.sender.type == card.sender.BOT and card.cards_v2[0].card.header.title == "Daily standup"

    # bob becomes a manager, and may then rename the space.
    bobs = alice.get_membership(name=f"{space.name}/members/bob@example.com")  # an alias of members/{id}
    assert bobs.member.name == BOB
    promoted = alice.update_membership(membership={"name": bobs.name, "role": "ROLE_MANAGER"})
    assert promoted.role == Role.ROLE_MANAGER
    bob = chat.user("bob@example.com")
    assert bob.update_space(space={"name": space.name, "display_name": "Launch Crew"}).display_name == "Launch Crew"

    # Who is in: carol is invited (listed only with show_invited), the group only with show_groups.
    members = {(m.member.name or m.group_member.name, m.state) for m in alice.list_memberships(parent=space)}
    assert (bobs.member.name, State.JOINED) in members and len(members) == 3  # alice, bob, the bot
    everyone = list(alice.list_memberships(parent=space, show_invited=True, show_groups=True))
    assert {m.group_member.name for m in everyone if m.group_member.name} == {ENGINEERS}
    (carols,) = [m for m in everyone if m.state == State.INVITED]

    # carol sees the space she is invited to, but cannot post until she accepts.
    carol = chat.user("carol@example.com")
    assert carol.get_space(name=space.name).display_name == "Launch Crew"
    with pytest.raises(PermissionDenied) as refused:
        carol.create_message(parent=space, message={"text": "Hi!"})
    assert refused.value.reason == "NOT_A_MEMBER"
    assert carols.member.name == CAROL

    # An internal space does not take people from another organization.
    with pytest.raises(PermissionDenied) as external:
        alice.create_membership(parent=space, membership={"member": {"name": "users/dave@partner.example"}})
    assert external.value.reason == "EXTERNAL_USER_NOT_ALLOWED"

    # bob finds his new space next to the seeded one.
    assert [s.display_name for s in bob.list_spaces()] == ["General", "Launch Crew"]
