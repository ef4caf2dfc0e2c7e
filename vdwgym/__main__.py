import sys

from vdwgym.cli import main

if __name__ == "__main__":
    sys.exit(main())
