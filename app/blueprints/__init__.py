"""One blueprint per area the user sees."""
