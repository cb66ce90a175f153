//! Binomial bounds of the theta family (the DataSketches procedure, exact
//! search and equivalence tables included), shared with distilled-theta.

pub(crate) use distilled_theta::bounds::{lower_bound, upper_bound};
