# dfsplit's own image, for runners that execute steps in a container (Sourcegraph batch
# changes, CI). Build: docker build -t dfsplit .   Use: see docs/fleet.md.

FROM python:3.11-slim AS builder
WORKDIR /src
# Build the wheel and the wheels of its dependencies here, so the runtime installs offline
# and carries no build tools or pip cache.
COPY pyproject.toml README.md ./
COPY dfsplit/ dfsplit/
COPY templates/ templates/
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM builder AS tester
# The wheel must import and find its packaged templates without the source tree.
RUN pip install --no-cache-dir --no-index --find-links /wheels dfsplit \
    && cd / && dfsplit --version && python -c "import dfsplit.render as r; assert r.template_dir().is_dir()"

FROM python:3.11-slim AS runtime
# A bind mount instead of COPY: the wheels never become a layer of the final image.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels dfsplit
# A numeric non-root user: runners mount the checkout at /work; make it writable for 10001
# (or run with --user) when using --apply.
USER 10001:10001
WORKDIR /work
ENV PYTHONDONTWRITEBYTECODE=1
CMD ["dfsplit", "--help"]
