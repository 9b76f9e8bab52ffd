"""The activation-functions page: its figure builders (pure), cached views, and the figures that
settle its predictions (answers)."""
