"""Alembic environment: runs on the connection handed over by `agent.log.migrate`, or on `sqlalchemy.url`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, engine_from_config, pool

from agent.log.schema import Base


def run(connection: Connection) -> None:
    """Run the migrations on one connection."""
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = engine_from_config(context.config.get_section(context.config.config_ini_section, {}), poolclass=pool.NullPool)
    with engine.connect() as conn:
        run(conn)
