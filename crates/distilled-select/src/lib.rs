//! distilled-select: under construction (see the issue tracker).
