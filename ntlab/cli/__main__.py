import sys

from ntlab.cli import main

sys.exit(main())
