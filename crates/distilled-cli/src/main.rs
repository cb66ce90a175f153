//! The `distill` command (under construction).

fn main() {
    let cmd = std::env::args().nth(1).unwrap_or_default();
    eprintln!("distill {cmd}: not built yet — the command-line tool is tracked in issue 10");
    std::process::exit(2);
}
