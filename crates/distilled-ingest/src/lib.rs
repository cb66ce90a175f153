//! distilled-ingest: under construction (see the issue tracker).
