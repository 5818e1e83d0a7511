"""Each listening source's outgoing limits, from its registry record (`limits(config)`).

The one place the refresh turns the sources' records into the limits package's specs; a source
without limits (the upload) is left out.
"""
from anchor.limits import SourceLimits
from anchor.sources import registry


def specs(config):
    """{source: SourceLimits} for every registered source with limits."""
    return {record.name: SourceLimits.from_values(record.name, record.label, limits)
            for record in registry.records() if (limits := record.limits(config)) is not None}
