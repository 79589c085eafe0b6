"""Google's clients pointed at chat-grpc's in-process fake (the plugin's ``chat_server`` fixture)."""

from __future__ import annotations

import grpc
import pytest
from google.apps import chat_v1
from google.apps.chat_v1.services.chat_service.transports import (
    ChatServiceGrpcAsyncIOTransport,
    ChatServiceGrpcTransport,
)


@pytest.fixture
def google_chat(chat_server):
    """``google_chat(who)`` -> Google's ChatServiceClient signed in as ``who`` (a user or app of the fake)."""
    channels = []

    def make(who) -> chat_v1.ChatServiceClient:
        # google-auth credentials over a local (plaintext, loopback) channel: what a backend's code does with TLS
        channel = ChatServiceGrpcTransport.create_channel(
            chat_server.address,
            credentials=chat_server.credentials_for(who),
            ssl_credentials=grpc.local_channel_credentials(),
        )
        channels.append(channel)
        return chat_v1.ChatServiceClient(transport=ChatServiceGrpcTransport(channel=channel))

    yield make
    for channel in channels:
        channel.close()


@pytest.fixture
def async_google_chat(chat_server):
    """``async_google_chat(who)`` -> Google's ChatServiceAsyncClient; call it inside the running event loop."""

    def make(who) -> chat_v1.ChatServiceAsyncClient:
        channel = ChatServiceGrpcAsyncIOTransport.create_channel(
            chat_server.address,
            credentials=chat_server.credentials_for(who),
            ssl_credentials=grpc.local_channel_credentials(),
        )
        return chat_v1.ChatServiceAsyncClient(transport=ChatServiceGrpcAsyncIOTransport(channel=channel))

    return make


@pytest.fixture
def rest_google_chat(chat_server):
    """``rest_google_chat(who)`` -> Google's ChatServiceClient over REST (HTTP/1.1 + JSON) to the fake's REST door."""

    def make(who) -> chat_v1.ChatServiceClient:
        return chat_v1.ChatServiceClient(
            transport="rest",
            credentials=chat_server.credentials_for(who),
            client_options={"api_endpoint": chat_server.rest_url},
        )

    return make
