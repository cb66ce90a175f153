//! distilled-tdigest: under construction (see the issue tracker).
