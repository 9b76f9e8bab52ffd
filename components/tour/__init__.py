"""The guided tour's live views, one per step; the steps' wording is in content/tour.py."""
