"""Rust: Cargo.toml, Cargo.lock and the `cargo build`/`cargo install`/`cargo run` lines, to
distroless/cc, a Debian slim image of the builder's release, or a musl-friendly runtime.

Modules here import only shared modules (dfsplit.model, dfsplit.dockerfile, dfsplit.plan).
"""

from dfsplit.plan.recipe import Recipe

RECIPES = (
    Recipe(
        "rust",
        "rust",
        (
            "**/Cargo.toml",
            "**/Cargo.lock",
            "**/*.rs",
            "**/.cargo/config.toml",
            "**/.cargo/config",
            "rust-toolchain",
            "rust-toolchain.toml",
        ),
        "dfsplit.recipes.rust.plan",
        manifest="Cargo.toml",
    ),
)
