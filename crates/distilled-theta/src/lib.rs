//! distilled-theta: under construction (see the issue tracker).
