"""The warehouse domain: the dbt project's models as assets."""
