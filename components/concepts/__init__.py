"""The concept pages (why attention is not enough, position-wise, gating, MoE): figure
builders (pure) and cached views of model/demos."""
