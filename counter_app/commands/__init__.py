"""Sub-commands of ``counter-app``; each module has ``register(subparsers)``."""

from counter_app.commands import (
    db_cmd,
    demo_cmd,
    exchange_cmd,
    export_cmd,
    hall_cmd,
    print_cmd,
    seal_cmd,
    setup_cmd,
    user_cmd,
)

COMMAND_MODULES = [db_cmd, setup_cmd, hall_cmd, user_cmd, demo_cmd, print_cmd, export_cmd, exchange_cmd, seal_cmd]
