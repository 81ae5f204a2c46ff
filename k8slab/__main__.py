"""``python -m k8slab`` is the ``k8slab`` command."""

import sys

from .cli import main

sys.exit(main())
