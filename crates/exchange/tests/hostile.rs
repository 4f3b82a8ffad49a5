//! Hostile input (issue E item 3): size limits, zip bombs, formula injection, and a proptest
//! fuzz of the CSV and XLSX importers — no panic, every rejection a structured row error.
//!
//! Bounded in CI (64 cases per property); a longer run:
//! `PROPTEST_CASES=100000 cargo test -p ketnap-exchange --release --test hostile fuzz`.

mod common;

use std::io::Write;

use common::{ORGS_VI, members_xlsx, opts};
use ketnap_exchange::mapping::{MappedKind, import_mapped};
use ketnap_exchange::sheet::{self, Format, Limits};
use ketnap_exchange::{ImportOptions, Kind, NoProgress, safe_cell, unescape_cell};
use ketnap_store::testing::sqlite;
use proptest::prelude::*;

type R = Result<(), Box<dyn std::error::Error>>;

fn zip_of(entries: &[(&str, Vec<u8>)]) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, o)?;
        w.write_all(data)?;
    }
    Ok(w.finish()?.into_inner())
}

fn rules(r: Result<sheet::Sheet, Vec<ketnap_exchange::RowError>>) -> Vec<String> {
    match r {
        Ok(_) => vec![],
        Err(e) => e.into_iter().map(|e| e.rule).collect(),
    }
}

#[test]
fn upload_and_zip_limits() -> R {
    let limits = Limits::default();
    // Over the file limit.
    let small = Limits {
        max_file: 10,
        ..limits
    };
    assert_eq!(
        rules(sheet::read(b"a,b\n1,2\n3,4\n", Format::Csv, None, &small)),
        ["file.too_large"]
    );
    // A zip bomb: 64 MiB of zeros in a few kilobytes.
    let bomb = zip_of(&[("xl/worksheets/sheet1.xml", vec![0u8; 64 << 20])])?;
    assert!(bomb.len() < 1 << 20);
    assert_eq!(Format::detect(&bomb), Format::Xlsx);
    assert_eq!(
        rules(sheet::read(&bomb, Format::Xlsx, None, &limits)),
        ["xlsx.too_large"]
    );
    // Over the total declared size.
    let tight = Limits {
        max_uncompressed: 1 << 20,
        ..limits
    };
    let big = zip_of(&[(
        "a.xml",
        (0..2_000_000u32).map(|i| (i % 251) as u8).collect(),
    )])?;
    assert_eq!(
        rules(sheet::read(&big, Format::Xlsx, None, &tight)),
        ["xlsx.too_large"]
    );
    // Too many entries.
    let many: Vec<(String, Vec<u8>)> = (0..1001)
        .map(|i| (format!("f{i}.xml"), vec![b'x']))
        .collect();
    let many: Vec<(&str, Vec<u8>)> = many.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    assert_eq!(
        rules(sheet::read(&zip_of(&many)?, Format::Xlsx, None, &limits)),
        ["xlsx.entries"]
    );
    // An old .xls, a zip that is no workbook, too many rows.
    assert_eq!(
        rules(sheet::read(
            b"\xD0\xCF\x11\xE0rest",
            Format::Xlsx,
            None,
            &limits
        )),
        ["xlsx.format"]
    );
    assert_eq!(
        rules(sheet::read(
            &zip_of(&[("x", b"y".to_vec())])?,
            Format::Xlsx,
            None,
            &limits
        )),
        ["xlsx.unreadable"]
    );
    let rows = Limits {
        max_rows: 2,
        ..limits
    };
    assert_eq!(
        rules(sheet::read(b"a\n1\n2\n3\n", Format::Csv, None, &rows)),
        ["file.too_many_rows"]
    );
    Ok(())
}

#[test]
fn formula_cells_are_neutralised_and_round_trip() {
    for v in [
        "=1+1",
        "+33",
        "-2",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "=HYPERLINK(\"http://x\")",
    ] {
        let safe = safe_cell(v);
        assert!(safe.starts_with('\''), "{v:?}");
        assert_eq!(unescape_cell(&safe), v);
    }
    for v in ["Nguyễn Văn A", "2024-01-01", "X01.01", "'quoted", ""] {
        assert_eq!(safe_cell(v), v);
        assert_eq!(unescape_cell(&safe_cell(v)), v);
    }
    // An apostrophe the user typed before a formula character survives the round trip too.
    assert_eq!(unescape_cell(&safe_cell("'=x")), "'=x");
}

#[tokio::test]
async fn exported_csv_names_are_not_formulas_and_reimport_unchanged() -> R {
    let db = sqlite().await?;
    let s = &db.store;
    let orgs = ORGS_VI.replace(
        "Chi bộ thôn Một",
        "\"=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"",
    );
    let r = import_mapped(s, MappedKind::Orgs, orgs.as_bytes(), &opts(false)).await?;
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let mut out = vec![];
    ketnap_exchange::export(
        s,
        Kind::Orgs,
        None,
        chrono::Utc::now().date_naive(),
        &mut out,
    )
    .await?;
    let text = String::from_utf8(out.clone())?;
    assert!(text.contains("\"'=HYPERLINK("), "{text}");
    assert!(!text.contains(",=HYPERLINK"));
    let o = ImportOptions {
        dry_run: false,
        actor: "t".into(),
        source: "x".into(),
    };
    let again = ketnap_exchange::import(s, Kind::Orgs, &out, &o, &NoProgress).await?;
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 5));
    // National list, XLSX: the cells are strings.
    let list = ketnap_exchange::national::NationalList {
        rows: vec![vec!["=1+2".into(); 9]],
        ..Default::default()
    };
    let x = ketnap_exchange::national::write_xlsx(&list)?;
    let back =
        sheet::read(&x, Format::Xlsx, None, &Limits::default()).map_err(|e| format!("{e:?}"))?;
    assert_eq!(back.rows[0].1[0].text, "=1+2");
    assert!(!String::from_utf8_lossy(&x).contains("<f>"));
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

/// Text shaped like the files: header names, separators, quotes, dates, codes, junk.
fn csvish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("code".to_string()),
        Just("Họ và tên".to_string()),
        Just("Số CCCD".to_string()),
        Just("ngay sinh".to_string()),
        Just("case".to_string()),
        Just("kind".to_string()),
        Just("date".to_string()),
        Just("period".to_string()),
        Just("org".to_string()),
        Just("2024-01-01".to_string()),
        Just("31/02/2024".to_string()),
        Just("001090012345".to_string()),
        Just("X01.01".to_string()),
        Just("\"".to_string()),
        Just(",".to_string()),
        Just("\n".to_string()),
        Just("=cmd|' /C calc'!A0".to_string()),
        "[^\u{0}]{0,12}",
        any::<u32>().prop_map(|n| n.to_string()),
    ];
    prop::collection::vec(token, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn fuzz_csv_importers(text in csvish(), raw in prop::collection::vec(any::<u8>(), 0..300), k in 0usize..7) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        rt.block_on(async {
            let db = sqlite().await.map_err(|e| TestCaseError::fail(e.to_string()))?;
            let kind = MappedKind::ALL[k];
            for data in [text.as_bytes(), raw.as_slice()] {
                let r = import_mapped(&db.store, kind, data, &opts(true)).await;
                let r = r.map_err(|e| TestCaseError::fail(format!("not a row error: {e}")))?;
                prop_assert!(!r.written);
                for e in &r.errors {
                    prop_assert!(!e.rule.is_empty() && !e.message.is_empty());
                }
                if let Some(t) = kind_table(kind) {
                    // The plain CSV importer too: Ok or row errors, nothing else.
                    let o = ImportOptions { dry_run: true, actor: "f".into(), source: "f".into() };
                    match ketnap_exchange::import(&db.store, t, data, &o, &NoProgress).await {
                        Ok(_) | Err(ketnap_exchange::ExchangeError::Invalid(_)) => {}
                        Err(e) => return Err(TestCaseError::fail(format!("not a row error: {e}"))),
                    }
                }
            }
            Ok(())
        })?;
    }

    #[test]
    fn fuzz_xlsx_reader(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..20), cut in any::<prop::sample::Index>()) {
        let base = members_xlsx(&[("Nguyễn Văn An", 1_090_012_345.0, "Nam", (1990, 5, 17))])
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut data = base.clone();
        for (i, b) in &flips {
            let at = i.index(data.len());
            data[at] = *b;
        }
        let truncated = &base[..cut.index(base.len())];
        for d in [data.as_slice(), truncated] {
            if let Err(errors) = sheet::read(d, Format::Xlsx, None, &Limits::default()) {
                prop_assert!(!errors.is_empty());
                for e in errors {
                    prop_assert!(e.rule.starts_with("xlsx.") || e.rule.starts_with("csv.") || e.rule.starts_with("file."), "{}", e.rule);
                }
            }
        }
    }
}

fn kind_table(k: MappedKind) -> Option<Kind> {
    match k {
        MappedKind::Orgs => Some(Kind::Orgs),
        MappedKind::Localities => Some(Kind::Localities),
        MappedKind::People => Some(Kind::People),
        _ => None,
    }
}
