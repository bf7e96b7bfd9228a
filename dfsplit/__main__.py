"""The `dfsplit` command (console script and `python -m dfsplit`)."""

import gc
import os
import sys

# Starting dfsplit makes tens of thousands of objects that live until it exits (modules,
# classes, functions). At the collector's default pace (a collection every 700 new objects) it
# walks them again and again for nothing: about 5 % of a cold start. At this pace garbage
# cycles are still collected, a few megabytes at a time.
GC_THRESHOLD = 50_000


def main() -> None:
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])  # before the CLI's imports
    from dfsplit.cli import main as run

    try:
        run()
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    if not isinstance(code, int):  # sys.exit("message") or sys.exit(None)
        raise SystemExit(code)
    # The run is over and its files are written and closed: end the process without tearing
    # the interpreter down (freeing every module and object one by one took 5 % of a cold
    # start). Only the standard streams still hold output.
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: leave it to the interpreter, as before
        raise SystemExit(code) from None
    os._exit(code)


if __name__ == "__main__":
    main()
