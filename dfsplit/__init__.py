"""dfsplit: split naive single-stage Dockerfiles into builder, tester and runtime stages."""

__version__ = "0.1.0"
