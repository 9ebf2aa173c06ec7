"""The reader process of a parallel import (see :mod:`pos.files.reader_process`)."""

import sys

from pos.files.reader_process import main

main(sys.argv[1:])
