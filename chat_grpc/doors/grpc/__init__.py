"""The gRPC door: ChatService over ``ChatCore.serve``, the emulator's control service, health and reflection."""
