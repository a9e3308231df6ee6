"""Who is acting, from which window and PC: passed to every service call."""

from __future__ import annotations

import socket
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    name: str
    role: str  # clerk | backoffice | supervisor | admin
    hall_id: int | None = None
    window_id: int | None = None
    window_no: int | None = None
    pc: str = ""

    def at_window(self, window_id: int | None, window_no: int | None) -> Actor:
        return replace(self, window_id=window_id, window_no=window_no)


def this_pc() -> str:
    return socket.gethostname()


def system_actor(hall_id: int | None = None) -> Actor:
    """The command line run by an administrator on the server (db upgrade, demo data)."""
    return Actor(None, "system", "系统", "admin", hall_id=hall_id, pc=this_pc())
