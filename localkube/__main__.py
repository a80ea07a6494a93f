"""Entry point: ``python -m localkube serve --port 6443 --state-dir DIR``."""

import sys

from localkube.cli import main

sys.exit(main())
