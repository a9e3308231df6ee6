"""Who is acting, from which window and PC: passed to every service call."""

from __future__ import annotations

import socket
from dataclasses import dataclass, replace

SYSTEM_USERNAME = "system"


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

    @property
    def is_system(self) -> bool:
        """The command line run by an administrator on the server (see :func:`system_actor`): whoever
        runs it holds the database credentials, so services let it do what any role may (export
        unmasked with a recorded reason, print any document) and record it as "system"."""
        return self.user_id is None and self.username == SYSTEM_USERNAME

    def at_window(self, window_id: int | None, window_no: int | None) -> Actor:
        return replace(self, window_id=window_id, window_no=window_no)


def this_pc() -> str:
    return socket.gethostname()


def system_actor(hall_id: int | None = None) -> Actor:
    """The command line run by an administrator on the server (db upgrade, demo data)."""
    return Actor(None, SYSTEM_USERNAME, "系统", "admin", hall_id=hall_id, pc=this_pc())
