//! distilled-fdt: under construction (see the issue tracker).
