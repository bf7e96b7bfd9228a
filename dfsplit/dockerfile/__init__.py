"""Docker's own rules, once: parsing as BuildKit does (parser), word rules (words), ENV and
ARG scope through a stage (scope), RUN lexing (shell), values as safe tokens (tokens), line
edits (edits), path patterns (globs), paths in an image, cleaned as Go cleans them (paths),
and what BuildKit refuses to build (rules).

Pure functions over text; these modules import dfsplit.model and each other, nothing else.
"""
