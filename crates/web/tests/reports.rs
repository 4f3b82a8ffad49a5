//! `GET /api/v1/reports/{name}` over HTTP on both engines: the admissions breakdown as JSON and
//! CSV, re-based, and the errors.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use ketnap_domain::org::{NewUnit, Operation, OrgKind, Sector};
use ketnap_domain::person::{
    EthnicGroup, GeneralEducation, Occupation, PartyStatus, Person, PoliticalTheory,
    ProfessionalQualification, Religion, Sex,
};
use ketnap_domain::sensitive::Sensitive;
use ketnap_store::Store;
use ketnap_store::testing::test_stores;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

mod common;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

async fn unit(s: &Store, code: &str, kind: OrgKind, sector: Sector, parent: Option<i64>) -> i64 {
    let unit = NewUnit {
        code: code.into(),
        name: format!("Đơn vị {code}"),
        kind,
        sector,
        parent,
    };
    s.org_apply(
        &Operation::Create {
            unit,
            date: d(2016, 1, 1),
        },
        "test",
    )
    .await
    .unwrap()[0]
}

async fn admit(s: &Store, sex: Sex, branch: i64, on: NaiveDate) {
    let p = Person {
        id: 0,
        cccd: None,
        full_name: "Lò Thị Mai".into(),
        sex,
        birth_date: Sensitive::new(d(1998, 3, 1)),
        ethnic_group: Sensitive::new(EthnicGroup::parse("03").unwrap()),
        religion: Sensitive::new(Religion::None),
        education: GeneralEducation::UpperSecondary,
        qualification: ProfessionalQualification::University,
        political_theory: PoliticalTheory::None,
        occupation: Occupation::PupilStudent,
        youth_union: true,
        residence_locality: None,
    };
    let id = s.person_create(&p, "test").await.unwrap();
    s.person_add_status(
        id,
        PartyStatus::Candidate,
        Some(branch),
        d(2020, 1, 1),
        "test",
    )
    .await
    .unwrap();
    s.person_add_status(id, PartyStatus::Probationary, Some(branch), on, "test")
        .await
        .unwrap();
}

#[tokio::test]
async fn reports_over_http() {
    for t in test_stores().await.unwrap() {
        let s = &t.store;
        let tw = unit(s, "TW", OrgKind::Central, Sector::Nation, None).await;
        let p = unit(
            s,
            "T10",
            OrgKind::ProvincialCommittee,
            Sector::Province,
            Some(tw),
        )
        .await;
        let x = unit(
            s,
            "X1",
            OrgKind::GrassrootsCommittee,
            Sector::Commune,
            Some(p),
        )
        .await;
        let b = unit(s, "X1.01", OrgKind::Branch, Sector::Village, Some(x)).await;
        for i in 0..11 {
            let sex = if i < 6 { Sex::Female } else { Sex::Male };
            admit(s, sex, b, d(2024, 1 + (i % 12) as u32, 5)).await;
        }
        admit(s, Sex::Male, b, d(2023, 2, 1)).await;

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(ketnap_web::serve_until(listener, s.clone(), async move {
            let _ = rx.await;
        }));
        let http = common::admin_client(s).await;
        let get = |path: String| {
            let http = http.clone();
            let base = base.clone();
            async move {
                let res = http.get(format!("{base}{path}")).send().await.unwrap();
                let status = res.status();
                let ctype = res
                    .headers()
                    .get("content-type")
                    .map(|v| v.to_str().unwrap_or("").to_string())
                    .unwrap_or_default();
                (status, ctype, res.text().await.unwrap())
            }
        };

        let (st, _, body) = get("/api/v1/reports/admissions?org=T10&period=2024".into()).await;
        assert_eq!(st, StatusCode::OK, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["structure"], "as_was");
        assert_eq!(v["rows"][0]["id"], "total");
        assert_eq!(v["rows"][0]["current"], 11);
        assert_eq!(v["rows"][0]["previous"], 1);
        assert_eq!(v["rows"][0]["percent_vi"], "1.100%");
        assert_eq!(v["rows"][1]["id"], "women");
        assert_eq!(v["rows"][1]["share_vi"], "54,5%");
        assert_eq!(v["period"]["from"], "2024-01-01");

        let (st, ctype, csv) =
            get("/api/v1/reports/admissions?org=X1&period=2024-H1&rebase=true&format=csv".into())
                .await;
        assert_eq!(st, StatusCode::OK, "{csv}");
        assert!(ctype.starts_with("text/csv"), "{ctype}");
        assert!(
            csv.starts_with("id,Chỉ tiêu,Kỳ này,Cùng kỳ năm trước,% so sánh,Tỷ lệ\r\ntotal,Tổng số,6,1,600%,100%\r\n"),
            "{csv}"
        );

        let (st, _, body) = get("/api/v1/reports/membership?org=X1&as_of=2024-12-31".into()).await;
        assert_eq!(st, StatusCode::OK, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["total"]["members"], 12);
        assert_eq!(v["rows"][0]["code"], "X1.01");

        let (st, _, body) = get("/api/v1/reports/candidates?org=T10&as_of=2022-06-01".into()).await;
        assert_eq!(st, StatusCode::OK, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (
                v["rows"][0]["current"].as_i64(),
                v["rows"][0]["previous"].as_i64()
            ),
            (Some(12), Some(12))
        );

        let (st, _, body) = get("/api/v1/reports".into()).await;
        assert_eq!(st, StatusCode::OK);
        assert!(body.contains("coverage"));
        let (st, _, body) = get("/api/v1/reports/nope?org=T10&period=2024".into()).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{body}");
        let (st, _, body) = get("/api/v1/reports/admissions?org=T10&period=2024-13".into()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.contains("is not a period"), "{body}");
        let (st, _, _) = get("/api/v1/reports/admissions?org=ZZ&period=2024".into()).await;
        assert_eq!(st, StatusCode::NOT_FOUND);

        let _ = tx.send(());
        task.await.unwrap().unwrap();
    }
}
