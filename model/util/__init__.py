"""Small helpers with no FFN knowledge: deterministic module building (seeded), atomic
cache files, human-readable numbers, every FFNLAB_* setting (settings). May import no other part of model/."""
