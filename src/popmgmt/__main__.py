"""`python -m popmgmt`."""

import sys

from popmgmt.cli import main

# Guarded: the build's helper process (`pipeline.build`) starts a fresh interpreter
# that imports this module again by name; it must not run the command a second time.
if __name__ == "__main__":
    sys.exit(main())
