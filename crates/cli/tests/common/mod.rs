//! What the CLI tests that drive the built binary over a fresh SQLite file share: running
//! `ketnap` as an actor, asserting success, and writing input files.

#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `ketnap ARGS --db DB --actor ACTOR` (no `KETNAP_DB` / `KETNAP_ACTOR` from outside).
pub fn ketnap_as(actor: &str, db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ketnap"))
        .args(args)
        .args(["--db", db, "--actor", actor])
        .env_remove("KETNAP_DB")
        .env_remove("KETNAP_ACTOR")
        .output()
        .unwrap()
}

/// [`ketnap_as`] that must succeed: its standard output.
pub fn ok_as(actor: &str, db: &str, args: &[&str]) -> String {
    let out = ketnap_as(actor, db, args);
    assert!(
        out.status.success(),
        "ketnap {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Writes `text` to `dir/name`; its path.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}
