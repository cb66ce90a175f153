//! distilled-kll: under construction (see the issue tracker).
