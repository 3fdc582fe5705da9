//! Lays out the binary's code so that what a conversion runs sits together.
//!
//! A short conversion spends much of its time mapping in code: the kernel maps the program
//! 64 KiB at a time as it first runs it, and the functions of one run were spread over most
//! of its 6 MiB. `link/hot-functions.txt` lists the functions a conversion runs, most used
//! first (written by `scripts/hot_functions.py` from a profile); LLD places them first and
//! together. At 10 services a run took a tenth less time, at 100 services 6% less.
//!
//! Only LLD reads such a list, so it is passed only where LLD is the linker for certain:
//! x86-64 Linux with Rust 1.90 or later (its default there) and no linker chosen in the
//! build's configuration. Anywhere else the binary links as usual, in the usual order.
//! Names missing from the list (code changed since the profile) only stay where they were.

use std::env;
use std::path::Path;
use std::process::Command;

const HOT_FUNCTIONS: &str = "link/hot-functions.txt";

/// The first Rust release that links x86-64 Linux programs with its own LLD by default.
const LLD_DEFAULT_SINCE: (u32, u32) = (1, 90);

fn main() {
    println!("cargo:rerun-if-changed={HOT_FUNCTIONS}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    if !links_with_default_lld() {
        return;
    }
    let list = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap_or_default()).join(HOT_FUNCTIONS);
    if list.is_file() {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            list.display()
        );
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

/// Whether the binary will be linked by the LLD that rustc uses by default.
fn links_with_default_lld() -> bool {
    let target = env::var("TARGET").unwrap_or_default();
    // Set by Cargo when the configuration names a linker for the target.
    let linker_chosen = env::var_os("RUSTC_LINKER").is_some();
    // `-C linker=…`, `-C linker-flavor=…`, `-C linker-features=…`, `-C link-self-contained=…`,
    // `-C link-arg=-fuse-ld=…`: any of them may change the linker.
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let flags_choose_linker = ["linker", "link-self-contained", "fuse-ld"]
        .iter()
        .any(|word| flags.contains(word));
    target == "x86_64-unknown-linux-gnu"
        && !linker_chosen
        && !flags_choose_linker
        && rustc_version().is_some_and(|version| version >= LLD_DEFAULT_SINCE)
}

/// The (major, minor) version of the rustc building this crate.
fn rustc_version() -> Option<(u32, u32)> {
    let rustc = env::var_os("RUSTC")?;
    let output = Command::new(rustc).arg("--version").output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    let mut numbers = text.split_whitespace().nth(1)?.split(['.', '-']);
    let major = numbers.next()?.parse().ok()?;
    let minor = numbers.next()?.parse().ok()?;
    Some((major, minor))
}
