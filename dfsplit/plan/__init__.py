"""split(): detect, the builder-stage model, what the runtime keeps and needs, the self-check.

`pipeline.split` is the pure centre; the recipe contract is `recipe`; `stage`, `runs`,
`carry`, `portable`, `startform`, `runtime`, `runfiles`, `images`, `packages`, `libraries` and
`mounts` are the shared rules every recipe uses; `buildkit` decides whether cache mounts are
added; `check` re-reads the rendered file. No disk, no terminal: only dfsplit.model,
dfsplit.dockerfile, render (pipeline) and the registry (detect) are imported.
"""
