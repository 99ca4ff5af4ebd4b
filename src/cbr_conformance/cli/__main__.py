"""`python -m cbr_conformance.cli`: the `cbr-conformance` command."""

import sys

from cbr_conformance.cli.parser import main

sys.exit(main())
