//! The seam between the command and the selection: `DistilledProcessor` from the facade,
//! driven through `classify_batch_at` so that records never move and output stays verbatim.

use distilled::select::{
    CategoryDictionary, CharacteristicKind, Decision, DistilledProcessor, Grade, Grader,
    GraderKind, LeafCoder, Stats,
};
use serde_json::{Value, json};

/// One parsed record as the processor sees it: numeric values first (NaN = missing), then
/// category ids as `f64` (NaN = missing; ids index [`Characteristics::categorical`]'s lists,
/// the last id of each list being "other").
pub type Rec = Box<[f64]>;

/// What became of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Passed through to the output.
    Passed,
    /// Seen and counted in the window, not passed.
    NotSelected,
    /// Event time older than the horizon allows.
    Late,
    /// Rejected by the processor (e.g. no usable time).
    Invalid,
}

/// The characteristics to balance.
#[derive(Debug, Clone)]
pub struct Characteristics {
    /// Numeric column names (their values are `Rec[0..numeric.len()]`).
    pub numeric: Vec<String>,
    /// Categorical column names with their categories (the last one is "other").
    pub categorical: Vec<(String, Vec<String>)>,
    /// Empty, or one dictionary per categorical column: categories discovered from the stream
    /// (ids in order of first appearance). The lists in `categorical` then hold the dictionary's
    /// capacity (placeholders until [`Characteristics::name_discovered`]) plus "other".
    pub discovered: Vec<CategoryDictionary>,
}

impl Characteristics {
    /// Replace the placeholder category names with those discovered so far.
    pub fn name_discovered(&mut self) {
        for ((_, list), d) in self.categorical.iter_mut().zip(&self.discovered) {
            for (slot, name) in list.iter_mut().zip(d.categories()) {
                *slot = name;
            }
        }
    }
}

/// Selection settings.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Fraction to pass.
    pub rate: f64,
    /// Window length in seconds.
    pub horizon: f64,
    /// Records per selection batch.
    pub batch_size: usize,
    /// Seed.
    pub seed: u64,
}

/// A selection engine.
pub trait Engine {
    /// One verdict per record, in order.
    fn classify(&mut self, batch: &[(f64, Rec)]) -> Vec<Verdict> {
        let mut out = Vec::with_capacity(batch.len());
        self.classify_into(batch, &mut out);
        out
    }
    /// Like [`Engine::classify`], into `out` (cleared first), reusing its allocation.
    fn classify_into(&mut self, batch: &[(f64, Rec)], out: &mut Vec<Verdict>);
    /// A snapshot of the engine's numeric bucket boundaries, so that another thread can
    /// compute the records' leaf codes ahead of [`Engine::classify_precoded_into`] (`None`
    /// for an engine without any).
    fn leaf_coder(&mut self) -> Option<LeafCoder> {
        None
    }
    /// Like [`Engine::classify_into`], with `codes[i * w + c] = coder.code(c, batch[i].1[c])`
    /// from a [`LeafCoder`] of generation `generation` (`w` values per record). The verdicts
    /// are the same as without codes.
    fn classify_precoded_into(
        &mut self,
        batch: &[(f64, Rec)],
        codes: &[u32],
        generation: u64,
        out: &mut Vec<Verdict>,
    ) {
        let _ = (codes, generation);
        self.classify_into(batch, out);
    }
    /// Like [`Engine::classify_precoded_into`], with the batch also given flat: `ts[i]` and
    /// `rows[i * w..(i + 1) * w]` are `batch[i]`'s time and values. The verdicts are the same.
    fn classify_rows_into(
        &mut self,
        batch: &[(f64, Rec)],
        ts: &[f64],
        rows: &[f64],
        codes: &[u32],
        generation: u64,
        out: &mut Vec<Verdict>,
    ) {
        let _ = (ts, rows);
        self.classify_precoded_into(batch, codes, generation, out);
    }
    /// The processor's statistics as JSON (null for an engine without any).
    fn stats(&self) -> Value {
        Value::Null
    }
}

/// Build the engine for these characteristics.
pub fn build(chars: &Characteristics, s: Settings) -> Result<Box<dyn Engine>, String> {
    let mut b = DistilledProcessor::<Rec>::builder()
        .rate(s.rate)
        .horizon_secs(s.horizon)
        .batch_size(s.batch_size)
        .seed(s.seed);
    for (i, name) in chars.numeric.iter().enumerate() {
        b = b.numeric(name, move |r: &Rec| {
            let v = r[i];
            (!v.is_nan()).then_some(v)
        });
    }
    let nn = chars.numeric.len();
    for (j, (name, cats)) in chars.categorical.iter().enumerate() {
        b = b.grader(IdGrader {
            name: name.clone(),
            // The last entry is our "other"; the processor has its own.
            categories: cats[..cats.len() - 1].to_vec(),
            dict: chars.discovered.get(j).cloned(),
            slot: nn + j,
        });
    }
    let p = b
        .build()
        .map_err(|e| format!("invalid selection settings: {e}"))?;
    Ok(Box::new(p))
}

/// A categorical grader over category ids already resolved by the parser (with `dict`, the
/// dictionary that discovers them; its capacity is `categories.len()`).
struct IdGrader {
    name: String,
    categories: Vec<String>,
    dict: Option<CategoryDictionary>,
    slot: usize,
}

impl Grader<Rec> for IdGrader {
    fn name(&self) -> &str {
        &self.name
    }
    fn kind(&self) -> GraderKind {
        match &self.dict {
            Some(d) => GraderKind::DiscoveredCategorical {
                max_categories: d.max_categories(),
            },
            None => GraderKind::Categorical {
                categories: self.categories.clone(),
            },
        }
    }
    fn categories_now(&self) -> Vec<String> {
        match &self.dict {
            Some(d) => d.categories(),
            None => self.categories.clone(),
        }
    }
    fn overflow(&self) -> u64 {
        self.dict.as_ref().map_or(0, CategoryDictionary::overflow)
    }
    #[inline]
    fn grade(&self, r: &Rec) -> Grade {
        let v = r[self.slot];
        if v.is_nan() {
            Grade::Missing
        } else if (v as usize) < self.categories.len() {
            Grade::Category(v as u32)
        } else {
            Grade::Other
        }
    }
}

fn verdict(d: Decision) -> Verdict {
    match d {
        Decision::Passed => Verdict::Passed,
        Decision::NotSelected => Verdict::NotSelected,
        Decision::Late => Verdict::Late,
        Decision::Invalid => Verdict::Invalid,
    }
}

impl Engine for DistilledProcessor<Rec> {
    fn classify_into(&mut self, batch: &[(f64, Rec)], out: &mut Vec<Verdict>) {
        out.clear();
        out.extend(self.classify_batch_at(batch).into_iter().map(verdict));
    }

    fn leaf_coder(&mut self) -> Option<LeafCoder> {
        Some(DistilledProcessor::leaf_coder(self))
    }

    fn classify_precoded_into(
        &mut self,
        batch: &[(f64, Rec)],
        codes: &[u32],
        generation: u64,
        out: &mut Vec<Verdict>,
    ) {
        out.clear();
        out.extend(
            self.classify_batch_precoded_at(batch, codes, generation)
                .into_iter()
                .map(verdict),
        );
    }

    /// The values of a [`Rec`] are the graders' answers (numeric values, NaN for missing;
    /// category ids below the list's length, anything else "other"), so the rows go to the
    /// processor without calling the graders.
    fn classify_rows_into(
        &mut self,
        _batch: &[(f64, Rec)],
        ts: &[f64],
        rows: &[f64],
        codes: &[u32],
        generation: u64,
        out: &mut Vec<Verdict>,
    ) {
        out.clear();
        out.extend(
            self.classify_rows_at(ts, rows, codes, generation)
                .expect("the reader hands on one value per grader and record")
                .into_iter()
                .map(verdict),
        );
    }

    fn stats(&self) -> Value {
        stats_json(&DistilledProcessor::stats(self))
    }
}

/// The processor's statistics as JSON (built by hand so that the facade's serde feature is not
/// needed).
pub fn stats_json(s: &Stats) -> Value {
    let chars: Vec<Value> = s
        .characteristics
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "kind": match c.kind {
                    CharacteristicKind::Categorical => "categorical",
                    CharacteristicKind::Numeric => "numeric",
                },
                "distance": c.distance,
                "quantile_buckets": c.quantile_buckets,
                "overflow_to_other": c.overflow_to_other,
                "buckets": c.buckets.iter().map(|b| json!({
                    "label": b.label,
                    "share_all": b.share_all,
                    "share_passed": b.share_passed,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "seen": s.seen,
        "passed": s.passed,
        "not_selected": s.not_selected,
        "rejected_invalid": s.rejected_invalid,
        "rejected_late": s.rejected_late,
        "window_len": s.window_len,
        "window_passed": s.window_passed,
        "pass_rate": s.pass_rate,
        "target_rate": s.target_rate,
        "now": s.now,
        "boundary_rebuilds": s.boundary_rebuilds,
        "characteristics": chars,
    })
}
