"""Query API over the hot tier."""
