"""IPP operations: one function per operation, registered by operation-id, behind one dispatcher.

TODO(ops): ``dispatch(request, document, context, service) -> Message``.
"""
