"""Lake: settings, layout, schemas, I/O, pure transforms; imports no other Strata package."""
