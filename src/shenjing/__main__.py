"""``python -m shenjing ...`` runs the ``shenjing`` command."""

import sys

from .cli import main

sys.exit(main())
