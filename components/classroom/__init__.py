"""Class mode in the pages: a session's membership of a room (membership.py: joining by link, the
RoomLink the prediction widget sends answers through, following the teacher) and the teacher's
dashboard (dashboard.py). The storage is classroom/, reached only through classroom.rooms."""
