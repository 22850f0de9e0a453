"""Server-side enrichment: user agent, bots, geo, URL/UTM parsing and channel grouping."""
