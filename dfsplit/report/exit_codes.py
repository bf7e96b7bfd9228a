"""The exit codes of every dfsplit command (after black's 0 / 1 / 123)."""

OK = 0  # done, or nothing to do; verify: every rewrite behaves like its original
CHANGED = 1  # rewrite --check: a file would change; verify: a rewrite fails or differs
USAGE = 2  # bad arguments or config; verify: no Docker engine answers
FAILED = 123  # a file was refused or could not be processed (the reason is on stderr)
