"""Resource classes and the command-line pipeline runner."""
