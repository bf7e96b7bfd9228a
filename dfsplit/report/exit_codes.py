"""The exit codes of every dfsplit command (after black's 0 / 1 / 123), and the one text that
lists them for `--help`, the README and docs/fleet.md.

A refused or skipped file is an outcome, not an error: it is reported (stderr, the summary,
`--json`, `--report`) and the run still exits 0, so that one Dockerfile nobody can split does
not block a fleet's pull request or a pre-commit hook forever. `--strict` makes it an error.
"""

OK = 0  # done or nothing to do (refused and skipped files included); verify: all behave alike
CHANGED = 1  # rewrite --check: a file would change; verify: a rewrite fails or differs
USAGE = 2  # bad arguments or config; verify: no Docker engine answers
FAILED = 123  # a file failed (bad input, an internal error), or with --strict was refused

HELP = (
    "Exit codes: 0 done or nothing to do (refused and skipped files are reported, not "
    "errors); 1 --check found a file to rewrite; 2 usage error; 123 a file failed "
    "(unreadable, bad config, an internal error) or, with --strict, was refused."
)
