"""Runs INSIDE the oracle virtualenv: Google's ``google-apps-chat`` client with ``transport="rest"`` against the
emulator's REST port.

    python google_rest_flow.py http://127.0.0.1:PORT

The emulator must serve the demo workspace (``python -m chat_grpc.server --demo``). The client is pointed at the
emulator as a backend would point it: ``client_options={"api_endpoint": "http://127.0.0.1:PORT"}`` and static
google-auth credentials carrying a ``user:`` token (one client per caller). Its REST transport sends
``$alt=json;enum-encoding=int``, so every enum comes back as a number and must still parse. The flow creates a
space, members, messages (walked with the client's pager, several pages), reactions, updates with a field mask,
and checks that the errors arrive as api-core's exception types with the ``google.rpc`` details decoded.

Prints one JSON summary on stdout; on any failed check prints ``FAILED: ...`` on stderr and exits 1.
"""

from __future__ import annotations

import json
import sys
import traceback
import uuid

import google.auth.exceptions
import google.oauth2.credentials
from google.api_core import exceptions
from google.apps import chat_v1
from google.protobuf import field_mask_pb2

ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"
CALL = {"timeout": 10.0, "retry": None}


class CheckFailed(Exception):
    pass


def check(condition: object, what: str) -> None:
    if not condition:
        raise CheckFailed(what)


def client(endpoint: str, email: str | None) -> chat_v1.ChatServiceClient:
    credentials = google.oauth2.credentials.Credentials(token=f"user:{email}" if email else "not-a-token")
    return chat_v1.ChatServiceClient(
        transport="rest", credentials=credentials, client_options={"api_endpoint": endpoint}
    )


class Flow:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.alice = client(endpoint, ALICE)
        self.bob = client(endpoint, BOB)
        self.summary: dict[str, object] = {"rpcs": set(), "errors": []}
        self.suffix = uuid.uuid4().hex[:8]

    def call(self, rpc: str, method, /, *args, **kwargs):
        self.summary["rpcs"].add(rpc)
        return method(*args, **CALL, **kwargs)

    def expect_error(self, label: str, error_type: type, reason: str | None, rpc: str, method, /, *args, **kwargs):
        try:
            result = self.call(rpc, method, *args, **kwargs)
            if hasattr(result, "pages"):
                list(result)
        except exceptions.GoogleAPICallError as error:
            check(type(error) is error_type, f"{label}: expected {error_type.__name__}, got {type(error).__name__}")
            check(error.message, f"{label}: no message")
            if reason is not None:
                check(error.reason == reason, f"{label}: exc.reason is {error.reason!r}, expected {reason!r}")
                check(error.domain == "chat.googleapis.com", f"{label}: exc.domain is {error.domain!r}")
            self.summary["errors"].append(
                {
                    "case": label,
                    "exception": type(error).__name__,
                    "http": error.code,
                    "reason": error.reason,
                    "message": error.message,
                }
            )
            return error
        raise CheckFailed(f"{label}: expected {error_type.__name__}, the call succeeded")

    def run(self) -> dict[str, object]:
        alice, bob = self.alice, self.bob
        name = f"REST flow {self.suffix}"
        space = self.call(
            "CreateSpace",
            alice.create_space,
            request={"space": {"space_type": chat_v1.Space.SpaceType.SPACE, "display_name": name}},
        )
        check(space.name.startswith("spaces/"), "CreateSpace name")
        check(space.space_type == chat_v1.Space.SpaceType.SPACE, "an enum sent back as a number parsed")
        check(space.create_time.year >= 2024, "a timestamp parsed")
        got = self.call("GetSpace", alice.get_space, name=space.name)
        check(got.display_name == name, "GetSpace")

        renamed = self.call(
            "UpdateSpace",
            alice.update_space,
            space=chat_v1.Space(name=space.name, display_name=name + " (renamed)", space_details={"description": "d"}),
            update_mask=field_mask_pb2.FieldMask(paths=["display_name", "space_details"]),
        )
        check(renamed.display_name == name + " (renamed)", "UpdateSpace with a mask")
        check(renamed.space_details.description == "d", "UpdateSpace space_details")

        for email in (BOB, CAROL):
            membership = self.call(
                "CreateMembership",
                alice.create_membership,
                parent=space.name,
                membership=chat_v1.Membership(
                    member=chat_v1.User(name=f"users/{email}", type_=chat_v1.User.Type.HUMAN)
                ),
            )
            states = chat_v1.Membership.MembershipState
            check(membership.state in (states.JOINED, states.INVITED), f"CreateMembership state {membership.state}")
            check(membership.member.name.startswith("users/"), "CreateMembership member")
        members = list(
            self.call(
                "ListMemberships",
                alice.list_memberships,
                request={"parent": space.name, "page_size": 1, "show_invited": True},
            )
        )
        check(len(members) == 3, f"ListMemberships pager: {len(members)}")

        posted = []
        for n in range(7):
            sender = alice if n % 2 == 0 else bob
            message = self.call(
                "CreateMessage",
                sender.create_message,
                request={"parent": space.name, "message": {"text": f"message {n}"}, "message_id": f"client-m{n}"},
            )
            check(message.client_assigned_message_id == f"client-m{n}", "CreateMessage client id")
            posted.append(message.name)
        pager = self.call("ListMessages", alice.list_messages, request={"parent": space.name, "page_size": 3})
        pages = [len(page.messages) for page in pager.pages]
        listed = [
            m.name
            for m in self.call("ListMessages", alice.list_messages, request={"parent": space.name, "page_size": 3})
        ]
        check(listed == posted, "ListMessages pager walks every page in order")
        self.summary["messages"] = {"posted": len(posted), "listed": len(listed), "pages_of_3": pages}

        got = self.call("GetMessage", bob.get_message, name=f"{space.name}/messages/client-m0")
        check(got.name == posted[0] and got.sender.type_ == chat_v1.User.Type.HUMAN, "GetMessage by client id")
        edited = self.call(
            "UpdateMessage",
            alice.update_message,
            message=chat_v1.Message(name=posted[0], text="edited"),
            update_mask=field_mask_pb2.FieldMask(paths=["text"]),
        )
        check(edited.text == "edited" and edited.last_update_time.year >= 2024, "UpdateMessage with a mask")

        made = []
        for who, emoji in ((alice, "👍"), (bob, "👍"), (bob, "🎉")):
            reaction = self.call(
                "CreateReaction",
                who.create_reaction,
                parent=posted[0],
                reaction=chat_v1.Reaction(emoji=chat_v1.Emoji(unicode=emoji)),
            )
            made.append(reaction.name)
        reactions = [
            r.name
            for r in self.call("ListReactions", alice.list_reactions, request={"parent": posted[0], "page_size": 2})
        ]
        check(sorted(reactions) == sorted(made), "ListReactions pager")
        self.call("DeleteReaction", bob.delete_reaction, name=made[2])
        after = [r.name for r in self.call("ListReactions", alice.list_reactions, parent=posted[0])]
        self.summary["reactions"] = {"listed": len(reactions), "after_delete": len(after)}
        self.call("DeleteMessage", bob.delete_message, name=posted[1])

        # Errors: api-core's exception types from our HTTP statuses, with the ErrorInfo reason decoded. Over REST
        # api-core picks the class by HTTP status alone (as it does against Google): 409 is Conflict, 403 Forbidden.
        self.expect_error(
            "GetSpace of a missing space", exceptions.NotFound, "NOT_FOUND", "GetSpace", alice.get_space,
            name="spaces/missing",
        )  # fmt: skip
        self.expect_error(
            "CreateSpace with a taken display name", exceptions.Conflict, "DISPLAY_NAME_TAKEN", "CreateSpace",
            alice.create_space, request={"space": {"space_type": 1, "display_name": name + " (renamed)"}},
        )  # fmt: skip
        self.expect_error(
            "UpdateMessage of someone else's message", exceptions.Forbidden, "NOT_THE_SENDER", "UpdateMessage",
            bob.update_message, message=chat_v1.Message(name=posted[0], text="mine now"),
            update_mask=field_mask_pb2.FieldMask(paths=["text"]),
        )  # fmt: skip
        self.expect_error(
            "CreateReaction twice", exceptions.Conflict, "REACTION_ALREADY_EXISTS", "CreateReaction",
            alice.create_reaction, parent=posted[0], reaction=chat_v1.Reaction(emoji=chat_v1.Emoji(unicode="👍")),
        )  # fmt: skip
        self.expect_error(
            "ListMessages with a negative page_size", exceptions.BadRequest, None, "ListMessages",
            alice.list_messages, request={"parent": space.name, "page_size": -1},
        )  # fmt: skip
        try:  # a token the emulator does not know: 401, on which google-auth tries to refresh static credentials
            self.call("ListSpaces", client(self.endpoint, None).list_spaces)
            raise CheckFailed("an unknown token was accepted")
        except google.auth.exceptions.RefreshError:
            self.summary["errors"].append({"case": "unknown token", "exception": "RefreshError", "http": 401})

        self.call("DeleteSpace", alice.delete_space, name=space.name)
        self.expect_error(
            "GetSpace after DeleteSpace", exceptions.NotFound, "NOT_FOUND", "GetSpace", alice.get_space,
            name=space.name,
        )  # fmt: skip
        return self.summary


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: google_rest_flow.py http://HOST:PORT", file=sys.stderr)
        return 2
    try:
        summary = Flow(argv[1]).run()
    except CheckFailed as failed:
        print(f"FAILED: {failed}", file=sys.stderr)
        return 1
    except Exception:
        traceback.print_exc()
        return 1
    summary["rpcs"] = sorted(summary["rpcs"])  # type: ignore[arg-type]
    print(json.dumps(summary, indent=2, sort_keys=True, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
