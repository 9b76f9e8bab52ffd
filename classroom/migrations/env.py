"""Alembic's entry: upgrades the connection database.py hands over (no alembic.ini needed)."""
from alembic import context

from classroom.schema import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")  # SQLite alters tables by copying them
with context.begin_transaction():
    context.run_migrations()
