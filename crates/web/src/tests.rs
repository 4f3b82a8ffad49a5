//! In-process router tests (`oneshot`): error shapes and handlers, over a throwaway database.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use ketnap_store::testing::{TestDb, sqlite, test_stores};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::{AppState, router};

async fn app() -> (TestDb, Router) {
    let db = sqlite().await.unwrap();
    let app = router(AppState::new(db.store.clone()));
    (db, app)
}

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, String, Option<String>) {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let ct = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned(), ct)
}

async fn get(app: &Router, uri: &str) -> (StatusCode, Value) {
    let req = Request::get(uri).body(Body::empty()).unwrap();
    let (status, body, ct) = send(app, req).await;
    assert_eq!(ct.as_deref(), Some("application/json"), "{uri}: {body}");
    (status, serde_json::from_str(&body).unwrap())
}

async fn post_raw(app: &Router, uri: &str, ct: Option<&str>, body: String) -> (StatusCode, Value) {
    let mut b = Request::post(uri);
    if let Some(ct) = ct {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    let (status, body, ct) = send(app, b.body(Body::from(body)).unwrap()).await;
    assert_eq!(ct.as_deref(), Some("application/json"), "{body}");
    (status, serde_json::from_str(&body).unwrap())
}

async fn post(app: &Router, body: Value) -> (StatusCode, Value) {
    post_raw(
        app,
        "/api/v1/org/operations",
        Some("application/json"),
        body.to_string(),
    )
    .await
}

/// TW → T10 (province) → H082 (district) → X1 (commune) → X1.01 (branch), from 2016.
async fn small_tree(app: &Router) {
    for (code, name, kind, sector, parent) in [
        ("TW", "Trung ương", "central", "nation", None),
        (
            "T10",
            "Đảng bộ tỉnh Lào Cai",
            "provincial_committee",
            "province",
            Some("TW"),
        ),
        (
            "H082",
            "Đảng bộ huyện Bát Xát",
            "direct_committee",
            "district",
            Some("T10"),
        ),
        (
            "X1",
            "Đảng bộ xã A Lù",
            "grassroots_committee",
            "commune",
            Some("H082"),
        ),
        (
            "X1.01",
            "Chi bộ thôn <Phìn Chải> & \"Sín Chải\"",
            "branch",
            "village",
            Some("X1"),
        ),
    ] {
        let (s, v) = post(
            app,
            json!({"op":"create","code":code,"name":name,"kind":kind,"sector":sector,"parent_code":parent,"date":"2016-01-01"}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["created"][0]["code"], code);
    }
}

#[tokio::test]
async fn health_is_ok_then_503_when_the_database_is_gone() {
    let (db, app) = app().await;
    let (s, v) = get(&app, "/health").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v, json!({"status":"ok","db":"sqlite"}));
    db.store.close().await;
    let (s, v) = get(&app, "/health").await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(v["error"], "unavailable");
}

#[tokio::test]
async fn bad_query_values_name_the_field() {
    let (_db, app) = app().await;
    let (s, v) = get(&app, "/api/v1/org/tree?as_of=2019-02-30").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"], "bad_request");
    assert_eq!(v["field"], "as_of");
    assert!(v["message"].as_str().unwrap().contains("YYYY-MM-DD"), "{v}");

    let (s, v) = get(&app, "/api/v1/org/tree?depth=deep").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["field"], "depth");

    let (s, v) = get(&app, "/api/v1/org/tree?depth=-1").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["field"], "depth");

    let (s, v) = get(&app, "/api/v1/org/tree?asof=2019-01-01").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["message"].as_str().unwrap().contains("asof"), "{v}");

    let (s, v) = get(&app, "/api/v1/stats?as_of=yesterday").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["field"], "as_of");

    // dd/mm/yyyy is accepted as well.
    let (s, v) = get(&app, "/api/v1/stats?as_of=31/12/2019").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["as_of"], "2019-12-31");
}

#[tokio::test]
async fn unknown_things_are_json_404_and_405() {
    let (_db, app) = app().await;
    let (s, v) = get(&app, "/api/v1/org/NOPE").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"], "not_found");
    assert!(v["message"].as_str().unwrap().contains("NOPE"));
    let (s, _) = get(&app, "/api/v1/org/NOPE/history").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = get(&app, "/api/v1/org/tree?root=NOPE").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = get(&app, "/api/v1/nothing-here").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"], "not_found");
    let req = Request::delete("/api/v1/stats")
        .body(Body::empty())
        .unwrap();
    let (s, body, ct) = send(&app, req).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(ct.as_deref(), Some("application/json"), "{body}");
}

#[tokio::test]
async fn bad_bodies_are_400_415_413() {
    let (_db, app) = app().await;
    let uri = "/api/v1/org/operations";
    let (s, v) = post_raw(&app, uri, Some("application/json"), "{\"op\":".into()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["field"], "body");
    assert!(v["message"].as_str().unwrap().contains("malformed JSON"));

    let (s, v) = post_raw(&app, uri, None, "{}".into()).await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(v["error"], "unsupported_media_type");

    let big = format!("{{\"op\":\"create\",\"name\":\"{}\"}}", "a".repeat(2 << 20));
    let (s, v) = post_raw(&app, uri, Some("application/json"), big).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(v["error"], "payload_too_large");

    let (s, v) = post(&app, json!({"op":"explode","code":"X"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["field"], "op");

    let (s, v) = post(&app, json!({"op":"create","name":"X"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["field"], "code", "{v}");

    let (s, v) = post(
        &app,
        json!({"op":"merge","sources":["A"],"new":{"code":"B"},"date":"2020-01-01"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["field"], "new.name", "{v}");

    let (s, v) = post(&app, json!([1, 2])).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["field"], "body");

    let (s, v) = post(
        &app,
        json!({"op":"create","code":"TW","name":"Trung ương","kind":"emperor","sector":"nation","date":"2016-01-01"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["field"], "kind");
    assert!(v["message"].as_str().unwrap().contains("central"), "{v}");

    let (s, v) = post(
        &app,
        json!({"op":"create","code":"TW","name":"Trung ương","kind":"central","sector":"nation","date":"1/1/16"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["field"], "date");

    let (s, v) = post(
        &app,
        json!({"op":"create","code":"TW","name":"Trung ương","kind":"central","sector":"nation","date":"2016-01-01","parent":"X"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["message"].as_str().unwrap().contains("parent"), "{v}");

    let (s, v) = post(
        &app,
        json!({"op":"split","source_code":"X","parts":[{"code":"A","name":"A","children":[1]}],"date":"2016-01-01"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["field"], "parts[0].children[0]");
}

#[tokio::test]
async fn refusals_are_422_with_rule_ids() {
    for db in test_stores().await.unwrap() {
        let app = router(AppState::new(db.store.clone()));
        small_tree(&app).await;
        // A branch cannot sit under a province.
        let (s, v) = post(
            &app,
            json!({"op":"create","code":"B9","name":"Chi bộ","kind":"branch","sector":"village","parent_code":"T10","date":"2017-01-01"}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"], "refused");
        assert_eq!(v["violations"][0]["rule"], "org.parent.kind");
        assert_eq!(v["violations"][0]["field"], "unit.parent");
        // Unknown codes are named, each with its field.
        let (s, v) = post(
            &app,
            json!({"op":"move","code":"NOPE1","new_parent_code":"NOPE2","date":"2017-01-01"}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let fields: Vec<&str> = v["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["code", "new_parent_code"]);
        assert_eq!(v["violations"][0]["rule"], "org.unit.unknown");
        // Dissolving a unit with subordinates is refused.
        let (s, v) = post(
            &app,
            json!({"op":"dissolve","code":"X1","date":"2018-01-01"}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["violations"][0]["rule"], "org.dissolve.has_children");
        // Nothing was written: the unit still has its branch.
        let (s, v) = get(&app, "/api/v1/org/X1/children?as_of=2019-01-01").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["children"].as_array().unwrap().len(), 1);
        assert_eq!(v["unit"]["code"], "X1");
    }
}

#[tokio::test]
async fn tree_unit_children_stats() {
    let (_db, app) = app().await;
    small_tree(&app).await;
    let (s, v) = get(&app, "/api/v1/org/tree?as_of=2020-01-01").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["depth"], 2);
    let codes: Vec<&str> = v["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["TW", "T10", "H082"]);
    let (_, v) = get(&app, "/api/v1/org/tree?root=h082&as_of=2020-01-01").await;
    assert_eq!(v["count"], 3);
    assert_eq!(v["root"], "H082");
    assert_eq!(v["depth"], Value::Null);
    // Before the units existed.
    let (s, v) = get(&app, "/api/v1/org/tree?root=H082&as_of=2015-01-01").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(v["message"].as_str().unwrap().contains("2016-01-01"), "{v}");
    let (s, v) = get(&app, "/api/v1/org/x1.01").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["kind"], "branch");
    assert_eq!(v["heir"]["code"], "X1.01");
    assert_eq!(v["period"]["from"], "2016-01-01");
    let (_, v) = get(&app, "/api/v1/stats?as_of=2020-01-01").await;
    assert_eq!(v["units_total"], 5);
    assert_eq!(v["units_by_kind"]["branch"], 1);
    let (_, v) = get(&app, "/api/v1").await;
    assert!(v["endpoints"].as_array().unwrap().len() >= 7);
}

#[tokio::test]
async fn front_page_escapes_names_and_lists_endpoints() {
    let (_db, app) = app().await;
    let req = Request::get("/").body(Body::empty()).unwrap();
    let (s, body, ct) = send(&app, req).await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.unwrap_or_default().starts_with("text/html"));
    assert!(
        body.contains("ketnap demo --scale small"),
        "empty database: hint"
    );
    small_tree(&app).await;
    let req = Request::get("/").body(Body::empty()).unwrap();
    let (s, body, _) = send(&app, req).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!body.contains("ketnap demo --scale small"));
    assert!(body.contains("/api/v1/org/T10/history"), "{body}");
    assert!(body.contains("/api/v1/org/tree"));
    assert!(body.contains("Đảng bộ tỉnh Lào Cai"));
    assert!(!body.contains("<Phìn"));
    // The branch is not on the front page (two levels only), so check escaping directly.
    let page = crate::pages::IndexPage {
        today: "<today>".into(),
        backend: "sqlite",
        empty: false,
        units_total: "1".into(),
        localities_total: "0".into(),
        people_total: "0".into(),
        units_by_kind: vec![],
        people_by_status: vec![],
        roots: vec![crate::pages::UnitLink {
            code: "A\"><script>".into(),
            name: "<b>&".into(),
            kind_vi: "x".into(),
            children: vec![],
        }],
        endpoints: vec![],
    };
    let html = askama::Template::render(&page).unwrap();
    assert!(
        !html.contains("<script>") && !html.contains("<b>&"),
        "{html}"
    );
    assert!(html.contains("&#60;b&#62;&#38;"), "{html}");
}

// ---- localities and people ----------------------------------------------------------------

use ketnap_domain::locality::{LocalityKind, NewLocality};
use ketnap_domain::person::{
    EthnicGroup, GeneralEducation, Occupation, PartyStatus, Person, PoliticalTheory,
    ProfessionalQualification, Religion, Sex,
};
use ketnap_domain::sensitive::Sensitive;

const CCCD: &str = "010185001234";

fn day(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A village in X1 served by X1.01 (population 512 in 2020), and a member of X1.01 with a CCCD.
async fn people_and_places(db: &TestDb) -> i64 {
    let s = &db.store;
    let x1 = s.org_required("X1").await.unwrap().id;
    let branch = s.org_required("X1.01").await.unwrap().id;
    let l = s
        .locality_create(
            &NewLocality {
                code: "L1".into(),
                name: "Thôn Phìn Chải".into(),
                kind: LocalityKind::Village,
                commune: x1,
                from: day(2016, 1, 1),
            },
            "test",
        )
        .await
        .unwrap();
    s.locality_set_population(l, 2020, 512, "test")
        .await
        .unwrap();
    s.locality_set_service(l, Some(branch), day(2016, 1, 1), "test")
        .await
        .unwrap();
    let p = s
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
                residence_locality: Some(l),
            },
            "test",
        )
        .await
        .unwrap();
    s.person_add_status(
        p,
        PartyStatus::Probationary,
        Some(branch),
        day(2019, 5, 19),
        "test",
    )
    .await
    .unwrap();
    s.person_add_status(
        p,
        PartyStatus::Official,
        Some(branch),
        day(2020, 5, 19),
        "test",
    )
    .await
    .unwrap();
    p
}

#[tokio::test]
async fn people_and_localities_with_masked_personal_data() {
    let (db, app) = app().await;
    small_tree(&app).await;
    let id = people_and_places(&db).await;

    let (s, v) = get(&app, &format!("/api/v1/people?q={CCCD}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["count"], 1);
    assert_eq!(v["people"][0]["birth_year"], 1985);
    assert!(!v.to_string().contains(CCCD) && !v.to_string().contains("1985-03-02"));

    let (_, v) = get(&app, "/api/v1/people?q=giang%20thi%20su").await;
    assert_eq!(v["people"][0]["id"], id);
    let (_, v) = get(&app, "/api/v1/people?org=T10&as_of=2021-01-01").await;
    assert_eq!(v["people"][0]["status"], "official");
    assert_eq!(v["people"][0]["branch"]["code"], "X1.01");
    let (_, v) = get(&app, "/api/v1/people?org=T10&as_of=2019-01-01").await;
    assert_eq!(v["count"], 0);

    let (s, v) = get(&app, &format!("/api/v1/people/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["cccd"], "*********234");
    assert_eq!(v["statuses"].as_array().unwrap().len(), 2);
    assert!(v.get("religion").is_none() && v.get("ethnic_group").is_none());
    assert!(!v.to_string().contains(CCCD));

    let (s, v) = get(&app, "/api/v1/people/999999").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = get(&app, "/api/v1/people/abc").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = get(&app, "/api/v1/people?q=a&limit=0").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["field"], "limit");
    let (s, v) = get(&app, "/api/v1/people").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["field"], "q");

    let (s, v) = get(&app, "/api/v1/localities?org=X1&as_of=2021-01-01").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["localities"][0]["code"], "L1");
    assert_eq!(v["localities"][0]["branch"]["code"], "X1.01");
    assert_eq!(v["localities"][0]["population"]["population"], 512);
    let (_, v) = get(&app, "/api/v1/localities?org=T10&as_of=2021-01-01").await;
    assert_eq!(v["count"], 1);
    let (s, v) = get(&app, "/api/v1/localities").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["field"], "org");
    let (s, v) = get(&app, "/api/v1/localities/L1").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["populations"][0]["year"], 2020);
    let (s, _) = get(&app, "/api/v1/localities/NOPE").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
