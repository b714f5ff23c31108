"""Removing objects that no database row references: the crash-recovery half of storage.

Writers follow one order: write the object, then commit the row that references it. A
crash between the two leaves an object nobody points to, never a row pointing at
nothing. ``sweep_orphans`` removes such objects later. An upload whose row is not yet
committed looks exactly like an orphan, so a sweep that runs beside live traffic must
pass ``older_than`` longer than any upload plus its commit (an hour is generous).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from wanjeon.recording.storage import Aging, ObjectStore


def sweep_orphans(
    store: ObjectStore,
    referenced: Callable[[str], bool],
    *,
    prefix: str = "",
    older_than: timedelta | None = None,
    dry_run: bool = False,
) -> list[str]:
    """Delete the objects under ``prefix`` that ``referenced`` disowns; return their keys.

    With ``older_than``, only objects at least that old go (the store must implement
    ``Aging``; ``TypeError`` otherwise, since ignoring the age would delete live uploads).
    An object whose age cannot be read any more (deleted meanwhile) is left alone. With
    ``dry_run`` nothing is deleted and the keys that would be are returned.
    """
    aging = store if isinstance(store, Aging) else None
    if older_than is not None and aging is None:
        raise TypeError(
            f"{type(store).__name__} cannot tell the age of its objects; sweep without older_than"
        )
    # List first, then delete: deleting while a listing is paged may skip keys.
    candidates = [key for key in store.keys(prefix) if not referenced(key)]
    swept: list[str] = []
    for key in sorted(candidates):
        if older_than is not None and aging is not None:
            age = aging.age(key)
            if age is None or age < older_than:
                continue
        if not dry_run:
            store.delete(key)
        swept.append(key)
    return swept
