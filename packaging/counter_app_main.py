"""Entry point of the installed program (PyInstaller bundle): the same as the ``counter-app`` script."""

from counter_app.cli import main

raise SystemExit(main())
