"""One botocore session per process, shared by every AWS client the application makes.

A botocore session parses its endpoint table (about 7 MB of Python objects) and each service's
model (DynamoDB's is 1.7 MB) once, and keeps them. PynamoDB makes a session for each model
class's connection, thirteen here, and boto3 keeps one more of its own: a worker that had used
every model held the same data up to fourteen times. Here every client, PynamoDB's included,
comes from one session, made on first use in each process (never shared across a fork).

botocore clients are thread-safe, but making one is not: creation takes a lock.
"""
import os
import threading

import botocore.session

_lock = threading.RLock()
_made = {}


class _Session(botocore.session.Session):
    def create_client(self, *args, **kwargs):
        with _lock:
            return super().create_client(*args, **kwargs)


def shared(key, make):
    """This process's one object for `key` (a client for given settings), made by `make()` on
    first use; a forked child makes its own."""
    with _lock:
        if key not in _made:
            _made[key] = make()
        return _made[key]


def session():
    """This process's botocore session."""
    return shared("session", _Session)


def client(service, **kwargs):
    """A client of `service` from the shared session (endpoint and credentials as botocore
    finds them: `AWS_ENDPOINT_URL_<SERVICE>`, the environment, the instance role)."""
    return session().create_client(service, **kwargs)


def _forget():
    """In a forked child: nothing of the parent's, and a lock no parent thread can hold."""
    global _lock
    _lock = threading.RLock()
    _made.clear()


os.register_at_fork(after_in_child=_forget)


def share_with_pynamodb():
    """Make PynamoDB's connections take their session from here instead of one each."""
    import pynamodb.connection.base as connection_base
    connection_base.get_session = session
