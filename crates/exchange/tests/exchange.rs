//! CSV import/export on SQLite and on PostgreSQL: whole-file validation with nothing written on
//! any refusal, round trips, idempotent re-import, BOM and Vietnamese dates.

use chrono::NaiveDate;
use ketnap_domain::org::{Operation, Target};
use ketnap_domain::person::PartyStatus;
use ketnap_exchange::{
    ExchangeError, ImportOptions, ImportReport, Kind, NoProgress, RowError, export, import,
};
use ketnap_store::testing::test_stores;
use ketnap_store::{PersonQuery, Store};

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

const ORGS: &str = "\u{feff}code,name,kind,sector,parent_code,valid_from
TW,Trung ương,central,nation,,01/01/2016
T10,Đảng bộ tỉnh Lào Cai,provincial_committee,\"Tỉnh, thành phố\",TW,2016-01-01
H082,Đảng bộ huyện Bát Xát,direct_committee,district,T10,2016-01-01
X02692,Đảng bộ xã A Lù,Đảng bộ cơ sở,Xã,H082,2016-01-01
X02693,Đảng bộ xã Ngải Thầu,grassroots_committee,commune,H082,2016-01-01
X02692.01,Chi bộ thôn Phìn Chải,Chi bộ trực thuộc,\"Thôn, bản\",X02692,2016-01-01
X02692.02,Chi bộ thôn Phìn Ngan,branch,village,X02692,2016-01-01
X02693.01,Chi bộ thôn Khoa San Chải,branch,village,X02693,2016-01-01
";

const LOCALITIES: &str =
    "code,name,kind,commune_code,valid_from,population_year,population,branch_code,branch_from
T-PC,Thôn Phìn Chải,village,X02692,2016-01-01,2019,1.200,X02692.01,
T-PN,Thôn Phìn Ngan,\"Thôn, bản\",X02692,01/01/2016,2019,800,X02692.01,01/06/2018
T-KS,Thôn Khoa San Chải,village,X02693,2016-01-01,,,X02693.01,2016-01-01
TH-AL,Trường tiểu học A Lù,Trường học,x02692,2017-09-01,,,,
";

const PEOPLE: &str = "\u{feff}cccd,full_name,sex,birth_date,ethnic_group,religion,education,qualification,political_theory,occupation,youth_union,residence_code,status,status_from,branch_code
010090000101,Giàng A Sử,male,1990-05-01,Mông,none,upper_secondary,college,elementary,farmer,false,T-PC,official,2018-03-02,X02692.01
010301012345,Lò Thị Mai,Nữ,09/04/2001,03,Không,Trung học phổ thông,Cao đẳng,none,Nông dân,có,T-PN,Quần chúng ưu tú,15/01/2024,X02692.02
,Vàng Seo Lử,male,1975-02-03,08,protestant,lower_secondary,none,none,farmer,0,T-KS,official,2016-01-01,X02693.01
001088000777,Nguyễn Văn An,male,1988-07-30,Kinh,buddhism,upper_secondary,university,intermediate,civil_servant,false,,,,
";

fn opts(dry_run: bool) -> ImportOptions {
    ImportOptions {
        dry_run,
        actor: "test".into(),
        source: "test.csv".into(),
    }
}

async fn imp(s: &Store, kind: Kind, csv: &str) -> Result<ImportReport, ExchangeError> {
    import(s, kind, csv.as_bytes(), &opts(false), &NoProgress).await
}

async fn exp(s: &Store, kind: Kind, org: Option<&str>) -> R<String> {
    let mut buf = vec![];
    export(s, kind, org, d(2026, 1, 1), &mut buf).await?;
    Ok(String::from_utf8(buf)?)
}

fn row_errors(r: Result<ImportReport, ExchangeError>) -> Vec<RowError> {
    match r {
        Err(ExchangeError::Invalid(e)) => e,
        // Anything else shows up in the assertion that follows.
        other => vec![RowError::new(0, "", "not_row_errors", format!("{other:?}"))],
    }
}

/// Loads the three files, then records history through the store: the A Lù / Ngải Thầu merger
/// (1/3/2020), a rename, a village moving commune, the 2025 removal of the district level.
async fn load(s: &Store) -> R {
    let r = imp(s, Kind::Orgs, ORGS).await?;
    assert_eq!(
        (r.rows, r.created, r.updated, r.unchanged, r.written),
        (8, 8, 0, 0, true)
    );
    let r = imp(s, Kind::Localities, LOCALITIES).await?;
    assert_eq!((r.created, r.written), (4, true));
    let r = imp(s, Kind::People, PEOPLE).await?;
    assert_eq!((r.created, r.written), (4, true));

    let id = |code: &'static str| async move { s.org_required(code).await.map(|u| u.id) };
    let (alu, nt, h082, t10) = (
        id("X02692").await?,
        id("X02693").await?,
        id("H082").await?,
        id("T10").await?,
    );
    s.org_apply(
        &Operation::Merge {
            sources: vec![nt],
            into: Target::Existing(alu),
            date: d(2020, 3, 1),
        },
        "test",
    )
    .await?;
    let pn = id("X02692.02").await?;
    s.org_apply(
        &Operation::Rename {
            unit: pn,
            name: "Chi bộ thôn Phìn Ngan 1".into(),
            date: d(2022, 1, 1),
        },
        "test",
    )
    .await?;
    s.org_apply(
        &Operation::Move {
            unit: alu,
            new_parent: t10,
            date: d(2025, 7, 1),
        },
        "test",
    )
    .await?;
    s.org_apply(
        &Operation::Dissolve {
            unit: h082,
            date: d(2025, 7, 1),
        },
        "test",
    )
    .await?;
    let ks = s
        .locality_by_code("T-KS")
        .await?
        .map(|l| l.id)
        .unwrap_or_default();
    s.locality_move(ks, alu, d(2020, 3, 1), "test").await?;
    let mai = s
        .person_by_cccd("010301012345")
        .await?
        .map(|p| p.person.id)
        .unwrap_or_default();
    s.person_add_status(
        mai,
        PartyStatus::Probationary,
        Some(pn),
        d(2025, 3, 1),
        "test",
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn round_trip_is_identical_and_reimport_changes_nothing() -> R {
    let sources = test_stores().await?;
    let targets = test_stores().await?;
    for (src, dst) in sources.iter().zip(&targets) {
        let s = &src.store;
        load(s).await?;
        let kinds = [Kind::Orgs, Kind::Localities, Kind::People];
        let mut first = vec![];
        for k in kinds {
            first.push(exp(s, k, None).await?);
        }
        // The flat view on 1/1/2026: after the reform A Lù sits under the province, so its
        // subtree's rows hold from 1/7/2025; the district and Ngải Thầu are gone.
        assert!(first[0].starts_with("code,name,kind,sector,parent_code,valid_from,valid_to\nTW,Trung ương,central,nation,,2016-01-01,\n"), "{}", first[0]);
        assert!(
            first[0]
                .contains("X02692,Đảng bộ xã A Lù,grassroots_committee,commune,T10,2025-07-01,\n"),
            "{}",
            first[0]
        );
        assert!(
            !first[0].contains("H082") && !first[0].contains("X02693,"),
            "{}",
            first[0]
        );
        assert!(
            first[1].contains(
                "T-KS,Thôn Khoa San Chải,village,X02692,2025-07-01,,,,X02693.01,2025-07-01\n"
            ),
            "{}",
            first[1]
        );
        assert!(
            first[1].contains(
                "T-PC,Thôn Phìn Chải,village,X02692,2025-07-01,,2019,1200,X02692.01,2025-07-01\n"
            ),
            "{}",
            first[1]
        );
        assert!(
            first[2].contains(",Vàng Seo Lử,male,1975-02-03,08,protestant,"),
            "{}",
            first[2]
        );
        assert!(first[2].contains("Lò Thị Mai,female,2001-04-09,03,none,upper_secondary,college,none,farmer,true,T-PN,probationary,2025-07-01,X02692.02\n"), "{}", first[2]);

        // Re-importing what was exported, into the same database: nothing changes.
        let audit_before = s.audit_recent(None, 1).await?;
        for (k, text) in kinds.iter().zip(&first) {
            let r = imp(s, *k, text).await?;
            assert_eq!(
                (r.created, r.updated, r.written),
                (0, 0, false),
                "{k:?} {r:?}"
            );
            assert_eq!(r.unchanged, r.rows);
        }
        // And the original files too (their rows hold on their own dates).
        for (k, text) in kinds.iter().zip([ORGS, LOCALITIES, PEOPLE]) {
            let r = imp(s, *k, text).await?;
            assert_eq!(
                (r.created, r.updated, r.written),
                (0, 0, false),
                "{k:?} {r:?}"
            );
        }
        assert_eq!(s.audit_recent(None, 1).await?, audit_before);
        for (k, text) in kinds.iter().zip(&first) {
            assert_eq!(&exp(s, *k, None).await?, text);
        }

        // Into an empty database, and out again: the same files.
        let t = &dst.store;
        for (k, text) in kinds.iter().zip(&first) {
            let r = imp(t, *k, text).await?;
            assert_eq!(r.created, r.rows, "{k:?}");
        }
        for (k, text) in kinds.iter().zip(&first) {
            assert_eq!(
                &exp(t, *k, None).await?,
                text,
                "{k:?} on {:?}",
                dst.backend()
            );
        }
        // A subtree export carries its superiors, so it imports on its own.
        let sub = exp(s, Kind::Orgs, Some("X02692")).await?;
        assert_eq!(
            sub.lines()
                .map(|l| l.split(',').next().unwrap_or(""))
                .collect::<Vec<_>>()[1..],
            ["TW", "T10", "X02692", "X02692.01", "X02692.02", "X02693.01"]
        );
        let people = exp(s, Kind::People, Some("X02692.02")).await?;
        assert_eq!(people.lines().count(), 2, "{people}");
    }
    Ok(())
}

#[tokio::test]
async fn updates_and_dry_run() -> R {
    for t in test_stores().await? {
        let s = &t.store;
        load(s).await?;
        let changed = "cccd,full_name,sex,birth_date,ethnic_group,religion,education,qualification,political_theory,occupation,youth_union,status,status_from,branch_code
010090000101,Giàng A Sử,male,1990-05-01,Mông,none,upper_secondary,university,elementary,farmer,false,official,2026-02-01,X02692.02
,Vàng Seo Lử,male,1975-02-03,08,protestant,lower_secondary,none,none,farmer,0,official,2016-01-01,X02693.01
,Hoàng Thị Hoa,female,2004-11-20,Tày,none,upper_secondary,none,none,pupil_student,1,candidate,2026-01-10,X02692.01
";
        let r = import(
            s,
            Kind::People,
            changed.as_bytes(),
            &opts(true),
            &NoProgress,
        )
        .await?;
        assert_eq!(
            (r.created, r.updated, r.unchanged, r.dry_run, r.written),
            (1, 1, 1, true, false)
        );
        let q = PersonQuery {
            text: "hoang thi hoa".into(),
            scope: None,
            as_of: d(2026, 2, 1),
            limit: 10,
        };
        assert!(
            s.person_search(&q).await?.is_empty(),
            "a dry run writes nothing"
        );
        let r = imp(s, Kind::People, changed).await?;
        assert_eq!(
            (r.created, r.updated, r.unchanged, r.written),
            (1, 1, 1, true)
        );
        assert_eq!(s.person_search(&q).await?.len(), 1);
        let su = s
            .person_by_cccd("010090000101")
            .await?
            .ok_or("Giàng A Sử")?;
        assert_eq!(su.person.qualification.as_str(), "university");
        assert_eq!(
            su.statuses
                .last()
                .and_then(|x| x.branch.as_ref())
                .map(|b| b.code.as_str()),
            Some("X02692.02")
        );
        // Residence kept when the file has no residence column.
        assert!(su.person.residence_locality.is_some());
        let audit = s.audit_recent(Some(("import", "people")), 5).await?;
        assert_eq!(audit.len(), 2, "one audit row per import that wrote");
        assert!(
            audit[0].detail.contains("\"created\":1"),
            "{}",
            audit[0].detail
        );

        let moved = "code,name,kind,commune_code,valid_from,population_year,population,branch_code,branch_from
T-PN,Thôn Phìn Ngan,village,X02692,2016-01-01,2025,845,X02692.02,2026-01-01
";
        let r = imp(s, Kind::Localities, moved).await?;
        assert_eq!((r.updated, r.unchanged), (1, 0));
        let v = s
            .localities_in(s.org_required("X02692").await?.id, d(2026, 1, 1))
            .await?;
        let pn = v.iter().find(|l| l.code == "T-PN").ok_or("T-PN")?;
        assert_eq!(
            pn.branch.as_ref().map(|b| b.code.as_str()),
            Some("X02692.02")
        );
        assert_eq!(pn.population.map(|p| p.population), Some(845));
    }
    Ok(())
}

#[tokio::test]
async fn one_bad_row_writes_nothing_and_every_row_is_reported() -> R {
    for t in test_stores().await? {
        let s = &t.store;
        imp(s, Kind::Orgs, ORGS).await?;
        imp(s, Kind::Localities, LOCALITIES).await?;
        // Row 3: the 4th CCCD digit says female; row 4: unknown branch; row 5: a date.
        let bad = "cccd,full_name,sex,birth_date,ethnic_group,religion,education,qualification,political_theory,occupation,status,status_from,branch_code
001088000777,Nguyễn Văn An,male,1988-07-30,Kinh,buddhism,upper_secondary,university,intermediate,civil_servant,,,
010190000102,Giàng A Páo,male,1990-05-01,Mông,none,upper_secondary,college,elementary,farmer,official,2018-03-02,X02692.01
,Sùng Thị Dê,female,1992-01-01,Mông,none,primary,none,none,farmer,official,2018-03-02,X99
,Ma Văn Tú,male,31/02/1990,Tày,none,primary,none,none,farmer,,,
";
        let errs = row_errors(imp(s, Kind::People, bad).await);
        let got: Vec<(usize, &str, &str)> = errs
            .iter()
            .map(|e| (e.row, e.column.as_str(), e.rule.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (3, "cccd", "cccd.sex_century"),
                (4, "branch_code", "import.ref.unknown"),
                (5, "birth_date", "csv.date")
            ],
            "{:?}",
            t.backend()
        );
        let line = errs[0].to_string();
        assert!(
            line.starts_with(
                "row 3, column cccd: CCCD 4th digit does not match the sex and the century"
            ),
            "{line}"
        );
        assert!(line.ends_with("[cccd.sex_century]"), "{line}");
        assert!(
            !errs.iter().any(|e| e.to_string().contains("010190000102")),
            "no CCCD in messages"
        );
        let q = PersonQuery {
            text: "nguyen van an".into(),
            scope: None,
            as_of: d(2026, 1, 1),
            limit: 10,
        };
        assert!(
            s.person_search(&q).await?.is_empty(),
            "the good row was not written either"
        );

        // Refusals found only while writing (the combined-branch limit) also name row and
        // column, and roll everything back.
        let full = "code,name,kind,commune_code,valid_from,branch_code,branch_from
L1,Thôn 1,village,X02692,2016-01-01,X02692.02,2020-01-01
L2,Thôn 2,village,X02692,2016-01-01,X02692.02,2020-01-01
L3,Thôn 3,village,X02692,2016-01-01,X02692.02,2020-01-01
L4,Thôn 4,village,X02692,2016-01-01,X02692.02,2020-01-01
L5,Thôn 5,village,H082,2016-01-01,,
";
        let errs = row_errors(imp(s, Kind::Localities, full).await);
        let got: Vec<(usize, &str, &str)> = errs
            .iter()
            .map(|e| (e.row, e.column.as_str(), e.rule.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (5, "branch_code", "locality.service.max"),
                (6, "commune_code", "locality.commune.kind")
            ]
        );
        assert!(s.locality_by_code("L1").await?.is_none());

        // Orgs: superiors must come first; unknown codes and duplicates are named.
        let orgs = "code,name,kind,sector,parent_code,valid_from
X1.01,Chi bộ 1,branch,village,X1,2020-01-01
X1,Đảng bộ xã 1,grassroots_committee,commune,T10,2020-01-01
X2,Đảng bộ xã 2,grassroots_committee,commune,T99,2020-01-01
X1,Đảng bộ xã 1,grassroots_committee,commune,T10,2020-01-01
X3,Đảng bộ xã 3,grassroots_committee,phuong xa,T10,2020-01-01
X4,Đảng bộ xã 4,branch,commune,T10,2020-01-01
";
        let errs = row_errors(imp(s, Kind::Orgs, orgs).await);
        let got: Vec<(usize, &str, &str)> = errs
            .iter()
            .map(|e| (e.row, e.column.as_str(), e.rule.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (2, "parent_code", "import.ref.order"),
                (4, "parent_code", "import.ref.unknown"),
                (5, "code", "import.duplicate"),
                (6, "sector", "csv.code"),
                (7, "parent_code", "org.parent.kind"),
            ]
        );
        assert!(s.org_by_code("X1").await?.is_none());
        // A recorded unit that the file describes differently is refused, not edited.
        let renamed = ORGS.replace("Chi bộ thôn Phìn Chải,", "Chi bộ Phìn Chải,");
        let errs = row_errors(imp(s, Kind::Orgs, &renamed).await);
        assert_eq!(errs.len(), 1);
        assert_eq!(
            (errs[0].row, errs[0].column.as_str(), errs[0].rule.as_str()),
            (7, "name", "import.org.differs")
        );
        // The header is checked too.
        let errs =
            row_errors(imp(s, Kind::Orgs, "code,name,kind,sector,valid_from,colour\n").await);
        let got: Vec<(usize, &str, &str)> = errs
            .iter()
            .map(|e| (e.row, e.column.as_str(), e.rule.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (1, "colour", "csv.column.unknown"),
                (1, "parent_code", "csv.column.missing")
            ]
        );
    }
    Ok(())
}

/// Errors about sensitive columns (religion, ethnic group, CCCD, birth date) name the row, the
/// column and the rule, never the cell's value — not even some of a CCCD's digits.
#[tokio::test]
async fn errors_on_sensitive_columns_do_not_quote_the_value() -> R {
    let t = ketnap_store::testing::sqlite().await?;
    let s = &t.store;
    imp(s, Kind::Orgs, ORGS).await?;
    let religion = "Đạo Mẫu Tứ Phủ";
    let ethnic = "Kinh Hoa Lai";
    let cccd = "099190000102";
    let birth = "1990-13-45";
    let bad = format!(
        "cccd,full_name,sex,birth_date,ethnic_group,religion,education,qualification,political_theory,occupation
,Giàng A Sử,male,1990-05-01,Mông,{religion},upper_secondary,college,elementary,farmer
,Lò Thị Mai,female,2001-04-09,{ethnic},none,upper_secondary,college,none,farmer
{cccd},Vàng A Páo,male,1990-05-01,Mông,none,upper_secondary,college,elementary,farmer
,Ma Văn Tú,male,{birth},Tày,none,primary,none,none,farmer
"
    );
    let errs = row_errors(imp(s, Kind::People, &bad).await);
    let got: Vec<(usize, &str, &str)> = errs
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.rule.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (2, "religion", "csv.code"),
            (3, "ethnic_group", "csv.code"),
            (4, "cccd", "cccd.province"),
            (4, "cccd", "cccd.sex_century"),
            (5, "birth_date", "csv.date"),
        ]
    );
    for e in &errs {
        let line = e.to_string();
        for value in [
            religion,
            ethnic,
            cccd,
            "099",
            "1990",
            "13-45",
            "digit 1 says",
        ] {
            assert!(!line.contains(value), "{value:?} quoted in {line:?}");
        }
        assert!(line.starts_with(&format!("row {}, column {}:", e.row, e.column)));
        assert!(line.ends_with(&format!("[{}]", e.rule)), "{line}");
    }
    assert!(
        errs[0]
            .message
            .starts_with("the value is not one of: none, buddhism"),
        "{}",
        errs[0].message
    );
    // A column that is not sensitive still quotes the value (it helps to find the mistake).
    let sex = "cccd,full_name,sex,birth_date,ethnic_group,religion,education,qualification,political_theory,occupation
,Giàng A Sử,maybe,1990-05-01,Mông,none,upper_secondary,college,elementary,farmer
";
    let errs = row_errors(imp(s, Kind::People, sex).await);
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].message.starts_with("\"maybe\" is not one of"),
        "{errs:?}"
    );
    Ok(())
}
