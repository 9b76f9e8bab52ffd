"""The tables of class mode. Their shape changes only by a migration (migrations/versions/)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Room(Base):
    __tablename__ = "rooms"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)  # what students type
    secret_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the teacher's secret, never the secret
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    cap: Mapped[int] = mapped_column(Integer)  # the most students it takes
    students: Mapped[int] = mapped_column(Integer, default=0)  # joined so far, raised only below cap
    page: Mapped[str] = mapped_column(String(64), default="")  # where the teacher moved the room ('' : nowhere yet)
    step: Mapped[int] = mapped_column(Integer, default=0)  # the tour step, on the tour page
    question: Mapped[str] = mapped_column(String(64), default="")  # the question on the teacher's screen
    phase: Mapped[str] = mapped_column(String(8), default="live")  # live | pre | post (the concept check)
    version: Mapped[int] = mapped_column(Integer, default=0)  # raised by every teacher action: students follow it


class InRoom:
    """A row that belongs to a room and goes when the room goes."""
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)


class Student(InRoom, Base):
    """An anonymous student: a random id from the browser session, nothing else."""
    __tablename__ = "students"
    __table_args__ = (UniqueConstraint("room_id", "token"),)
    token: Mapped[str] = mapped_column(String(64))


class Answer(InRoom, Base):
    """One student's current answer to one question in one phase; a changed answer replaces it."""
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("student_id", "question", "phase"),)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(64))
    phase: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(Text)  # JSON of the validated answer: an index, a number or a list of indices
    answered: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Reveal(InRoom, Base):
    """A question whose answer the teacher has shown the room."""
    __tablename__ = "reveals"
    __table_args__ = (UniqueConstraint("room_id", "question"),)
    question: Mapped[str] = mapped_column(String(64))
