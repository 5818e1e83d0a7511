"""Profiles say whether their source is connected as `sourceConnected` (it was `spotifyConnected`).

The flag has meant "the page's source is connected" since ListenBrainz and Last.fm arrived. This
release writes both names with one value and reads the old one while an item carries it
(profiles/index.py::connection_of), since the release before writes only the old name while both
serve. This step gives every profile that lacks it the new name, with the old one's value (an
item with neither was connected: the old attribute's default). The old name stays: the previous
release, should it be rolled back to, reads nothing else. The next release writes the new name
and removes the old one, and its migration removes what is left. Each write is conditioned on
the values it read, so a second run, or one racing the app, changes nothing twice. It leaves
`rev` alone: what a page shows, and every field derived from it, stays the same.
"""
NEW, OLD = "sourceConnected", "spotifyConnected"


def _copy(item):
    """The write giving one profile item the new name, conditioned on the old one; None when it has it."""
    if NEW in item:
        return None
    old = item.get(OLD)
    condition = f"attribute_not_exists({NEW}) AND " + (f"{OLD} = :value" if old else f"attribute_not_exists({OLD})")
    return {"UpdateExpression": f"SET {NEW} = :value", "ConditionExpression": condition,
            "ExpressionAttributeValues": {":value": old or {"BOOL": True}}}


def apply(ctx):
    copied = ctx.update_each(ctx.profiles_table, "USER#", _copy)
    if not copied:
        return "profiles already carry sourceConnected"
    return f"gave {copied} profile(s) sourceConnected"
