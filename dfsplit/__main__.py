"""The `dfsplit` command (console script and `python -m dfsplit`)."""

import gc

# Starting dfsplit makes tens of thousands of objects that live until it exits (modules,
# classes, functions). At the collector's default pace (a collection every 700 new objects) it
# walks them again and again for nothing: about 5 % of a cold start. At this pace garbage
# cycles are still collected, a few megabytes at a time.
GC_THRESHOLD = 50_000


def main() -> None:
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])  # before the CLI's imports
    from dfsplit.cli import main as run

    run()


if __name__ == "__main__":
    main()
