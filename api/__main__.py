"""`python -m api` runs the `allot` command."""

import sys

from api.cli import main

sys.exit(main())
