#!/bin/sh
exec "$(dirname "$0")/publish.sh" "$@"
