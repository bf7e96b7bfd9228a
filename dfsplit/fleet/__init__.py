"""Many Dockerfiles at once: discovery, policy files, the parallel map, --apply and patches.

An IO edge (it walks, reads config files and writes patches); it calls the pure pipeline and
never prints: the CLI shows what it returns through dfsplit.report.
"""
