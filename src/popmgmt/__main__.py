"""`python -m popmgmt`."""

import sys

from popmgmt.cli import main

sys.exit(main())
