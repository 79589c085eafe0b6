"""The emulator's state file (``--state``): every change recorded durably and replayed at start."""
