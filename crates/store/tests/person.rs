//! The people suite, run on SQLite and on PostgreSQL: validation, CCCD uniqueness, search,
//! Vietnamese name order, status spells and branch members.

mod common;

use common::{d, rules, tree};
use ketnap_domain::person::{
    EthnicGroup, GeneralEducation, Occupation, PartyStatus, Person, PoliticalTheory,
    ProfessionalQualification, Religion, Sex,
};
use ketnap_domain::sensitive::Sensitive;
use ketnap_store::testing::test_stores;
use ketnap_store::{PersonQuery, StoreError};

fn person(name: &str, sex: Sex, birth: chrono::NaiveDate, cccd: Option<&str>) -> Person {
    Person {
        id: 0,
        cccd: cccd.map(|c| Sensitive::new(c.to_string())),
        full_name: name.into(),
        sex,
        birth_date: Sensitive::new(birth),
        ethnic_group: Sensitive::new(EthnicGroup::parse("08").unwrap_or_default()),
        religion: Sensitive::new(Religion::None),
        education: GeneralEducation::UpperSecondary,
        qualification: ProfessionalQualification::None,
        political_theory: PoliticalTheory::None,
        occupation: Occupation::Farmer,
        youth_union: true,
        residence_locality: None,
    }
}

#[tokio::test]
async fn cccd_is_checked_and_unique() -> Result<(), StoreError> {
    for t in test_stores().await? {
        let s = &t.store;
        // 4th digit 1 says female, born 1900–1999; the record says male.
        let wrong = person("Giàng A Sử", Sex::Male, d(1985, 3, 2), Some("010185001234"));
        let r = s.person_create(&wrong, "test").await;
        assert_eq!(rules(&r), ["cccd.sex_century"], "{:?}", t.backend());
        let msg = r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg.starts_with("cccd: CCCD 4th digit 1 says female"),
            "{msg}"
        );
        assert!(!msg.contains("010185001234"), "{msg}");

        let a = s
            .person_create(
                &person(
                    "Giàng Thị Sú",
                    Sex::Female,
                    d(1985, 3, 2),
                    Some("010185001234"),
                ),
                "test",
            )
            .await?;
        let twin = person(
            "Giàng Thị Sa",
            Sex::Female,
            d(1985, 3, 2),
            Some("010185001234"),
        );
        let r = s.person_create(&twin, "test").await;
        assert_eq!(rules(&r), ["person.cccd.unique"]);
        let msg = r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.starts_with("cccd: "), "{msg}");
        assert!(!msg.contains("010185001234"), "{msg}");

        // Updating keeps one's own number; taking someone else's is refused.
        let b = s
            .person_create(
                &person("Giàng Thị Sa", Sex::Female, d(1985, 3, 2), None),
                "test",
            )
            .await?;
        let mut rec = s
            .person_by_id(a)
            .await?
            .map(|r| r.person)
            .unwrap_or_else(|| twin.clone());
        rec.youth_union = false;
        assert!(s.person_update(&rec, "test").await?);
        assert!(!s.person_update(&rec, "test").await?);
        let mut other = s
            .person_by_id(b)
            .await?
            .map(|r| r.person)
            .unwrap_or_else(|| twin.clone());
        other.cccd = Some(Sensitive::new("010185001234".into()));
        assert_eq!(
            rules(&s.person_update(&other, "test").await),
            ["person.cccd.unique"]
        );
        assert_eq!(
            s.person_by_cccd("010185001234").await?.map(|r| r.person.id),
            Some(a)
        );
        assert_eq!(
            s.person_ids_by_name_birth("giang thi sa", d(1985, 3, 2))
                .await?,
            [b]
        );
        let mut unknown_home = other.clone();
        unknown_home.cccd = None;
        unknown_home.residence_locality = Some(999);
        assert_eq!(
            rules(&s.person_update(&unknown_home, "test").await),
            ["person.residence.unknown"]
        );

        // The audit trail keeps the before → after detail.
        let audit = s.audit_recent(Some(("person", &a.to_string())), 10).await?;
        assert_eq!(
            audit.iter().map(|x| x.action.as_str()).collect::<Vec<_>>(),
            ["person.update", "person.create"]
        );
        assert!(audit[0].detail.contains("\"before\""));
    }
    Ok(())
}

#[tokio::test]
async fn search_folds_diacritics_and_sorts_the_vietnamese_way() -> Result<(), StoreError> {
    for t in test_stores().await? {
        let s = &t.store;
        let tr = tree(s).await?;
        let names = [
            ("Trần Văn Bình", Sex::Male, "001090000001"),
            ("Nguyễn Văn A", Sex::Male, "001090000002"),
            ("Nguyễn Thị An", Sex::Female, "001190000003"),
            ("Lê Văn An", Sex::Male, "001090000004"),
            ("Đặng Văn Ánh", Sex::Male, "001090000005"),
            ("Nguyễn Văn Anh", Sex::Male, "001090000006"),
        ];
        let mut ids = vec![];
        for (n, sex, c) in names {
            ids.push(
                s.person_create(&person(n, sex, d(1990, 1, 1), Some(c)), "test")
                    .await?,
            );
        }
        // Only some are in A Lù's first branch; Lê Văn An is in Ngải Thầu's.
        for id in &ids[..3] {
            s.person_add_status(
                *id,
                PartyStatus::Official,
                Some(tr.branches[0]),
                d(2020, 1, 1),
                "test",
            )
            .await?;
        }
        s.person_add_status(
            ids[3],
            PartyStatus::Candidate,
            Some(tr.nt_branch),
            d(2020, 1, 1),
            "test",
        )
        .await?;

        let q = |text: &str, scope: Option<i64>| PersonQuery {
            text: text.into(),
            scope,
            as_of: d(2024, 1, 1),
            limit: 50,
        };
        let found = |v: Vec<ketnap_store::PersonHit>| {
            v.into_iter().map(|h| h.full_name).collect::<Vec<_>>()
        };
        assert_eq!(
            found(s.person_search(&q("nguyen van a", None)).await?),
            ["Nguyễn Văn A", "Nguyễn Văn Anh"]
        );
        assert_eq!(
            found(s.person_search(&q("NGUYỄN  van", None)).await?),
            ["Nguyễn Văn A", "Nguyễn Văn Anh"]
        );
        assert_eq!(
            found(s.person_search(&q("dang anh", None)).await?),
            ["Đặng Văn Ánh"]
        );
        assert!(s.person_search(&q("guyen", None)).await?.is_empty());
        assert!(s.person_search(&q("100%_", None)).await?.is_empty());
        // Given name first, then middle, then family name.
        assert_eq!(
            found(s.person_search(&q("", None)).await?),
            [
                "Nguyễn Văn A",
                "Nguyễn Thị An",
                "Lê Văn An",
                "Đặng Văn Ánh",
                "Nguyễn Văn Anh",
                "Trần Văn Bình"
            ]
        );
        assert_eq!(
            found(
                s.person_search(&PersonQuery {
                    limit: 2,
                    ..q("", None)
                })
                .await?
            ),
            ["Nguyễn Văn A", "Nguyễn Thị An"]
        );
        // Exact CCCD.
        let by_id = s.person_search(&q(" 001090000004 ", None)).await?;
        assert_eq!(found(by_id.clone()), ["Lê Văn An"]);
        assert_eq!(by_id[0].status, Some(PartyStatus::Candidate));
        assert_eq!(
            by_id[0].branch.as_ref().map(|b| b.code.as_str()),
            Some("X02693.01")
        );
        // In a subtree, on a date.
        assert_eq!(
            found(s.person_search(&q("an", Some(tr.alu))).await?),
            ["Nguyễn Thị An"]
        );
        assert_eq!(
            found(s.person_search(&q("an", Some(tr.district))).await?),
            ["Nguyễn Thị An", "Lê Văn An"]
        );
        assert!(
            s.person_search(&PersonQuery {
                as_of: d(2019, 1, 1),
                ..q("an", Some(tr.district))
            })
            .await?
            .is_empty()
        );
        assert!(
            s.person_search(&q("001090000004", Some(tr.alu)))
                .await?
                .is_empty()
        );
    }
    Ok(())
}

#[tokio::test]
async fn status_spells_follow_the_rules() -> Result<(), StoreError> {
    for t in test_stores().await? {
        let s = &t.store;
        let tr = tree(s).await?;
        let [b1, b2] = [tr.branches[0], tr.branches[1]];
        let id = s
            .person_create(
                &person(
                    "Lò Thị Mai",
                    Sex::Female,
                    d(2001, 4, 9),
                    Some("010301012345"),
                ),
                "test",
            )
            .await?;
        // A committee is not where people belong; a status that needs a branch must have one.
        let r = s
            .person_add_status(
                id,
                PartyStatus::Candidate,
                Some(tr.alu),
                d(2021, 1, 1),
                "test",
            )
            .await;
        assert_eq!(
            rules(&r),
            ["person.status.branch_kind"],
            "{:?}",
            t.backend()
        );
        let r = s
            .person_add_status(id, PartyStatus::Candidate, None, d(2021, 1, 1), "test")
            .await;
        assert_eq!(rules(&r), ["person.status.branch"]);
        let r = s
            .person_add_status(id, PartyStatus::Candidate, Some(b1), d(2010, 1, 1), "test")
            .await;
        assert_eq!(rules(&r), ["org.unit.exists_at"]);

        s.person_add_status(id, PartyStatus::Candidate, Some(b1), d(2021, 1, 1), "test")
            .await?;
        s.person_add_status(
            id,
            PartyStatus::Probationary,
            Some(b1),
            d(2022, 5, 19),
            "test",
        )
        .await?;
        let r = s
            .person_add_status(id, PartyStatus::Candidate, Some(b1), d(2023, 1, 1), "test")
            .await;
        assert_eq!(rules(&r), ["person.status.succession"]);
        let r = s
            .person_add_status(id, PartyStatus::Official, Some(b1), d(2022, 5, 19), "test")
            .await;
        assert_eq!(rules(&r), ["person.status.in_order"]);
        s.person_add_status(id, PartyStatus::Official, Some(b1), d(2023, 5, 19), "test")
            .await?;
        // Transferred to another branch (a new official spell there).
        s.person_add_status(id, PartyStatus::Official, Some(b2), d(2025, 2, 1), "test")
            .await?;

        let rec = s
            .person_by_id(id)
            .await?
            .map(|r| r.statuses)
            .unwrap_or_default();
        let got: Vec<_> = rec
            .iter()
            .map(|v| {
                (
                    v.status,
                    v.branch.as_ref().map(|b| b.id),
                    v.period.from,
                    v.period.to,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    PartyStatus::Candidate,
                    Some(b1),
                    d(2021, 1, 1),
                    Some(d(2022, 5, 19))
                ),
                (
                    PartyStatus::Probationary,
                    Some(b1),
                    d(2022, 5, 19),
                    Some(d(2023, 5, 19))
                ),
                (
                    PartyStatus::Official,
                    Some(b1),
                    d(2023, 5, 19),
                    Some(d(2025, 2, 1))
                ),
                (PartyStatus::Official, Some(b2), d(2025, 2, 1), None),
            ]
        );
        let members =
            |b, on| async move { s.branch_members(b, on).await.map(|v| v.len()).unwrap_or(99) };
        assert_eq!(
            members(b1, d(2021, 6, 1)).await,
            0,
            "a candidate is not a member"
        );
        assert_eq!(members(b1, d(2022, 6, 1)).await, 1);
        assert_eq!(members(b1, d(2025, 2, 1)).await, 0);
        assert_eq!(members(b2, d(2025, 2, 1)).await, 1);

        s.person_add_status(id, PartyStatus::Deceased, None, d(2026, 1, 1), "test")
            .await?;
        let r = s
            .person_add_status(id, PartyStatus::Official, Some(b2), d(2026, 2, 1), "test")
            .await;
        assert_eq!(rules(&r), ["person.status.succession"]);
        let stats = s.stats(d(2026, 1, 1)).await?;
        assert_eq!(stats.people_by_status, [("deceased".to_string(), 1)]);
    }
    Ok(())
}
