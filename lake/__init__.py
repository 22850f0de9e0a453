"""Lake: settings, table schemas, layout, I/O, pure transforms, the loads; imports no other
Strata package."""
