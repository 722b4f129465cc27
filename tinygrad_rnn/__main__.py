"""`python -m tinygrad_rnn ...` runs the `tinygrad-rnn` command (see cli.py)."""

import sys

from .cli import main

sys.exit(main())
