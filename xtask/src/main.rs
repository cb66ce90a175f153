//! Project automation, run as `cargo xtask <command>`.
//!
//! * `ci`: what `.ci/run` runs: format check, clippy with warnings denied,
//!   rustdoc with warnings denied, the whole test suite, and the loom model
//!   tests.
//! * `fixtures`: regenerates the cross-language fixtures with the Python
//!   `datasketches` 5.2.0 wheel, in a virtualenv this command creates under
//!   `target/fixtures-venv`. Every `xtask/fixtures/*.py` script is run from the
//!   workspace root. Tests read the committed results and never need Python.
//! * `bench [NAME...]`: runs the criterion benchmarks in `benches/` (all of
//!   them, or the named ones), peers included in the same run.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const WHEEL: &str = "datasketches==5.2.0";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(&root),
        Some("test") => test(&root),
        Some("fixtures") => fixtures(&root),
        Some("bench") => bench(&root, &args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n\
                 commands:\n  \
                 ci         fmt check, clippy -D warnings, rustdoc -D warnings, tests, loom models\n  \
                 test       the tests and loom models only\n  \
                 fixtures   regenerate cross-language fixtures with the datasketches 5.2.0 wheel\n  \
                 bench      run the criterion benchmarks (optionally: names of bench files)"
            );
            Err("no command".into())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}

fn run(root: &Path, program: &str, args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    eprintln!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed: {status}", args.join(" ")))
    }
}

fn ci(root: &Path) -> Result<(), String> {
    run(root, "cargo", &["fmt", "--all", "--", "--check"], &[])?;
    run(
        root,
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--profile",
            "test",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    // Broken intra-doc links are invisible to clippy and the tests.
    run(
        root,
        "cargo",
        &["doc", "--workspace", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    test(root)
}

fn test(root: &Path) -> Result<(), String> {
    run(root, "cargo", &["test", "--workspace"], &[])?;
    // Loom explores interleavings of the ingest layer's publication protocol;
    // it needs its own cfg, hence its own build directory.
    if root.join("crates/distilled-ingest/tests/loom.rs").exists() {
        run(
            root,
            "cargo",
            &[
                "test",
                "--package",
                "distilled-ingest",
                "--test",
                "loom",
                "--release",
                "--target-dir",
                "target/loom",
            ],
            &[("RUSTFLAGS", "--cfg loom"), ("LOOM_MAX_PREEMPTIONS", "3")],
        )?;
    }
    Ok(())
}

fn fixtures(root: &Path) -> Result<(), String> {
    let venv = root.join("target/fixtures-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        run(
            root,
            "python3",
            &["-m", "venv", &venv.to_string_lossy()],
            &[],
        )?;
    }
    let py = python.to_string_lossy().into_owned();
    run(
        root,
        &py,
        &["-m", "pip", "install", "--quiet", WHEEL, "numpy"],
        &[],
    )?;
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(root.join("xtask/fixtures"))
        .map_err(|e| format!("cannot list xtask/fixtures: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    scripts.sort();
    for s in scripts {
        run(root, &py, &[&s.to_string_lossy()], &[])?;
    }
    Ok(())
}

fn bench(root: &Path, names: &[String]) -> Result<(), String> {
    let mut args = vec!["bench", "--package", "distilled-benches"];
    for n in names {
        args.push("--bench");
        args.push(n);
    }
    run(root, "cargo", &args, &[])
}
