"""The ways into the fake: gRPC (``grpc``: ChatService, the control service, health and reflection), REST/JSON
(``rest``) and the web UI (``ui``)."""
