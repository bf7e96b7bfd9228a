"""Every user-facing line: the run on the terminal (run, whose `printable` makes text quoted
from a file safe for a terminal), the JSON of an outcome (outcome), fleet reports (fleet),
`dfsplit verify` results (verify), Markdown pieces and the exit codes.

With the CLI, the only modules that print; none touches the disk (the CLI writes reports).
"""
