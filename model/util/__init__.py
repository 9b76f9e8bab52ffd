"""Small helpers with no FFN knowledge: deterministic module building (seeded), atomic
cache files, human-readable numbers, giving freed heap memory back (heap). May import no other part of model/."""
