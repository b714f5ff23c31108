"""Alembic environment for wanjeon's schema, run by ``wanjeon.adapters.db.migrate``.

``migrate.upgrade`` hands over an open connection (``config.attributes["connection"]``)
so that the engine options of ``make_engine`` and the cross-process migration lock
apply; ``alembic -x``-style use with ``sqlalchemy.url`` set also works for developers.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from wanjeon.adapters.db.engine import make_engine
from wanjeon.adapters.db.tables import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        # SQLite alters tables by copying them; batch mode does that for later migrations.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()
elif (shared := config.attributes.get("connection")) is not None:
    _run(shared)
else:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url or pass a connection in config.attributes['connection']")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()
