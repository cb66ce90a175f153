//! `distill`: representative subsets of CSV / JSON-lines streams, and sketch queries on files.
//!
//! Exit status: 0 on success, 1 on a data or I/O error (the message names the line and column
//! of a malformed record), 2 on a usage error (from clap).

use clap::Parser;
use distilled_cli::{cli, demo, select, sketches};

fn main() {
    let args = cli::Cli::parse();
    let result = match &args.command {
        cli::Command::Select(a) => select::run(a),
        cli::Command::Quantiles(a) => sketches::quantiles(a),
        cli::Command::Distinct(a) => sketches::distinct(a),
        cli::Command::Fdt(a) => sketches::fdt(a),
        cli::Command::Demo(a) => demo::run(a),
    };
    if let Err(msg) = result {
        eprintln!("distill: {msg}");
        std::process::exit(1);
    }
}
