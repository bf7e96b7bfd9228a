"""Docker's own rules, once: parsing as BuildKit does (parser), word rules (words), ENV and
ARG scope through a stage (scope), RUN lexing (shell), values as safe tokens (tokens), line
edits (edits) and path patterns (globs).

Pure functions over text; these modules import dfsplit.model and each other, nothing else.
"""
