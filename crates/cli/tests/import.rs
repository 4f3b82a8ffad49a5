//! `ketnap import` / `ketnap export` through the built binary: a bad file exits non-zero naming
//! the row and writes nothing; a good file imports; export gives the same rows back.

use std::process::Command;

const GOOD: &str = "\u{feff}code,name,kind,sector,parent_code,valid_from
TW,Trung ương,central,nation,,01/01/2016
T10,Đảng bộ tỉnh Lào Cai,provincial_committee,province,TW,2016-01-01
X02692,Đảng bộ xã A Lù,Đảng bộ cơ sở,Xã,T10,2016-01-01
";

fn run(db: &str, args: &[&str]) -> std::io::Result<std::process::Output> {
    Command::new(env!("CARGO_BIN_EXE_ketnap"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("KETNAP_ACTOR", "test")
        .output()
}

#[test]
fn import_refuses_a_bad_file_and_takes_a_good_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("k.db").display());
    let ketnap = |args: &[&str]| run(&db, args).expect("run ketnap");
    let bad = dir.path().join("bad.csv");
    // Row 4: a branch cannot sit under a provincial committee; row 3 is fine but must not be
    // written either.
    let bad_text = GOOD.replace(
        "X02692,Đảng bộ xã A Lù,Đảng bộ cơ sở,Xã",
        "X02692,Chi bộ A Lù,branch,Xã",
    );
    std::fs::write(&bad, bad_text).expect("write bad");
    let out = ketnap(&["import", "orgs", bad.to_str().unwrap_or("")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("row 4, column parent_code:"), "{err}");
    assert!(err.contains("[org.parent.kind]"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");

    let good = dir.path().join("good.csv");
    std::fs::write(&good, GOOD).expect("write good");
    let out = ketnap(&["import", "orgs", good.to_str().unwrap_or(""), "--dry-run"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("created 3, updated 0, unchanged 0 (dry run")
    );
    let out = ketnap(&["import", "orgs", good.to_str().unwrap_or("")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("orgs: 3 rows — created 3, updated 0, unchanged 0 (written)")
    );
    let out = ketnap(&["import", "orgs", good.to_str().unwrap_or("")]);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("created 0, updated 0, unchanged 3 (nothing to change)")
    );

    let exported = dir.path().join("out.csv");
    let out = ketnap(&[
        "export",
        "orgs",
        "--as-of",
        "2026-01-01",
        "--out",
        exported.to_str().unwrap_or(""),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&exported).expect("read export");
    assert_eq!(
        text,
        "code,name,kind,sector,parent_code,valid_from,valid_to\n\
         TW,Trung ương,central,nation,,2016-01-01,\n\
         T10,Đảng bộ tỉnh Lào Cai,provincial_committee,province,TW,2016-01-01,\n\
         X02692,Đảng bộ xã A Lù,grassroots_committee,commune,T10,2016-01-01,\n"
    );
    let out = ketnap(&["export", "orgs", "--as-of", "2026-01-01", "--org", "X02692"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), text);
}
