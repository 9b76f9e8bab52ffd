"""The activation-functions page: its figure builders (pure) and cached views."""
