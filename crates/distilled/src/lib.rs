//! distilled: streaming data reduction (facade, under construction).

pub use distilled_core as core;
pub use distilled_fdt as fdt;
pub use distilled_ingest as ingest;
pub use distilled_kll as kll;
pub use distilled_select as select;
pub use distilled_tdigest as tdigest;
pub use distilled_theta as theta;
pub use distilled_window as window;
