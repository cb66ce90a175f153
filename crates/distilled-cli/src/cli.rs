//! Command-line definitions (clap derive). Every subcommand carries worked examples in `--help`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Representative subsets of CSV / JSON-lines streams, and sketch queries on files.
#[derive(Debug, Parser)]
#[command(
    name = "distill",
    version,
    about = "Representative subsets of CSV / JSON-lines streams, and sketch queries on files.",
    after_help = "Examples:\n  \
        distill demo\n  \
        distill select --time-column ts --rate 0.1 --categorical carrier,origin --numeric dep_delay,distance < flights.csv > sample.csv\n  \
        seq 1 100000 | distill quantiles --sketch kll --ranks 0.01,0.5,0.99\n  \
        distill distinct --column user_id --input events.csv\n  \
        distill fdt --columns user,page --primary user --input visits.csv\n\n\
        Run `distill <command> --help` for each command's options and examples."
)]
pub struct Cli {
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Pass a representative subset of a stream through, each output line verbatim.
    #[command(after_help = SELECT_EXAMPLES)]
    Select(SelectArgs),
    /// Quantiles of a numeric stream with a KLL or t-digest sketch.
    #[command(after_help = QUANTILES_EXAMPLES)]
    Quantiles(QuantilesArgs),
    /// Approximate distinct count with a theta sketch.
    #[command(after_help = DISTINCT_EXAMPLES)]
    Distinct(DistinctArgs),
    /// Frequent distinct tuples: for each primary key, how many distinct other values it has.
    #[command(after_help = FDT_EXAMPLES)]
    Fdt(FdtArgs),
    /// Distil a built-in generated stream and show that the subset is representative.
    #[command(after_help = DEMO_EXAMPLES)]
    Demo(DemoArgs),
}

const SELECT_EXAMPLES: &str = "Examples:\n  \
    # 10% of a CSV, balanced on two categorical and two numeric columns, event time in `ts`\n  \
    distill select --time-column ts --horizon 3600 --rate 0.1 \\\n      \
    --categorical carrier,origin --numeric dep_delay,distance < flights.csv > sample.csv\n\n  \
    # JSON lines from a file, arrival time, statistics and an HTML report\n  \
    distill select --format jsonl --input events.jsonl --categorical country --numeric latency_ms \\\n      \
    --stats stats.json --report report.html > sample.jsonl\n\n  \
    # keep going over malformed rows (they are counted in --stats)\n  \
    distill select --skip-invalid --numeric price --stats stats.json < messy.csv > sample.csv";

const QUANTILES_EXAMPLES: &str = "Examples:\n  \
    seq 1 1000000 | distill quantiles --ranks 0.01,0.5,0.99\n  \
    distill quantiles --sketch tdigest -k 200 --column latency --input requests.csv --save lat.td\n  \
    distill quantiles --sketch kll --load sketch.kll --ranks 0.5,0.9";

const DISTINCT_EXAMPLES: &str = "Examples:\n  \
    cut -d, -f3 events.csv | distill distinct\n  \
    distill distinct --lg-k 14 --column user_id --input events.csv --save users.theta\n  \
    distill distinct --load users.theta";

const FDT_EXAMPLES: &str = "Examples:\n  \
    # for each user, roughly how many distinct pages did they visit?\n  \
    distill fdt --columns user,page --primary user --input visits.csv --top 10\n  \
    distill fdt --columns src_ip,dst_ip,port --primary src_ip --json < flows.csv";

const DEMO_EXAMPLES: &str = "Examples:\n  \
    distill demo\n  \
    distill demo --rows 500000 --rate 0.05 --report /tmp/demo.html";

/// Input encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Comma-separated values with a header line (blank lines are skipped, not records).
    Csv,
    /// One JSON object per line (blank lines are skipped, not records).
    Jsonl,
}

/// Where records come from and how they are encoded.
#[derive(Debug, Args, Clone, PartialEq)]
pub struct InputArgs {
    /// Read from this file instead of standard input.
    #[arg(long, short = 'i')]
    pub input: Option<PathBuf>,
    /// Input encoding.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// CSV field delimiter (one ASCII character).
    #[arg(long, default_value_t = ',')]
    pub delimiter: char,
}

/// `distill select`.
#[derive(Debug, Args, Clone, PartialEq)]
pub struct SelectArgs {
    /// Where records come from.
    #[command(flatten)]
    pub input: InputArgs,
    /// Write selected records here instead of standard output.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Column holding the event time: unix seconds (integer or fractional) or RFC 3339.
    /// Without it, each record's arrival time is used.
    #[arg(long)]
    pub time_column: Option<String>,
    /// Length of the window, in seconds, over which the subset is kept representative.
    #[arg(long, default_value_t = 3600.0)]
    pub horizon: f64,
    /// Fraction of records to pass, in (0, 1].
    #[arg(long, default_value_t = 0.1)]
    pub rate: f64,
    /// Categorical columns to balance (comma-separated). An empty cell or null is a missing value.
    #[arg(long, value_delimiter = ',')]
    pub categorical: Vec<String>,
    /// Numeric columns to balance (comma-separated). An empty cell or null is a missing value,
    /// and so is NaN or an infinity (counted in the "missing" bucket of --stats).
    #[arg(long, value_delimiter = ',')]
    pub numeric: Vec<String>,
    /// Most categories tracked per categorical column, discovered from the stream in order of
    /// first appearance (a category first seen late is balanced like the others); new values
    /// beyond the limit are pooled as "other" and counted in --stats (`overflow_to_other`).
    #[arg(long, default_value_t = 32)]
    pub max_categories: usize,
    /// Records per selection batch. Output is flushed whenever no more input is ready, so a
    /// consumer sees rows while input still arrives.
    #[arg(long, default_value_t = 100)]
    pub batch_size: usize,
    /// Seed for the selection's randomness (same input and seed, same output).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Skip malformed records (counted in --stats) instead of stopping at the first.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Write counts and the selection's statistics as JSON to this file.
    #[arg(long)]
    pub stats: Option<PathBuf>,
    /// Write a self-contained HTML report (inline SVG) to this file.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

impl SelectArgs {
    /// What `distill select [--time-column T] --categorical C,.. --numeric N,..` parses to:
    /// CSV from standard input to standard output, every other option at its default. For
    /// programs that run a selection without a command line (the demo, benches); set other
    /// fields with struct update syntax.
    pub fn for_columns(time_column: Option<&str>, categorical: &[&str], numeric: &[&str]) -> Self {
        SelectArgs {
            input: InputArgs {
                input: None,
                format: Format::Csv,
                delimiter: ',',
            },
            output: None,
            time_column: time_column.map(str::to_owned),
            horizon: 3600.0,
            rate: 0.1,
            categorical: categorical.iter().map(|&c| c.to_owned()).collect(),
            numeric: numeric.iter().map(|&c| c.to_owned()).collect(),
            max_categories: 32,
            batch_size: 100,
            seed: 0,
            skip_invalid: false,
            stats: None,
            report: None,
        }
    }
}

/// Quantile sketch kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QuantileKind {
    /// KLL (DataSketches KLL doubles format).
    Kll,
    /// t-digest, DataSketches' variant (K2 scale, t-digest double format), so
    /// that saved files match what the other DataSketches libraries write and
    /// answer the same when loaded back.
    Tdigest,
}

/// `distill quantiles`.
#[derive(Debug, Args, Clone)]
pub struct QuantilesArgs {
    /// Where records come from.
    #[command(flatten)]
    pub input: InputArgs,
    /// Which sketch to use.
    #[arg(long, value_enum, default_value_t = QuantileKind::Kll)]
    pub sketch: QuantileKind,
    /// Accuracy parameter: KLL k (default 200) or DataSketches' t-digest k (default 100).
    #[arg(short = 'k', long = "k")]
    pub k: Option<u16>,
    /// Read this CSV / JSON-lines column instead of one number per line.
    #[arg(long)]
    pub column: Option<String>,
    /// Normalised ranks to report (comma-separated, each in [0, 1]).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0,0.01,0.1,0.25,0.5,0.75,0.9,0.99,1"
    )]
    pub ranks: Vec<f64>,
    /// Save the sketch in DataSketches bytes to this file. (t-digest: the
    /// format cannot mark centroids of one repeated value, so a loaded digest
    /// interpolates inside them, as the other DataSketches libraries do.)
    #[arg(long)]
    pub save: Option<PathBuf>,
    /// Query a sketch file (DataSketches bytes) instead of reading input.
    #[arg(long)]
    pub load: Option<PathBuf>,
    /// Skip unparsable lines (counted on stderr) instead of stopping.
    #[arg(long)]
    pub skip_invalid: bool,
}

/// `distill distinct`.
#[derive(Debug, Args, Clone)]
pub struct DistinctArgs {
    /// Where records come from.
    #[command(flatten)]
    pub input: InputArgs,
    /// log2 of the theta sketch's nominal entries (4..=26).
    #[arg(long, default_value_t = 12)]
    pub lg_k: u8,
    /// Read this CSV / JSON-lines column instead of one item per line.
    #[arg(long)]
    pub column: Option<String>,
    /// Save the sketch as DataSketches compact theta bytes.
    #[arg(long)]
    pub save: Option<PathBuf>,
    /// Query a compact theta sketch file instead of reading input.
    #[arg(long)]
    pub load: Option<PathBuf>,
}

/// `distill fdt`.
#[derive(Debug, Args, Clone)]
pub struct FdtArgs {
    /// Where records come from.
    #[command(flatten)]
    pub input: InputArgs,
    /// The columns forming each tuple (comma-separated).
    #[arg(long, value_delimiter = ',', required = true)]
    pub columns: Vec<String>,
    /// The primary-key columns, a subset of --columns (comma-separated).
    #[arg(long, value_delimiter = ',', required = true)]
    pub primary: Vec<String>,
    /// Threshold: the fraction of distinct tuples a primary key must reach to be tracked well.
    #[arg(long, default_value_t = 0.1)]
    pub threshold: f64,
    /// Target relative standard error for keys above the threshold.
    #[arg(long, default_value_t = 0.05)]
    pub rse: f64,
    /// Show at most this many groups, largest first (0: all of them).
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Standard deviations for the bounds (1, 2 or 3).
    #[arg(long, default_value_t = 2)]
    pub std_dev: u8,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `distill demo`.
#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// Number of generated people.
    #[arg(long, default_value_t = 200_000)]
    pub rows: usize,
    /// Fraction to pass.
    #[arg(long, default_value_t = 0.1)]
    pub rate: f64,
    /// Seed of the generator and the selection.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Where to write the HTML report.
    #[arg(long, default_value = "distill-demo.html")]
    pub report: PathBuf,
    /// Also write the generated stream as CSV to this file (to try `distill select` on it).
    #[arg(long)]
    pub save_csv: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Cli, Command, SelectArgs};

    #[test]
    fn select_args_for_columns_are_the_command_line_defaults() {
        let parsed = Cli::try_parse_from([
            "distill",
            "select",
            "--time-column",
            "ts",
            "--categorical",
            "a,b",
            "--numeric",
            "x",
        ])
        .unwrap();
        let Command::Select(parsed) = parsed.command else {
            panic!("not a select command");
        };
        assert_eq!(
            parsed,
            SelectArgs::for_columns(Some("ts"), &["a", "b"], &["x"])
        );
    }
}
