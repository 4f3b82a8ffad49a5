//! `ketnap user`: add (password from standard input), list, token (printed once), tokens,
//! revoke (one token), password reset, disable, enable.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn ketnap(db: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ketnap"))
        .args(["--db", db, "--actor", "quản trị"])
        .args(args)
        .env_remove("KETNAP_DB")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

#[test]
fn add_list_tokens_revoke_reset_disable_enable() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("users.db").display());
    let o = ketnap(
        &db,
        &["user", "add", "Boss", "--role", "admin", "--password-stdin"],
        Some("mật-khẩu-đủ-dài\n"),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("created boss (admin"),
        "{}",
        text(&o.stdout)
    );
    // Too short a password, an unknown role, a confined role without a unit: refused.
    let o = ketnap(
        &db,
        &["user", "add", "lan", "--role", "admin", "--password-stdin"],
        Some("short\n"),
    );
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("password.too_short"),
        "{}",
        text(&o.stderr)
    );
    let o = ketnap(&db, &["user", "add", "lan", "--role", "king"], None);
    assert!(!o.status.success());
    let o = ketnap(&db, &["user", "add", "lan", "--role", "viewer"], None);
    assert!(
        text(&o.stderr).contains("user.org.required"),
        "{}",
        text(&o.stderr)
    );
    let o = ketnap(&db, &["user", "list"], None);
    assert!(text(&o.stdout).contains("boss") && text(&o.stdout).contains("admin"));
    let o = ketnap(&db, &["user", "token", "boss", "--name", "hrm"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let token = text(&o.stdout).trim().to_string();
    assert!(token.starts_with("ketnap_") && token.len() > 64, "{token}");
    let o = ketnap(&db, &["user", "token", "boss", "--name", "csdl"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = ketnap(&db, &["user", "tokens", "boss"], None);
    let listed = text(&o.stdout);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!listed.contains(&token), "never shown again: {listed}");
    let hrm_id = listed
        .lines()
        .find(|l| l.contains("hrm"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    let o = ketnap(&db, &["user", "revoke", "boss", &hrm_id], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = ketnap(&db, &["user", "tokens", "boss"], None);
    let listed = text(&o.stdout);
    let line = |name: &str| {
        listed
            .lines()
            .find(|l| l.contains(name))
            .unwrap()
            .to_string()
    };
    assert!(line("hrm").contains("[revoked]"), "{listed}");
    assert!(!line("csdl").contains("[revoked]"), "{listed}");
    let o = ketnap(&db, &["user", "revoke", "boss", &hrm_id], None);
    assert!(!o.status.success(), "revoked twice");
    assert!(
        text(&o.stderr).contains("no live API token"),
        "{}",
        text(&o.stderr)
    );
    // Password reset: the rule is checked; a good one is accepted and audited.
    let o = ketnap(&db, &["user", "password", "boss"], Some("short\n"));
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("password.too_short"),
        "{}",
        text(&o.stderr)
    );
    let o = ketnap(
        &db,
        &["user", "password", "boss"],
        Some("một mật khẩu mới\n"),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("sessions have ended"));
    let o = ketnap(
        &db,
        &["user", "password", "nobody"],
        Some("một mật khẩu mới\n"),
    );
    assert!(!o.status.success());
    let o = ketnap(&db, &["user", "disable", "boss"], None);
    assert!(o.status.success());
    let o = ketnap(&db, &["user", "list"], None);
    assert!(text(&o.stdout).contains("[disabled]"));
    let o = ketnap(&db, &["user", "disable", "nobody"], None);
    assert!(!o.status.success());
    let o = ketnap(&db, &["user", "enable", "boss"], None);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = ketnap(&db, &["user", "list"], None);
    assert!(!text(&o.stdout).contains("[disabled]"));
}
