"""The concept pages (why attention is not enough, position-wise, gating, MoE): figure
builders (pure), cached views of model/demos, and the figures that settle their predictions (answers)."""
