#!/bin/sh
echo "make demo: not implemented yet (see issues 4 and 6)" >&2
exit 1
