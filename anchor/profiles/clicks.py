"""Clicks on the owner's links: one counter item per page, {"<day>/<link id>": n}, last 28 days.

A visitor's click is one UpdateItem that adds one to today's count of that link and removes the
count of the day that just left the window. Nothing about the visitor is stored.
"""
from datetime import timedelta

from pynamodb.exceptions import UpdateError

from anchor import clock
from anchor.models import ClickCountModel, conditional

WINDOW_DAYS = 28
PRUNE_AT_ONCE = 50      # old counts removed per read: one small UpdateItem, the rest next time


def clicks_key(handle):
    """`CLICKS#<handle>`: the key of a page's click counter item."""
    return f"CLICKS#{handle}"


def _day(moment):
    return moment.strftime("%Y-%m-%d")


def _first_day():
    """The oldest day still inside the window (today counts as one of its days)."""
    return _day(clock.now() - timedelta(days=WINDOW_DAYS - 1))


def record(handle, link_id, link_ids=()):
    """Count one click on `link_id` today (one UpdateItem; a second one only for a new counter)."""
    today = clock.now()
    key = f"{_day(today)}/{link_id}"
    gone = _day(today - timedelta(days=WINDOW_DAYS))
    item = ClickCountModel(clicks_key(handle))
    count = ClickCountModel.counts[key]
    actions = [count.set((count | 0) + 1)]
    actions += [ClickCountModel.counts[f"{gone}/{other}"].remove() for other in link_ids]
    try:
        item.update(actions=actions)
    except UpdateError as exc:
        if exc.cause_response_code != "ValidationException":
            raise
        # No counter map yet (the first click on this page): create it, unless another click did.
        if not conditional(item.update, actions=[ClickCountModel.counts.set({key: 1})],
                           condition=ClickCountModel.counts.does_not_exist()):
            item.update(actions=[count.set((count | 0) + 1)])


def last_days(handle):
    """{link id: clicks in the last 28 days}; counts older than that are removed on the way."""
    try:
        item = ClickCountModel.get(clicks_key(handle))
    except ClickCountModel.DoesNotExist:
        return {}
    counts = item.counts.as_dict() if item.counts is not None else {}
    first = _first_day()
    totals, old = {}, []
    for key, value in counts.items():
        day, _, link_id = key.partition("/")
        if day >= first:
            totals[link_id] = totals.get(link_id, 0) + int(value)
        else:
            old.append(key)
    if old:
        item.update(actions=[ClickCountModel.counts[key].remove() for key in old[:PRUNE_AT_ONCE]])
    return totals
