"""Every limit on outgoing traffic, in one vocabulary (below the sources and the AI writer).

- `CallBudget` (gate.py): the in-process gate: pacing, rolling window, pauses, a run's ceiling.
- `SourceLimits` (spec.py): one source's limits, built once from its record; every gate,
  bucket and pause of the source follows from it.
- gates.py: the gates the refresh asks for: `pass_gates` (one pass), `gate_for` (this process,
  outside a pass), `shared_gates` (over the shared buckets), `hold_shared` (a gate takes in the
  pause any process met) and `ProfileCalls`, which charges one profile's requests to its gate.
- buckets.py: token buckets in DynamoDB shared by every process (`BucketSize`, `TokenBucket`),
  the AI model's quota (`before_model_call`).
- pauses.py: a pause a source asked for, shared by every process (read once per fetch).
- service_gates.py: the shared gate of a service that is not a listening source (MusicBrainz).
- incidents.py: the circuit breaker per source and pass, and the incidents it records.
- backoff.py: how long one profile waits after failures or a rate limit.
"""
from anchor.limits.gate import CallBudget
from anchor.limits.gates import ProfileCalls, gate_for, hold_persisted, hold_shared, pass_gates, shared_gates
from anchor.limits.service_gates import service_gate
from anchor.limits.spec import SourceLimits

__all__ = ["CallBudget", "ProfileCalls", "SourceLimits", "gate_for", "hold_persisted", "hold_shared",
           "pass_gates", "service_gate", "shared_gates"]
