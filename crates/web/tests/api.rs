//! The real server on a random port over a throwaway database (SQLite and PostgreSQL),
//! exercised over HTTP: structure operations, the tree as of dates, history, errors, health.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ketnap_store::testing::{TestDb, test_stores};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

mod common;
use common::{logged, logs};

struct Server {
    base: String,
    http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), ketnap_web::WebError>>>,
}

impl Server {
    async fn start(db: &TestDb) -> Server {
        logs();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let store = db.store.clone();
        let task = tokio::spawn(ketnap_web::serve_until(listener, store, async move {
            let _ = rx.await;
        }));
        Server {
            base: format!("http://{addr}"),
            http: common::admin_client(&db.store).await,
            stop: Some(tx),
            task: Some(task),
        }
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap())
    }

    async fn op(&self, body: Value) -> (StatusCode, Value) {
        let res = self
            .http
            .post(format!("{}/api/v1/org/operations", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap())
    }

    async fn ok(&self, body: Value) -> Value {
        let (s, v) = self.op(body.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{body} → {v}");
        v
    }

    async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap().unwrap();
        }
    }
}

fn create(code: &str, name: &str, kind: &str, sector: &str, parent: Option<&str>) -> Value {
    json!({"op":"create","code":code,"name":name,"kind":kind,"sector":sector,
           "parent_code":parent,"date":"2016-01-01"})
}

fn codes(v: &Value) -> Vec<String> {
    let mut c: Vec<String> = v["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap().to_string())
        .collect();
    c.sort();
    c
}

fn parent_of(tree: &Value, code: &str) -> Option<String> {
    let units = tree["units"].as_array().unwrap();
    let unit = units.iter().find(|u| u["code"] == code)?;
    let pid = unit["parent_id"].as_i64()?;
    units
        .iter()
        .find(|u| u["id"] == pid)
        .map(|u| u["code"].as_str().unwrap().to_string())
}

/// Lào Cai, Bát Xát district: A Lù absorbs Ngải Thầu (1/3/2020); Bản Xèo is split (2022);
/// on 1/7/2025 A Lù and Y Tý merge into a new commune under the province, Bản Xèo moves up, and
/// the district committee is dissolved.
#[tokio::test]
async fn structure_over_http_on_both_engines() {
    for db in test_stores().await.unwrap() {
        let backend = db.backend().as_str();
        let srv = Server::start(&db).await;

        let (s, v) = srv.get("/health").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v, json!({"status":"ok","db":backend}));

        for body in [
            create("TW", "Trung ương", "central", "nation", None),
            create(
                "T10",
                "Đảng bộ tỉnh Lào Cai",
                "provincial_committee",
                "province",
                Some("TW"),
            ),
            create(
                "H082",
                "Đảng bộ huyện Bát Xát",
                "direct_committee",
                "district",
                Some("T10"),
            ),
            create(
                "X02692",
                "Đảng bộ xã A Lù",
                "grassroots_committee",
                "commune",
                Some("H082"),
            ),
            create(
                "X02693",
                "Đảng bộ xã Ngải Thầu",
                "grassroots_committee",
                "commune",
                Some("H082"),
            ),
            create(
                "X02680",
                "Đảng bộ xã Y Tý",
                "grassroots_committee",
                "commune",
                Some("H082"),
            ),
            create(
                "X02695",
                "Đảng bộ xã Bản Xèo",
                "grassroots_committee",
                "commune",
                Some("H082"),
            ),
            create(
                "X02692.01",
                "Chi bộ thôn Phìn Chải",
                "branch",
                "village",
                Some("X02692"),
            ),
            create(
                "X02693.01",
                "Chi bộ thôn Khoa San Chải",
                "branch",
                "village",
                Some("X02693"),
            ),
            create(
                "X02680.01",
                "Chi bộ thôn Mò Phú Chải",
                "branch",
                "village",
                Some("X02680"),
            ),
            create(
                "X02695.01",
                "Chi bộ thôn Pề Ngài Chồ",
                "branch",
                "village",
                Some("X02695"),
            ),
            create(
                "X02695.02",
                "Chi bộ thôn Ná Lùng",
                "branch",
                "village",
                Some("X02695"),
            ),
        ] {
            srv.ok(body).await;
        }

        // Sáp nhập: Ngải Thầu into A Lù.
        let v = srv
            .ok(json!({"op":"merge","sources":["X02693"],"into_code":"X02692","date":"2020-03-01"}))
            .await;
        assert_eq!(v["created"], json!([]));
        // Đổi tên and chia tách: Bản Xèo hands Ná Lùng to a new commune and continues.
        srv.ok(json!({"op":"rename","code":"X02695.01","name":"Chi bộ thôn Pề Ngài Chồ 1","date":"2021-01-01"}))
            .await;
        let v = srv
            .ok(json!({"op":"split","source_code":"X02695","source_continues":true,"date":"2022-01-01",
                       "parts":[{"code":"X02696","name":"Đảng bộ xã Ná Lùng","children":["X02695.02"]}]}))
            .await;
        assert_eq!(v["created"][0]["code"], "X02696");
        assert_eq!(v["created"][0]["kind"], "grassroots_committee");

        // 1/7/2025: merge into a new commune under the province, move, dissolve the district.
        let v = srv
            .ok(
                json!({"op":"merge","sources":["X02692","X02680"],"date":"2025-07-01",
                       "new":{"code":"X20001","name":"Đảng bộ xã A Lù","parent_code":"T10"}}),
            )
            .await;
        assert_eq!(v["op"], "merge");
        assert_eq!(v["created"][0]["code"], "X20001");
        for c in ["X02695", "X02696"] {
            srv.ok(json!({"op":"move","code":c,"new_parent_code":"T10","date":"2025-07-01"}))
                .await;
        }
        srv.ok(json!({"op":"dissolve","code":"H082","date":"2025-07-01"}))
            .await;

        // The tree before the merger and after the reform.
        let (s, before) = srv.get("/api/v1/org/tree?root=T10&as_of=2019-12-31").await;
        assert_eq!(s, StatusCode::OK, "{before}");
        assert_eq!(
            codes(&before),
            [
                "H082",
                "T10",
                "X02680",
                "X02680.01",
                "X02692",
                "X02692.01",
                "X02693",
                "X02693.01",
                "X02695",
                "X02695.01",
                "X02695.02"
            ]
        );
        assert_eq!(parent_of(&before, "X02693").as_deref(), Some("H082"));
        let (_, mid) = srv.get("/api/v1/org/tree?root=T10&as_of=2020-03-01").await;
        assert!(!codes(&mid).contains(&"X02693".to_string()));
        assert_eq!(parent_of(&mid, "X02693.01").as_deref(), Some("X02692"));
        let (_, after) = srv.get("/api/v1/org/tree?root=T10&as_of=2025-12-31").await;
        assert_eq!(
            codes(&after),
            [
                "T10",
                "X02680.01",
                "X02692.01",
                "X02693.01",
                "X02695",
                "X02695.01",
                "X02695.02",
                "X02696",
                "X20001"
            ]
        );
        for (child, parent) in [
            ("X20001", "T10"),
            ("X02695", "T10"),
            ("X02693.01", "X20001"),
            ("X02680.01", "X20001"),
            ("X02695.02", "X02696"),
        ] {
            assert_eq!(parent_of(&after, child).as_deref(), Some(parent), "{child}");
        }
        // The name in force on the date asked.
        let name_on = |t: &Value| {
            t["units"]
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["code"] == "X02695.01")
                .map(|u| u["name"].clone())
        };
        assert_eq!(name_on(&before), Some(json!("Chi bộ thôn Pề Ngài Chồ")));
        assert_eq!(name_on(&after), Some(json!("Chi bộ thôn Pề Ngài Chồ 1")));

        // Without a root: the national root and two levels.
        let (_, top) = srv.get("/api/v1/org/tree?as_of=2019-12-31").await;
        assert_eq!(codes(&top), ["H082", "T10", "TW"]);
        let (_, top) = srv.get("/api/v1/org/tree?as_of=2025-12-31&depth=1").await;
        assert_eq!(codes(&top), ["T10", "TW"]);

        // Children as of a date.
        let (_, ch) = srv.get("/api/v1/org/T10/children?as_of=2025-12-31").await;
        let mut kids: Vec<&str> = ch["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["code"].as_str().unwrap())
            .collect();
        kids.sort();
        assert_eq!(kids, ["X02695", "X02696", "X20001"]);

        // History and heirs: Ngải Thầu's history now belongs to the new A Lù.
        let (s, u) = srv.get("/api/v1/org/X02693").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(u["heir"]["code"], "X20001");
        assert_eq!(u["period"]["to"], "2020-03-01");
        let (_, h) = srv.get("/api/v1/org/X02692/history").await;
        assert_eq!(h["predecessors"][0]["unit"]["code"], "X02693");
        assert_eq!(h["predecessors"][0]["kind"], "merge");
        assert_eq!(h["successors"][0]["unit"]["code"], "X20001");
        let (_, h) = srv.get("/api/v1/org/X20001/history").await;
        let preds: Vec<&str> = h["predecessors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["unit"]["code"].as_str().unwrap())
            .collect();
        assert_eq!(preds, ["X02680", "X02692"]);
        let (_, h) = srv.get("/api/v1/org/X02695.01/history").await;
        assert_eq!(h["names"].as_array().unwrap().len(), 2);
        let (_, h) = srv.get("/api/v1/org/X02695/history").await;
        assert_eq!(h["parents"].as_array().unwrap().len(), 2);
        assert_eq!(h["successors"][0]["unit"]["code"], "X02696");
        let (_, h) = srv.get("/api/v1/org/H082").await;
        assert_eq!(h["period"]["to"], "2025-07-01");
        assert_eq!(h["heir"]["code"], "T10");

        // Stats before and after.
        let (_, st) = srv.get("/api/v1/stats?as_of=2019-12-31").await;
        assert_eq!(st["units_by_kind"]["direct_committee"], 1);
        assert_eq!(st["units_by_kind"]["grassroots_committee"], 4);
        let (_, st) = srv.get("/api/v1/stats?as_of=2025-12-31").await;
        assert_eq!(st["units_by_kind"].get("direct_committee"), None);
        assert_eq!(st["units_by_kind"]["grassroots_committee"], 3);

        // A refused operation: 422 with the rule id; nothing written.
        let (s, v) = srv
            .op(json!({"op":"dissolve","code":"T10","date":"2026-01-01"}))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"], "refused");
        assert_eq!(v["violations"][0]["rule"], "org.dissolve.has_children");
        assert_eq!(v["violations"][0]["field"], "unit");
        let (s, v) = srv
            .op(json!({"op":"rename","code":"X02692","name":"A Lù","date":"2024-01-01"}))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["violations"][0]["rule"], "org.date.in_order");
        let (_, u) = srv.get("/api/v1/org/T10").await;
        assert!(u["period"]["to"].is_null());

        // A bad date names the field; an unknown code is 404.
        let (s, v) = srv.get("/api/v1/org/tree?as_of=2025-13-01").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(v["field"], "as_of");
        let (s, v) = srv
            .op(json!({"op":"dissolve","code":"X02695.01","date":"someday"}))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(v["field"], "date");
        let (s, v) = srv.get("/api/v1/org/X99999").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(v["error"], "not_found");

        // The front page answers with HTML.
        let res = srv.http.get(format!("{}/", srv.base)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(html.contains("Đảng bộ tỉnh Lào Cai"));

        // Writes are audited with the API actor.
        let audit = db.store.audit_recent(None, 1).await.unwrap();
        assert_eq!(audit[0].actor, ketnap_web::testing::TOKEN_ACTOR);

        srv.stop().await;
    }
}

/// Localities and people over HTTP on both engines: lists as of dates, history, search by name
/// and by CCCD with the personal data masked, and no CCCD or query string in the log.
#[tokio::test]
async fn localities_and_people_over_http_never_log_the_cccd() {
    use ketnap_domain::locality::{LocalityKind, NewLocality};
    use ketnap_domain::person::{
        EthnicGroup, GeneralEducation, Occupation, PartyStatus, Person, PoliticalTheory,
        ProfessionalQualification, Religion, Sex,
    };
    use ketnap_domain::sensitive::Sensitive;

    const CCCD: &str = "010185001234";
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    for db in test_stores().await.unwrap() {
        let srv = Server::start(&db).await;
        for body in [
            create("TW", "Trung ương", "central", "nation", None),
            create(
                "T10",
                "Đảng bộ tỉnh Lào Cai",
                "provincial_committee",
                "province",
                Some("TW"),
            ),
            create(
                "X02692",
                "Đảng bộ xã A Lù",
                "grassroots_committee",
                "commune",
                Some("T10"),
            ),
            create(
                "X02692.01",
                "Chi bộ thôn Phìn Chải",
                "branch",
                "village",
                Some("X02692"),
            ),
        ] {
            srv.ok(body).await;
        }
        let s = &db.store;
        let commune = s.org_required("X02692").await.unwrap().id;
        let branch = s.org_required("X02692.01").await.unwrap().id;
        let place = s
            .locality_create(
                &NewLocality {
                    code: "X02692-T01".into(),
                    name: "Thôn Phìn Chải".into(),
                    kind: LocalityKind::Village,
                    commune,
                    from: day(2016, 1, 1),
                },
                "test",
            )
            .await
            .unwrap();
        s.locality_set_population(place, 2020, 612, "test")
            .await
            .unwrap();
        s.locality_set_service(place, Some(branch), day(2016, 1, 1), "test")
            .await
            .unwrap();
        let id = s
            .person_create(
                &Person {
                    id: 0,
                    cccd: Some(Sensitive::new(CCCD.into())),
                    full_name: "Giàng Thị Sú".into(),
                    sex: Sex::Female,
                    birth_date: Sensitive::new(day(1985, 3, 2)),
                    ethnic_group: Sensitive::new(EthnicGroup::parse("08").unwrap_or_default()),
                    religion: Sensitive::new(Religion::None),
                    education: GeneralEducation::UpperSecondary,
                    qualification: ProfessionalQualification::None,
                    political_theory: PoliticalTheory::None,
                    occupation: Occupation::Farmer,
                    youth_union: true,
                    residence_locality: Some(place),
                },
                "test",
            )
            .await
            .unwrap();
        s.person_add_status(
            id,
            PartyStatus::Probationary,
            Some(branch),
            day(2019, 5, 19),
            "test",
        )
        .await
        .unwrap();

        let (st, v) = srv.get("/api/v1/localities?org=T10&as_of=2021-06-01").await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["count"], 1);
        assert_eq!(v["localities"][0]["commune"]["code"], "X02692");
        assert_eq!(v["localities"][0]["branch"]["code"], "X02692.01");
        assert_eq!(v["localities"][0]["population"]["population"], 612);
        let (_, v) = srv
            .get("/api/v1/localities?org=X02692&as_of=2015-06-01")
            .await;
        assert_eq!(v["error"], "not_found", "the commune did not exist yet");
        let (st, v) = srv.get("/api/v1/localities/X02692-T01").await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["service"][0]["org"]["code"], "X02692.01");

        for q in [
            format!("q={CCCD}"),
            "q=GIANG%20thi".into(),
            "org=X02692".into(),
        ] {
            let (st, v) = srv
                .get(&format!("/api/v1/people?{q}&as_of=2021-06-01"))
                .await;
            assert_eq!(st, StatusCode::OK, "{q}: {v}");
            assert_eq!(v["count"], 1, "{q}: {v}");
            assert_eq!(v["people"][0]["full_name"], "Giàng Thị Sú");
            assert_eq!(v["people"][0]["status"], "probationary");
            assert!(!v.to_string().contains(CCCD));
        }
        let (st, v) = srv.get(&format!("/api/v1/people/{id}")).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(v["cccd"], "*********234");
        assert_eq!(v["birth_year"], 1985);
        assert_eq!(v["statuses"][0]["branch"]["code"], "X02692.01");
        let (st, _) = srv.get("/api/v1/people/0").await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        srv.stop().await;
    }
    let log = logged();
    assert!(log.contains("/api/v1/people"), "requests are traced");
    assert!(!log.contains(CCCD), "a CCCD reached the log");
    assert!(!log.contains("q="), "a query string reached the log");
}

/// Nậm Mả (Văn Bàn, Lào Cai), 2024: target 6, admitted 14 → 233%; 115% of the 2020–2025 term
/// target. Targets are set over HTTP; admissions are people with status spells (Store API).
#[tokio::test]
async fn targets_over_http_nam_ma() {
    use ketnap_domain::person::{
        EthnicGroup, GeneralEducation, Occupation, PartyStatus, Person, PoliticalTheory,
        ProfessionalQualification, Religion, Sex,
    };
    use ketnap_domain::sensitive::Sensitive;
    let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
    for db in test_stores().await.unwrap() {
        let srv = Server::start(&db).await;
        for body in [
            create("TW", "Trung ương", "central", "nation", None),
            create(
                "T10",
                "Đảng bộ tỉnh Lào Cai",
                "provincial_committee",
                "province",
                Some("TW"),
            ),
            create(
                "H085",
                "Đảng bộ huyện Văn Bàn",
                "direct_committee",
                "district",
                Some("T10"),
            ),
            create(
                "X1",
                "Đảng bộ xã Nậm Mả",
                "grassroots_committee",
                "commune",
                Some("H085"),
            ),
            create(
                "X2",
                "Đảng bộ xã Nậm Xây",
                "grassroots_committee",
                "commune",
                Some("H085"),
            ),
            create(
                "X1.01",
                "Chi bộ thôn Nậm Mả",
                "branch",
                "village",
                Some("X1"),
            ),
            create(
                "X2.01",
                "Chi bộ thôn Nậm Xây",
                "branch",
                "village",
                Some("X2"),
            ),
        ] {
            srv.ok(body).await;
        }
        let put = |body: Value| {
            let http = srv.http.clone();
            let url = format!("{}/api/v1/targets", srv.base);
            async move {
                let res = http.put(url).json(&body).send().await.unwrap();
                let s = res.status();
                (s, res.json::<Value>().await.unwrap())
            }
        };
        for body in [
            json!({"org":"X1","period":"2024","assigned":6}),
            json!({"org":"X1","period":"2020-2025","assigned":20,"registered":20}),
            json!({"org":"X2","period":"2024","assigned":4}),
            json!({"org":"H085","period":"2024","assigned":12}),
        ] {
            let (s, v) = put(body.clone()).await;
            assert_eq!(s, StatusCode::OK, "{body} → {v}");
        }
        let (s, v) = put(json!({"org":"X1","period":"2025-2020","assigned":6})).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        let (s, v) = put(json!({"org":"NOPE","period":"2024","assigned":6})).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
        let (s, v) = put(json!({"org":"X1","period":"2024","assigned":-3})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

        let store = &db.store;
        let branch =
            |code: &'static str| async move { store.org_by_code(code).await.unwrap().unwrap().id };
        let (b1, b2) = (branch("X1.01").await, branch("X2.01").await);
        let names = ["Mai", "Lan", "Hoa", "Đào", "Cúc", "Huệ", "Hồng", "Nga"];
        // 9 in 2020–2023 and 14 in 2024 in Nậm Mả; 2 in 2024 in Nậm Xây.
        let admissions: Vec<(i64, chrono::NaiveDate)> = (0..9)
            .map(|i| (b1, d(2020 + i / 3, 3 + i as u32 % 3, 5)))
            .chain((0..14).map(|i| (b1, d(2024, 1 + i as u32 % 11, 10))))
            .chain((0..2).map(|i| (b2, d(2024, 6, 1 + i))))
            .collect();
        for (n, (b, on)) in admissions.into_iter().enumerate() {
            let p = Person {
                id: 0,
                cccd: None,
                full_name: format!("Lò Thị {}", names[n % names.len()]),
                sex: Sex::Female,
                birth_date: Sensitive::new(d(1999, 1, 1 + (n % 28) as u32)),
                ethnic_group: Sensitive::new(EthnicGroup::parse("08").unwrap_or_default()),
                religion: Sensitive::new(Religion::None),
                education: GeneralEducation::UpperSecondary,
                qualification: ProfessionalQualification::None,
                political_theory: PoliticalTheory::None,
                occupation: Occupation::Farmer,
                youth_union: true,
                residence_locality: None,
            };
            let id = store.person_create(&p, "test").await.unwrap();
            let cand = on - chrono::Days::new(200);
            store
                .person_add_status(id, PartyStatus::Candidate, Some(b), cand, "test")
                .await
                .unwrap();
            store
                .person_add_status(id, PartyStatus::Probationary, Some(b), on, "test")
                .await
                .unwrap();
        }

        let (s, v) = srv
            .get("/api/v1/targets?org=X1&period=2024&as_of=2025-01-10")
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["unit"]["summary"], "14/6, đạt 233%", "{v}");
        assert_eq!(v["unit"]["admitted"], 14);
        assert_eq!(v["unit"]["assigned"], 6);
        let (_, v) = srv
            .get("/api/v1/targets?org=X1&period=2020-2025&as_of=2025-01-10")
            .await;
        assert_eq!(v["unit"]["summary"], "23/20, đạt 115%", "{v}");
        assert_eq!(v["unit"]["basis"], "registered", "{v}");
        let (_, v) = srv
            .get("/api/v1/targets?org=X1&period=2024&as_of=2025-01-10&rebase=true")
            .await;
        assert_eq!(v["unit"]["summary"], "14/6, đạt 233%", "{v}");
        assert!(
            v["structure"].as_str().unwrap().starts_with("Quy đổi"),
            "{v}"
        );

        let (s, v) = srv
            .get("/api/v1/targets?org=H085&period=2024&children=true&as_of=2025-01-10")
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["unit"]["summary"], "16/12, đạt 133%", "{v}");
        assert_eq!(v["children"][0]["org"]["code"], "X1");
        assert_eq!(v["children"][0]["rank"], 1);
        assert_eq!(v["children"][1]["rate_precise"], "50%");
        assert_eq!(v["reconciliation"]["difference"], -2, "{v}");

        // Mid-year: pace and forecast are shown.
        let (_, v) = srv
            .get("/api/v1/targets?org=X1&period=2024&as_of=2024-06-30")
            .await;
        assert_eq!(v["unit"]["admitted"], 9, "{v}");
        assert_eq!(v["unit"]["pace"]["even_spread"], 2, "{v}");
        assert!(
            v["unit"]["forecast"]["text"]
                .as_str()
                .unwrap()
                .starts_with("dự kiến thêm")
        );

        let (s, v) = srv.get("/api/v1/targets?org=X1&period=abc").await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        let (_, v) = srv.get("/api/v1").await;
        assert!(v.to_string().contains("/api/v1/targets"), "{v}");
        srv.stop().await;
    }
}

/// `GET /api/v1/openapi.json` from the real server, without signing in: an OpenAPI 3.1 document
/// with exactly the routes of `ROUTES`, each path parameter declared; and the errors the server
/// really answers with match the schemas it declares for them.
#[tokio::test]
async fn openapi_document_over_http_lists_every_route() {
    use ketnap_web::api::ROUTES;
    use ketnap_web::testing::check_schema;
    let db = ketnap_store::testing::sqlite().await.unwrap();
    let srv = Server::start(&db).await;
    let anonymous = reqwest::Client::new();
    let res = anonymous
        .get(format!("{}/api/v1/openapi.json", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let doc: Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let count: usize = paths
        .values()
        .map(|ops| ops.as_object().unwrap().len())
        .sum();
    assert_eq!(count, ROUTES.len());
    for r in ROUTES {
        let op = &paths[r.path][r.method.to_ascii_lowercase()];
        assert!(op.is_object(), "{} {} missing", r.method, r.path);
        let mut declared: Vec<&str> = op["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["in"] == "path")
                    .map(|p| p["name"].as_str().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        let mut expected: Vec<&str> = r
            .path
            .split('{')
            .skip(1)
            .map(|s| s.split('}').next().unwrap())
            .collect();
        declared.sort_unstable();
        expected.sort_unstable();
        assert_eq!(declared, expected, "{} {}", r.method, r.path);
        assert_eq!(
            op["x-ketnap-permission"],
            r.permission.map_or(Value::Null, |p| json!(p.as_str())),
            "{} {}",
            r.method,
            r.path
        );
    }
    // The document lists itself, public.
    assert_eq!(paths["/api/v1/openapi.json"]["get"]["security"], json!([]));

    // Real error bodies against the declared response schemas.
    let declared = |path: &str, method: &str, status: u16| -> Value {
        let r = &doc["paths"][path][method]["responses"][status.to_string()];
        let r = match r["$ref"].as_str() {
            Some(p) => doc.pointer(p.trim_start_matches('#')).unwrap().clone(),
            None => r.clone(),
        };
        r["content"]["application/json"]["schema"].clone()
    };
    srv.ok(create("TW", "Trung ương", "central", "nation", None))
        .await;
    let viewer = ketnap_web::testing::user_token(
        &db.store,
        "lanhdao-openapi",
        ketnap_domain::access::Role::Viewer,
        Some("TW"),
    )
    .await
    .unwrap();
    let ops = format!("{}/api/v1/org/operations", srv.base);
    let cases: Vec<(&str, &str, reqwest::RequestBuilder)> = vec![
        (
            "/api/v1/me",
            "get",
            anonymous.get(format!("{}/api/v1/me", srv.base)),
        ),
        (
            "/api/v1/login",
            "post",
            anonymous
                .post(format!("{}/api/v1/login", srv.base))
                .json(&json!({"username": "nobody", "password": "wrong-password"})),
        ),
        (
            "/api/v1/org/{code}",
            "get",
            srv.http.get(format!("{}/api/v1/org/NOPE", srv.base)),
        ),
        (
            "/api/v1/org/tree",
            "get",
            srv.http
                .get(format!("{}/api/v1/org/tree?as_of=someday", srv.base)),
        ),
        (
            "/api/v1/org/operations",
            "post",
            srv.http
                .post(&ops)
                .json(&json!({"op": "dissolve", "code": "NOPE", "date": "2024-01-01"})),
        ),
        (
            "/api/v1/org/operations",
            "post",
            srv.http
                .post(&ops)
                .header("content-type", "text/plain")
                .body("op=dissolve"),
        ),
        (
            "/api/v1/org/operations",
            "post",
            anonymous
                .post(&ops)
                .bearer_auth(&viewer)
                .json(&json!({"op": "dissolve", "code": "NOPE", "date": "2024-01-01"})),
        ),
    ];
    let mut statuses = vec![];
    for (path, method, req) in cases {
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap();
        let schema = declared(path, method, status);
        assert!(
            schema.is_object(),
            "{method} {path}: {status} is not declared ({body})"
        );
        check_schema(&doc, &schema, &body)
            .unwrap_or_else(|m| panic!("{method} {path} {status}: {body}: {m}"));
        statuses.push(status);
    }
    assert_eq!(statuses, [401, 401, 404, 400, 422, 415, 403]);
    srv.stop().await;
}
