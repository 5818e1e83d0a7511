"""Which demo pages the landing page lists (written by `flask seed-demo`, anchor/demo.py)."""
from anchor.models import DEMO_PAGES_KEY, DemoPagesModel


def handles():
    """Handles of the seeded demo pages, for the landing page (one GetItem), or []."""
    try:
        return list(DemoPagesModel.get(DEMO_PAGES_KEY).handles or [])
    except DemoPagesModel.DoesNotExist:
        return []


def record(shown):
    """Remember the demo pages the landing page lists."""
    DemoPagesModel(DEMO_PAGES_KEY, handles=list(shown)).save()
