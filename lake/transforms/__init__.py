"""Pure Polars transforms: LazyFrame in, LazyFrame out."""
