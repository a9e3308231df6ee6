"""Sub-commands of ``counter-app``; each module has ``register(subparsers)``."""

from counter_app.commands import db_cmd, export_cmd, user_cmd

COMMAND_MODULES = [db_cmd, user_cmd, export_cmd]
