//! `--report` and `distill demo`: the HTML is well formed and has one chart per characteristic.

mod common;

use common::{csv, distill, scratch};

/// Check that the markup is well-formed XML-style HTML: every tag closed in order, no stray
/// `<` or `&`. Returns the number of `<figure class="chart"` elements.
fn check_well_formed(html: &str) -> usize {
    let body = html
        .strip_prefix("<!DOCTYPE html>\n")
        .expect("doctype first");
    let mut stack: Vec<String> = Vec::new();
    let mut rest = body;
    let mut charts = 0;
    while let Some(i) = rest.find(['<', '&']) {
        let (_, tail) = rest.split_at(i);
        if tail.starts_with('&') {
            let end = tail.find(';').expect("entity ends with ;");
            let ent = &tail[..=end];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].contains(&ent),
                "unknown entity {ent}"
            );
            rest = &tail[end + 1..];
            continue;
        }
        let end = tail.find('>').expect("tag closes");
        let tag = &tail[1..end];
        assert!(!tag.contains('<'), "stray < in {tag}");
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("close {name} without open"));
            assert_eq!(open, name, "mismatched tags");
        } else if !tag.ends_with('/') {
            let name: String = tag.chars().take_while(|c| !c.is_whitespace()).collect();
            if name == "figure" && tag.contains("class=\"chart\"") {
                charts += 1;
            }
            stack.push(name);
        }
        rest = &tail[end + 1..];
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    assert!(!html.contains("<script"), "no scripts");
    assert!(!html.contains("src=\"http"), "no external resources");
    charts
}

#[test]
fn report_has_one_chart_per_characteristic() {
    let dir = scratch("report");
    let rep = dir.join("r.html");
    let full = String::from_utf8(csv(6_000, 21)).unwrap();
    let (head, rows) = full.split_once('\n').unwrap();
    // A category with markup in it (frequent enough to be tracked) must be escaped.
    let mut input = format!("{head}\n");
    for i in 0..50 {
        input.push_str(&format!("{},z,<b>&amp,a,1,2,n\n", 1_699_999_000 + i));
    }
    input.push_str(rows);
    let r = distill(
        &[
            "select",
            "--time-column",
            "ts",
            "--categorical",
            "city,kind",
            "--numeric",
            "price,score",
            "--report",
            rep.to_str().unwrap(),
        ],
        input.as_bytes(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(&rep).unwrap();
    assert_eq!(check_well_formed(&html), 4);
    for c in ["city", "kind", "price", "score"] {
        assert!(
            html.contains(&format!("data-characteristic=\"{c}\"")),
            "{c}"
        );
    }
    assert!(html.contains("class=\"timeline\""));
    // The processor's final-window view, one per characteristic.
    assert_eq!(html.matches("<details class=\"window\">").count(), 4);
    assert!(html.contains("&lt;b&gt;&amp;amp"));
}

#[test]
fn demo_prints_a_table_and_writes_the_report() {
    let dir = scratch("demo");
    let rep = dir.join("demo.html");
    let csv_out = dir.join("demo.csv");
    let r = distill(
        &[
            "demo",
            "--rows",
            "20000",
            "--report",
            rep.to_str().unwrap(),
            "--save-csv",
            csv_out.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = String::from_utf8(r.stdout).unwrap();
    for s in [
        "age (numeric)",
        "income (numeric)",
        "gender (categorical)",
        "region (categorical)",
        "KS to all",
        "TV to all",
        "2000 passed",
    ] {
        assert!(out.contains(s), "{s} missing from:\n{out}");
    }
    let html = std::fs::read_to_string(&rep).unwrap();
    assert_eq!(check_well_formed(&html), 4);
    // The saved stream is a valid input for select.
    let data = std::fs::read(&csv_out).unwrap();
    let r = distill(
        &[
            "select",
            "--time-column",
            "ts",
            "--categorical",
            "gender,region",
            "--numeric",
            "age,income",
        ],
        &data,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(common::lines(&r.stdout).len(), 2001);
}
