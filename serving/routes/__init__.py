"""HTTP routes of the query API."""
