"""Every user-facing line: the run on the terminal (run), the JSON of an outcome (outcome),
fleet reports (fleet), `dfsplit verify` results (verify), Markdown pieces, the exit codes and
text made safe for a terminal (terminal).

With the CLI, the only modules that print; none touches the disk (the CLI writes reports).
"""
