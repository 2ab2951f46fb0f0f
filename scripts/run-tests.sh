#!/bin/sh
# make check: run every test; the last line counts them all.
exec /usr/bin/python3 "$(dirname "$0")/run-tests.py" "${1:-build}"
