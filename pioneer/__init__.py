"""Pioneer Index (先锋指数) pipeline: CLI, configuration and the nightly run."""

__version__ = "0.1.0"
