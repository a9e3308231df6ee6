"""Who is acting, from which window and PC: passed to every service call."""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass, replace

SYSTEM_USERNAME = "system"
# Commands run without a signed-in account on SQLite act as the PC's operating-system user (one PC,
# the OS account is the boundary) and are audited under that name: "os:NAME" cannot be an account
# name (user names take no colon), so the trail never mistakes it for a person's account.
OS_USER_PREFIX = "os:"


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
    # halls a city or province supervisor is given besides its own (hall_grant, read at sign-in; on
    # PostgreSQL the database decides again from the login on every query)
    hall_grants: tuple[int, ...] = ()

    @property
    def is_system(self) -> bool:
        """The command line run by an administrator on the server (see :func:`system_actor`): whoever
        runs it holds the database credentials, so services let it do what any role may (export
        unmasked with a recorded reason, print any document) and record it as "system"."""
        return self.user_id is None and (self.username == SYSTEM_USERNAME or self.username.startswith(OS_USER_PREFIX))

    def at_window(self, window_id: int | None, window_no: int | None) -> Actor:
        return replace(self, window_id=window_id, window_no=window_no)


def this_pc() -> str:
    return socket.gethostname()


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers) and no LOGNAME/USER set
        return "unknown"


def system_actor(hall_id: int | None = None) -> Actor:
    """The command line without a signed-in account (SQLite: print, export, exchange, demo, upgrades),
    named after the operating-system user who runs it. On PostgreSQL every command signs in instead
    (counter_app.commands.identity) and the database stamps who did it."""
    name = os_user()
    return Actor(None, f"{OS_USER_PREFIX}{name}", f"本机用户 {name}", "admin", hall_id=hall_id, pc=this_pc())
