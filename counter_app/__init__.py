"""counter_app — 营业厅业扩报装窗口受理系统."""

__version__ = "0.1.0"
APP_NAME = "counter-app"
APP_AUTHOR = "counter-app"
