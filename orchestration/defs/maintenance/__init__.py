"""Lake upkeep: compaction, vacuum, landing clean-up."""
