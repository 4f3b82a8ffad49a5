//! The locality suite, run on SQLite and on PostgreSQL: communes, combined branches (at most
//! three localities), population by year, moves between communes and reads as of a date.

mod common;

use common::{d, rules, tree};
use ketnap_domain::locality::{LocalityKind, NewLocality};
use ketnap_store::StoreError;
use ketnap_store::testing::test_stores;

fn village(code: &str, name: &str, commune: i64) -> NewLocality {
    NewLocality {
        code: code.into(),
        name: name.into(),
        kind: LocalityKind::Village,
        commune,
        from: d(2016, 1, 1),
    }
}

#[tokio::test]
async fn localities_sit_in_commune_committees() -> Result<(), StoreError> {
    for t in test_stores().await? {
        let s = &t.store;
        let tr = tree(s).await?;
        let r = s
            .locality_create(&village("T01", "Thôn Phìn Chải", tr.district), "test")
            .await;
        assert_eq!(rules(&r), ["locality.commune.kind"], "{:?}", t.backend());
        let r = s
            .locality_create(&village("T01", "Thôn Phìn Chải", tr.branches[0]), "test")
            .await;
        assert_eq!(rules(&r), ["locality.commune.kind"]);
        let before = NewLocality {
            from: d(2010, 1, 1),
            ..village("T01", "Thôn Phìn Chải", tr.alu)
        };
        assert_eq!(
            rules(&s.locality_create(&before, "test").await),
            ["org.unit.exists_at"]
        );
        let bad = village("T 01", "", tr.alu);
        assert_eq!(
            rules(&s.locality_create(&bad, "test").await),
            ["locality.code.format", "locality.name.format"]
        );

        let id = s
            .locality_create(&village("t01", "Thôn Phìn Chải", tr.alu), "test")
            .await?;
        assert_eq!(s.locality_by_code("T01").await?.map(|l| l.id), Some(id));
        let dup = s
            .locality_create(&village("T01", "Thôn khác", tr.alu), "test")
            .await;
        assert_eq!(rules(&dup), ["locality.code.unique"]);
        let audit = s.audit_recent(Some(("locality", "t01")), 10).await?;
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].action, "locality.create");
    }
    Ok(())
}

#[tokio::test]
async fn a_combined_branch_serves_at_most_three() -> Result<(), StoreError> {
    for t in test_stores().await? {
        let s = &t.store;
        let tr = tree(s).await?;
        let mut ids = vec![];
        for i in 1..=5 {
            ids.push(
                s.locality_create(
                    &village(&format!("T0{i}"), &format!("Thôn {i}"), tr.alu),
                    "test",
                )
                .await?,
            );
        }
        let b = tr.branches[0];
        for id in &ids[..3] {
            s.locality_set_service(*id, Some(b), d(2020, 1, 1), "test")
                .await?;
        }
        let fourth = s
            .locality_set_service(ids[3], Some(b), d(2021, 1, 1), "test")
            .await;
        assert_eq!(
            rules(&fourth),
            ["locality.service.max"],
            "{:?}",
            t.backend()
        );
        // Earlier than the others started, the branch still serves three from 2020 on: refused.
        let earlier = s
            .locality_set_service(ids[3], Some(b), d(2019, 1, 1), "test")
            .await;
        assert_eq!(rules(&earlier), ["locality.service.max"]);
        // A committee does not serve localities.
        let committee = s
            .locality_set_service(ids[3], Some(tr.alu), d(2021, 1, 1), "test")
            .await;
        assert_eq!(rules(&committee), ["locality.service.branch_kind"]);
        // One locality gets its own branch from 2022: from then on the combined branch has room.
        s.locality_set_service(ids[2], Some(tr.branches[1]), d(2022, 1, 1), "test")
            .await?;
        let still_full = s
            .locality_set_service(ids[3], Some(b), d(2021, 6, 1), "test")
            .await;
        assert_eq!(rules(&still_full), ["locality.service.max"]);
        s.locality_set_service(ids[3], Some(b), d(2022, 1, 1), "test")
            .await?;
        // Changes to one locality apply in date order; the same branch twice is refused.
        let late = s
            .locality_set_service(ids[3], Some(tr.branches[2]), d(2021, 1, 1), "test")
            .await;
        assert_eq!(rules(&late), ["locality.date.in_order"]);
        let same = s
            .locality_set_service(ids[3], Some(b), d(2023, 1, 1), "test")
            .await;
        assert_eq!(rules(&same), ["locality.service.same"]);
        // Stopping a service that does not exist is refused; stopping one frees a place.
        assert_eq!(
            rules(
                &s.locality_set_service(ids[4], None, d(2023, 1, 1), "test")
                    .await
            ),
            ["locality.service.none"]
        );
        s.locality_set_service(ids[0], None, d(2024, 1, 1), "test")
            .await?;
        s.locality_set_service(ids[4], Some(b), d(2024, 1, 1), "test")
            .await?;

        let served = |on| async move {
            let v = s.localities_in(tr.alu, on).await?;
            Ok::<_, StoreError>(
                v.into_iter()
                    .filter(|l| l.branch.as_ref().is_some_and(|x| x.id == b))
                    .map(|l| l.code)
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(served(d(2021, 1, 1)).await?, ["T01", "T02", "T03"]);
        assert_eq!(served(d(2022, 1, 1)).await?, ["T01", "T02", "T04"]);
        assert_eq!(served(d(2024, 1, 1)).await?, ["T02", "T04", "T05"]);
        let h = s
            .locality_history(ids[2])
            .await?
            .map(|h| h.service)
            .unwrap_or_default();
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].period.to, Some(d(2022, 1, 1)));
        assert_eq!(h[1].org.id, tr.branches[1]);
    }
    Ok(())
}

#[tokio::test]
async fn population_by_year_and_localities_as_of() -> Result<(), StoreError> {
    for t in test_stores().await? {
        let s = &t.store;
        let tr = tree(s).await?;
        let pc = s
            .locality_create(&village("T01", "Thôn Phìn Chải", tr.alu), "test")
            .await?;
        let ks = s
            .locality_create(&village("T11", "Thôn Khoa San Chải", tr.nt), "test")
            .await?;
        assert_eq!(
            rules(&s.locality_set_population(pc, 2024, -1, "test").await),
            ["locality.population.range"]
        );
        assert_eq!(
            rules(&s.locality_set_population(pc, 1800, 5, "test").await),
            ["locality.population.year"]
        );
        s.locality_set_population(pc, 2019, 1200, "test").await?;
        s.locality_set_population(pc, 2024, 1250, "test").await?;
        s.locality_set_population(pc, 2024, 1262, "test").await?;
        s.locality_set_service(ks, Some(tr.nt_branch), d(2016, 1, 1), "test")
            .await?;

        let pop = |v: &[ketnap_store::LocalityView], code: &str| {
            v.iter()
                .find(|l| l.code == code)
                .and_then(|l| l.population)
                .map(|p| (p.year, p.population))
        };
        let v = s.localities_in(tr.alu, d(2018, 6, 1)).await?;
        assert_eq!(pop(&v, "T01"), None);
        let v = s.localities_in(tr.alu, d(2023, 6, 1)).await?;
        assert_eq!(pop(&v, "T01"), Some((2019, 1200)));
        let v = s.localities_in(tr.alu, d(2024, 6, 1)).await?;
        assert_eq!(pop(&v, "T01"), Some((2024, 1262)));

        // Ngải Thầu's villages pass to A Lù on 1/3/2020 (the merger); the district sees both
        // all along through the closure table.
        assert_eq!(
            rules(&s.locality_move(ks, tr.nt, d(2020, 3, 1), "test").await),
            ["locality.move.same_commune"]
        );
        assert_eq!(
            rules(
                &s.locality_move(ks, tr.district, d(2020, 3, 1), "test")
                    .await
            ),
            ["locality.commune.kind"]
        );
        s.locality_move(ks, tr.alu, d(2020, 3, 1), "test").await?;
        let codes =
            |v: Vec<ketnap_store::LocalityView>| v.into_iter().map(|l| l.code).collect::<Vec<_>>();
        assert_eq!(
            codes(s.localities_in(tr.alu, d(2020, 2, 29)).await?),
            ["T01"]
        );
        assert_eq!(
            codes(s.localities_in(tr.nt, d(2020, 2, 29)).await?),
            ["T11"]
        );
        assert_eq!(
            codes(s.localities_in(tr.alu, d(2020, 3, 1)).await?),
            ["T01", "T11"]
        );
        assert!(s.localities_in(tr.nt, d(2020, 3, 1)).await?.is_empty());
        assert_eq!(
            codes(s.localities_in(tr.district, d(2019, 1, 1)).await?),
            ["T01", "T11"]
        );
        assert_eq!(
            codes(s.localities_in(tr.province, d(2021, 1, 1)).await?),
            ["T01", "T11"]
        );
        let v = s.localities_in(tr.alu, d(2021, 1, 1)).await?;
        let ksv = v.iter().find(|l| l.code == "T11");
        assert_eq!(ksv.map(|l| l.commune.code.as_str()), Some("X02692"));
        assert_eq!(
            ksv.and_then(|l| l.branch.as_ref()).map(|b| b.code.as_str()),
            Some("X02693.01")
        );

        let h = s.locality_history(ks).await?;
        let communes: Vec<_> = h
            .iter()
            .flat_map(|h| h.communes.iter().map(|c| (c.org.code.clone(), c.period.to)))
            .collect();
        assert_eq!(
            communes,
            [
                ("X02693".to_string(), Some(d(2020, 3, 1))),
                ("X02692".to_string(), None)
            ]
        );

        // Closing ends the locality, its commune and its service.
        assert_eq!(
            rules(&s.locality_close(ks, d(2019, 1, 1), "test").await),
            ["locality.date.in_order"]
        );
        s.locality_close(ks, d(2025, 7, 1), "test").await?;
        assert_eq!(
            codes(s.localities_in(tr.alu, d(2025, 7, 1)).await?),
            ["T01"]
        );
        assert_eq!(
            codes(s.localities_in(tr.alu, d(2025, 6, 30)).await?),
            ["T01", "T11"]
        );
        let h = s.locality_history(ks).await?;
        assert!(
            h.iter()
                .all(|h| h.service.iter().all(|x| x.period.to == Some(d(2025, 7, 1))))
        );
        assert_eq!(
            rules(&s.locality_close(ks, d(2026, 1, 1), "test").await),
            ["locality.close.closed"]
        );

        assert!(
            s.locality_update(pc, "Thôn Phìn Chải 1", LocalityKind::Village, "test")
                .await?
        );
        assert!(
            !s.locality_update(pc, "Thôn Phìn Chải 1", LocalityKind::Village, "test")
                .await?
        );
        let actions: Vec<String> = s
            .audit_recent(Some(("locality", "T01")), 20)
            .await?
            .into_iter()
            .map(|a| a.action)
            .collect();
        assert_eq!(
            actions
                .iter()
                .filter(|a| *a == "locality.population")
                .count(),
            3
        );
        assert!(actions.contains(&"locality.update".to_string()));
    }
    Ok(())
}
