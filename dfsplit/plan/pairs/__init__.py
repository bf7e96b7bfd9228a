"""Builder-pattern pairs: a build Dockerfile, a runtime Dockerfile and the script between them.

`script` reads sh scripts and Makefiles into docker commands, `docker` gives those commands
Docker's meaning (images, containers, what reaches the host), `find` and `names` pair the two
Dockerfiles, `merge` writes the one multi-stage file and `prune` simplifies the script. Pure:
the IO edge (dfsplit.fleet.pairs) reads the files; only dfsplit.model, dfsplit.dockerfile and
the shared planning modules are imported.
"""
