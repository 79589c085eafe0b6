"""Google Chat's behaviour, protocol-neutral: the store and its books, the handlers, policy, filters, pagination.

Nothing here imports gRPC or HTTP; the doors (``chat_grpc.doors``) translate calls into ``ChatCore.serve``.
"""
