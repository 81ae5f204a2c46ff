"""``python -m k8slab`` is the ``k8slab`` command."""

import sys

from k8slab.cli import main

sys.exit(main())
