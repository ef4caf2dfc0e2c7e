import sys

from vdwgym.cli import main

sys.exit(main())
