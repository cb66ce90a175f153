//! distilled-window: under construction (see the issue tracker).
