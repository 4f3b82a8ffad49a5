//! Spreadsheet imports with column mapping (issue E item 2), on both engines: Vietnamese headers
//! (with and without diacritics) mapped by suggestion, XLSX cells (numbers, dates), dry run,
//! all-or-nothing commit, re-import changes nothing, row errors with the sheet's row numbers
//! and never a CCCD, saved mappings, targets.

mod common;

use common::{ORGS_VI, members_xlsx, run};
use ketnap_exchange::mapping::{MappedKind, complete, parse_mapping, suggest};
use ketnap_store::testing::test_stores;

type R = Result<(), Box<dyn std::error::Error>>;

#[test]
fn suggestions_from_vietnamese_headers() {
    let h: Vec<String> = [
        "STT",
        "Họ và tên",
        "Số CCCD",
        "ngay sinh",
        "Dân tộc",
        "Tôn giáo",
        "Giới tính",
        "Trình độ chuyên môn",
        "LÝ LUẬN CHÍNH TRỊ",
        "Nghề nghiệp",
        "Trình độ văn hóa",
        "Ghi chú",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let s = suggest(MappedKind::People, &h);
    let m = |c: &str| s.mapping.get(c).map(String::as_str);
    assert_eq!(m("full_name"), Some("Họ và tên"));
    assert_eq!(m("cccd"), Some("Số CCCD"));
    assert_eq!(m("birth_date"), Some("ngay sinh"));
    assert_eq!(m("ethnic_group"), Some("Dân tộc"));
    assert_eq!(m("religion"), Some("Tôn giáo"));
    assert_eq!(m("sex"), Some("Giới tính"));
    assert_eq!(m("qualification"), Some("Trình độ chuyên môn"));
    assert_eq!(m("political_theory"), Some("LÝ LUẬN CHÍNH TRỊ"));
    assert_eq!(m("education"), Some("Trình độ văn hóa"));
    assert!(s.missing.is_empty(), "{:?}", s.missing);
    assert_eq!(s.ignored_columns, vec!["STT", "Ghi chú"]);
    let s = suggest(MappedKind::People, &["ho ten".to_string()]);
    assert_eq!(
        s.mapping.get("full_name").map(String::as_str),
        Some("ho ten")
    );
    // Containment: a longer header holding a name.
    let s = suggest(MappedKind::People, &["Họ và tên quần chúng".to_string()]);
    assert!(s.mapping.contains_key("full_name"));
    // An explicit mapping wins and is completed.
    let given = parse_mapping(MappedKind::People, "full_name=Tên đầy đủ").unwrap_or_default();
    let s = complete(
        MappedKind::People,
        &["Tên đầy đủ".to_string(), "Ngày sinh".to_string()],
        &given,
    );
    assert_eq!(
        s.mapping.get("full_name").map(String::as_str),
        Some("Tên đầy đủ")
    );
    assert!(parse_mapping(MappedKind::People, "nope=X").is_err());
    assert!(parse_mapping(MappedKind::People, r#"{"cccd": "Số CCCD"}"#).is_ok());
}

#[tokio::test]
async fn xlsx_members_dry_run_commit_and_reimport() -> R {
    for db in test_stores().await? {
        let s = &db.store;
        let orgs = run(s, MappedKind::Orgs, ORGS_VI.as_bytes(), false).await?;
        assert!(orgs.errors.is_empty(), "{:?}", orgs.errors);
        assert_eq!(orgs.created, 5);
        // CCCD 001090012345 (Hà Nội, male born 1990) typed as a number: 1090012345.
        let file = members_xlsx(&[
            ("Nguyễn Văn An", 1_090_012_345.0, "Nam", (1990, 5, 17)),
            ("Trần Thị Bình", 1_192_054_321.0, "Nữ", (1992, 11, 2)),
        ])?;
        let dry = run(s, MappedKind::Members, &file, true).await?;
        assert!(dry.errors.is_empty(), "{:?}", dry.errors);
        assert_eq!((dry.created, dry.updated, dry.written), (2, 0, false));
        assert_eq!(dry.ignored_columns, vec!["STT", "Ghi chú"]);
        assert!(
            s.person_by_cccd("001090012345").await?.is_none(),
            "dry run wrote"
        );
        let done = run(s, MappedKind::Members, &file, false).await?;
        assert_eq!((done.created, done.written), (2, true));
        let p = s
            .person_by_cccd("001090012345")
            .await?
            .ok_or("not imported")?;
        assert_eq!(p.person.full_name, "Nguyễn Văn An");
        // The same file again changes nothing.
        let again = run(s, MappedKind::Members, &file, false).await?;
        assert_eq!(
            (again.created, again.updated, again.unchanged, again.written),
            (0, 0, 2, false)
        );
        // A bad row: the sheet's row number, no CCCD in the message, nothing written.
        let bad = members_xlsx(&[
            ("Lê Văn Cường", 1_095_000_111.0, "Nam", (1995, 1, 1)),
            ("Phạm Thị Dung", 1_090_000_222.0, "Nữ", (1990, 1, 1)),
        ])?;
        let r = run(s, MappedKind::Members, &bad, false).await?;
        assert!(!r.errors.is_empty());
        let e = r
            .errors
            .iter()
            .find(|e| e.column == "cccd")
            .ok_or("no cccd error")?;
        assert_eq!(e.row, 4, "{e}");
        assert_eq!(e.header.as_deref(), Some("Số CCCD"));
        assert!(e.value.is_none());
        assert!(!e.message.contains("090000222") && !e.to_string().contains("090000222"));
        assert!(!r.written);
        assert!(
            s.person_by_cccd("001095000111").await?.is_none(),
            "partial import"
        );
    }
    Ok(())
}

#[tokio::test]
async fn csv_without_diacritics_targets_and_saved_mapping() -> R {
    for db in test_stores().await? {
        let s = &db.store;
        run(s, MappedKind::Orgs, ORGS_VI.as_bytes(), false).await?;
        let targets =
            "ma don vi,nam,chi tieu giao,chi tieu dang ky\nT01,2025,2022,2100\nX01,2025,5,\n";
        let dry = run(s, MappedKind::Targets, targets.as_bytes(), true).await?;
        assert!(dry.errors.is_empty(), "{:?}", dry.errors);
        assert_eq!((dry.created, dry.written), (2, false));
        let done = run(s, MappedKind::Targets, targets.as_bytes(), false).await?;
        assert_eq!((done.created, done.written), (2, true));
        let again = run(s, MappedKind::Targets, targets.as_bytes(), false).await?;
        assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2));
        let bad = "ma don vi,nam,chi tieu giao\nT01,2025,abc\nNOPE,2025,1\nX01,20x5,1\n";
        let r = run(s, MappedKind::Targets, bad.as_bytes(), false).await?;
        let rules: Vec<(usize, &str)> = r.errors.iter().map(|e| (e.row, e.rule.as_str())).collect();
        assert_eq!(
            rules,
            vec![
                (2, "target.value"),
                (3, "import.ref.unknown"),
                (4, "target.period")
            ]
        );
        assert_eq!(r.errors[0].value.as_deref(), Some("abc"));
        // Saved mappings.
        s.mapping_save("people", "huyen-a", r#"{"full_name":"Tên đầy đủ"}"#, "test")
            .await?;
        let m = s
            .mapping_get("people", "huyen-a")
            .await?
            .ok_or("not saved")?;
        assert!(parse_mapping(MappedKind::People, &m).is_ok());
        assert_eq!(s.mappings().await?.len(), 1);
    }
    Ok(())
}
