"""The ``strata`` command line: thin over the packages, starting services as processes."""
