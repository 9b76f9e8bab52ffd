"""Rooms, their anonymous students, answers and reveals.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None



def in_room(name: str, *columns: sa.Column | sa.Constraint) -> None:
    """A table of rows that belong to a room and go when the room goes (schema.InRoom)."""
    op.create_table(name, sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("room_id", sa.Integer, sa.ForeignKey("rooms.id", ondelete="CASCADE"),
                              nullable=False, index=True), *columns)


def upgrade() -> None:
    op.create_table(
        "rooms",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(12), nullable=False, unique=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("cap", sa.Integer, nullable=False),
        sa.Column("students", sa.Integer, nullable=False),
        sa.Column("page", sa.String(64), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("question", sa.String(64), nullable=False),
        sa.Column("phase", sa.String(8), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    in_room("students", sa.Column("token", sa.String(64), nullable=False), sa.UniqueConstraint("room_id", "token"))
    in_room(
        "answers",
        sa.Column("student_id", sa.Integer, sa.ForeignKey("students.id", ondelete="CASCADE"), nullable=False),
        sa.Column("question", sa.String(64), nullable=False),
        sa.Column("phase", sa.String(8), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("answered", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("student_id", "question", "phase"),
    )
    in_room("reveals", sa.Column("question", sa.String(64), nullable=False),
            sa.UniqueConstraint("room_id", "question"))


def downgrade() -> None:
    for table in ("reveals", "answers", "students", "rooms"):
        op.drop_table(table)
