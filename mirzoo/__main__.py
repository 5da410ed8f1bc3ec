import sys

from mirzoo.cli import main

sys.exit(main())
