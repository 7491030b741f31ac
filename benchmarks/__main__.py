"""``python -m benchmarks [--quick] [--output PATH]``."""

from benchmarks.run import main

raise SystemExit(main())
