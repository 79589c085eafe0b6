"""tests/coexist/ drives scripts and a pytest project in .venv-coexist (Google's google-apps-chat beside chat-grpc).

``sample_backend/`` is that project: it imports Google's packages, so this suite's own venv must not collect it.
"""

collect_ignore = ["sample_backend"]
