"""Assets, sensors and jobs of the lake layers."""
