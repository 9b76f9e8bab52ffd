"""Class mode's shared state: rooms, their students' answers and their teacher's actions.

Pages call `classroom.rooms` (create, join, answer, counts, reveal, move, results, close) and never
SQL. The tables are SQLAlchemy models (schema.py) whose shape changes only by Alembic migrations
(migrations/versions/); database.py opens SQLite in the cache folder, or the PostgreSQL that
FFNLAB_DATABASE_URL names, and upgrades it to the newest migration on first use in a process.
"""
