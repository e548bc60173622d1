#!/bin/sh
# make check-real: builds real templates from the host's mirror. Filled by the
# Builder issues; until then it fails loudly so nobody mistakes it for a pass.
echo "make check-real: not implemented yet (see issues 3 and 4)" >&2
exit 1
