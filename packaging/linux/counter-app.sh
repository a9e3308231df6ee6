#!/bin/sh
# /usr/bin/counter-app of the .deb: the self-contained program under /opt (no Python needed).
exec /opt/counter-app/counter-app "$@"
