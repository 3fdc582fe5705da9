//! The README's table of report codes is generated from the doc comments of
//! `translate::Code`; this test fails when it is stale. `UPDATE_GOLDEN=1 cargo test` rewrites
//! it.

use std::fs;
use std::path::Path;

use compose2k8s::translate::Code;

const BEGIN: &str = "<!-- report-codes:begin -->\n";
const END: &str = "<!-- report-codes:end -->";

fn table() -> String {
    let mut out = String::from("| Code | Meaning |\n|---|---|\n");
    for code in Code::ALL {
        let error = if code.is_allowable() { "" } else { " (error)" };
        out.push_str(&format!(
            "| `{}`{error} | {} |\n",
            code.as_str(),
            code.meaning().replace('|', "\\|")
        ));
    }
    out
}

#[test]
fn readme_lists_every_report_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = fs::read_to_string(&path).expect("README.md");
    let start = readme
        .find(BEGIN)
        .expect("the README marks its codes table")
        + BEGIN.len();
    let end = start + readme[start..].find(END).expect("the codes table ends");
    let generated = table();
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|value| value == "1") {
        let updated = format!("{}{generated}{}", &readme[..start], &readme[end..]);
        fs::write(&path, updated).expect("write README.md");
        return;
    }
    assert!(
        readme[start..end] == generated,
        "the README's report codes are stale: run `UPDATE_GOLDEN=1 cargo test --test readme` \
         and commit README.md"
    );
}
