import sys

from cvlfic.cli import main

sys.exit(main())
