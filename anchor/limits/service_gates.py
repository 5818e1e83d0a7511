"""Gates for outside services that are not listening sources (MusicBrainz's web service).

One `SharedGate` per service and app, over the service's shared DynamoDB bucket, so every thread,
process and worker on an address keeps to the service's pace together; a pause one of them meets
is recorded for the others (limits/pauses.py) and drains the bucket.
"""
import threading

from flask import current_app

from anchor.limits import pauses
from anchor.limits.buckets import SharedGate, TokenBucket

_lock = threading.Lock()


def service_gate(spec, app=None, **bucket_options):
    """This app's gate for `spec`'s service (made once); `bucket_options` reach its TokenBucket."""
    app = app or current_app._get_current_object()
    with _lock:
        gates = app.extensions.setdefault("anchor.service_gates", {})
        if spec.source not in gates:
            bucket = TokenBucket(spec.source, spec.bucket_size(), per_address=spec.per_address,
                                 max_wait=spec.max_wait, **bucket_options)
            gates[spec.source] = SharedGate(
                bucket, source=spec.label, max_wait=spec.max_wait,
                on_pause=lambda seconds: pauses.record_pause(spec.source, seconds, per_address=spec.per_address))
        return gates[spec.source]
