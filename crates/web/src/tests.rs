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
    let app = admin_app(&db).await;
    (db, app)
}

/// The application, with an administrator's API token added to every request that carries no
/// `Authorization` of its own.
async fn admin_app(db: &TestDb) -> Router {
    let token = crate::testing::admin_token(&db.store).await.unwrap();
    with_token(router(AppState::new(db.store.clone())), token)
}

fn with_token(app: Router, token: String) -> Router {
    app.layer(axum::middleware::map_request(
        move |mut req: Request<Body>| {
            let t = token.clone();
            async move {
                if !req.headers().contains_key(header::AUTHORIZATION) {
                    req.headers_mut().insert(
                        header::AUTHORIZATION,
                        format!("Bearer {t}").parse().unwrap(),
                    );
                }
                req
            }
        },
    ))
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
        let app = admin_app(&db).await;
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
        signed_in: Some("<i>lan</i>".into()),
        csrf: "\"><script>".into(),
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

// ---- the admission pipeline: error shapes and bad input ---------------------------------------

use ketnap_domain::pipeline::Refusal;
use ketnap_store::StoreError;

use crate::ApiError;
use axum::response::IntoResponse;

async fn body_of(res: axum::response::Response) -> (StatusCode, Value) {
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn store_refusals_and_conflicts_map_to_422_and_409() {
    let refusal = Refusal {
        rule_id: "certificate.valid",
        regulation: "Hướng dẫn 12-HD/BTCTW",
        article: "điểm 3.1",
        facts: vec![
            ("issued".into(), "12/03/2019".into()),
            ("expired".into(), "12/03/2024".into()),
            ("expired".into(), "again".into()),
        ],
        message_vi: "Giấy chứng nhận đã hết hạn".into(),
        message_en: "The certificate expired".into(),
        event_id: None,
    };
    let mut second = refusal.clone();
    second.rule_id = "order.requires";
    second.event_id = Some(42);
    let res = ApiError::from(StoreError::Refused(vec![refusal, second])).into_response();
    let (s, v) = body_of(res).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"], "refused");
    assert!(v.get("violations").is_none(), "{v}");
    let r = &v["refusals"][0];
    assert_eq!(r["rule_id"], "certificate.valid");
    assert_eq!(r["regulation"], "Hướng dẫn 12-HD/BTCTW");
    assert_eq!(r["article"], "điểm 3.1");
    assert_eq!(r["message_vi"], "Giấy chứng nhận đã hết hạn");
    assert_eq!(r["message_en"], "The certificate expired");
    assert_eq!(
        r["facts"],
        json!({"issued":"12/03/2019","expired":"12/03/2024","expired_2":"again"})
    );
    assert!(
        r.get("event_id").is_none(),
        "only when it names another event"
    );
    assert_eq!(v["refusals"][1]["event_id"], 42);
    assert!(
        v["message"].as_str().unwrap().contains("certificate.valid"),
        "{v}"
    );

    let at = chrono::DateTime::parse_from_rfc3339("2024-05-02T08:30:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let res = ApiError::from(StoreError::Conflict {
        what: "case",
        key: "7".into(),
        expected: 3,
        actual: 4,
        by: "bà Lan".into(),
        at,
    })
    .into_response();
    let (s, v) = body_of(res).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(v["error"], "conflict");
    assert_eq!(
        (v["expected"].clone(), v["actual"].clone()),
        (json!(3), json!(4))
    );
    assert_eq!(v["by"], "bà Lan");
    assert_eq!(v["at"], "2024-05-02T08:30:00Z");
    let msg = v["message"].as_str().unwrap();
    assert!(
        msg.contains("changed by bà Lan") && msg.contains("reload"),
        "{msg}"
    );
}

async fn send_json(
    app: &Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (StatusCode, Value, Option<String>) {
    let mut b = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let req = match body {
        Some(v) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    let res = app.clone().oneshot(req).await.unwrap();
    let etag = res
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (s, v) = body_of(res).await;
    (s, v, etag)
}

fn villager(name: &str, birth: chrono::NaiveDate) -> Person {
    Person {
        id: 0,
        cccd: None,
        full_name: name.into(),
        sex: Sex::Male,
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

/// Nine official members of X1.01 since 2016 and a candidate on its source list from
/// 01/03/2023 (opened over HTTP); returns (members, case id).
async fn a_case(db: &TestDb, app: &Router) -> (Vec<i64>, i64) {
    let s = &db.store;
    let branch = s.org_required("X1.01").await.unwrap().id;
    let mut members = vec![];
    for (i, n) in ["Páo", "Sử", "Chá", "Dế", "Lầu", "Mỷ", "Nhè", "Pó", "Tráng"]
        .iter()
        .enumerate()
    {
        let p = villager(&format!("Vàng A {n}"), day(1970 + i as i32, 3, 1));
        let id = s.person_create(&p, "test").await.unwrap();
        s.person_add_status(
            id,
            PartyStatus::Official,
            Some(branch),
            day(2016, 1, 1),
            "test",
        )
        .await
        .unwrap();
        members.push(id);
    }
    let cand = s
        .person_create(&villager("Giàng A Dình", day(1998, 5, 10)), "test")
        .await
        .unwrap();
    let (st, v, etag) = send_json(
        app,
        "POST",
        "/api/v1/cases",
        &[],
        Some(json!({"person_id":cand,"branch_code":"x1.01","date":"2023-03-01","proposed_by":"youth_union"})),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(etag.as_deref(), Some("\"1\""));
    (members, v["id"].as_i64().unwrap())
}

#[tokio::test]
async fn pipeline_refusals_conflicts_and_bad_input() {
    for db in test_stores().await.unwrap() {
        let app = admin_app(&db).await;
        small_tree(&app).await;
        let (m, case) = a_case(&db, &app).await;
        let events = format!("/api/v1/cases/{case}/events");

        // A branch vote straight after the listing: refused by the rules, with the article.
        let (s, v, _) = send_json(
            &app,
            "POST",
            &events,
            &[],
            Some(json!({"date":"2023-04-01","kind":"branch_voted","present":9,"in_favour":9,"against":0})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"], "refused");
        let r = &v["refusals"][0];
        for k in [
            "rule_id",
            "regulation",
            "article",
            "message_vi",
            "message_en",
        ] {
            assert!(r[k].as_str().is_some_and(|x| !x.is_empty()), "{k} in {v}");
        }
        assert!(r["facts"].is_object(), "{v}");

        // Optimistic locking: If-Match, then a stale one.
        let (s, v, etag) = send_json(
            &app,
            "POST",
            &events,
            &[("if-match", "\"1\"")],
            Some(json!({"date":"08/03/2023","kind":"mentor_assigned","mentor":m[0]})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(
            (v["version"].clone(), etag.as_deref()),
            (json!(2), Some("\"2\""))
        );
        assert_eq!(v["event"]["date"], "2023-03-08");
        let (s, v, _) = send_json(
            &app,
            "POST",
            &events,
            &[("if-match", "\"1\"")],
            Some(json!({"date":"2023-03-09","kind":"paused"})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        assert_eq!(v["error"], "conflict");
        assert_eq!(
            (v["expected"].clone(), v["actual"].clone()),
            (json!(1), json!(2))
        );
        assert_eq!(v["by"], "token:api");
        let (s, v, _) = send_json(
            &app,
            "POST",
            &events,
            &[],
            Some(json!({"date":"2023-03-09","kind":"paused","expected_version":1})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "body version too: {v}");
        let (s, v, _) = send_json(
            &app,
            "GET",
            &format!("/api/v1/cases/{case}?as_of=2023-03-10"),
            &[],
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["case"]["version"], 2, "nothing written");
        assert_eq!(v["state"]["stage"], "source");

        // Bad input: 400 naming the field.
        for (body, hdr, field) in [
            (json!({"date":"2023-03-09","kind":"flying"}), None, "kind"),
            (json!({"date":"2023-02-30","kind":"paused"}), None, "date"),
            (json!({"kind":"paused"}), None, "date"),
            (
                json!({"date":"2023-03-09","kind":"mentor_assigned"}),
                None,
                "mentor",
            ),
            (
                json!({"date":"2023-03-09","kind":"mentor_assigned","mentor":"x"}),
                None,
                "mentor",
            ),
            (
                json!({"date":"2023-03-09","kind":"paused","colour":"red"}),
                None,
                "colour",
            ),
            (
                json!({"date":"2023-03-09","kind":"paused","document":{"number":"1","nr":2}}),
                None,
                "document.nr",
            ),
            (
                json!({"date":"2023-03-09","kind":"paused","expected_version":"two"}),
                None,
                "expected_version",
            ),
            (
                json!({"date":"2023-03-09","kind":"paused"}),
                Some("seven"),
                "If-Match",
            ),
            (
                json!({"date":"2023-03-09","kind":"paused","expected_version":3}),
                Some("\"2\""),
                "expected_version",
            ),
            (json!([1]), None, "body"),
        ] {
            let h: Vec<(&str, &str)> = hdr.map(|x| ("if-match", x)).into_iter().collect();
            let (s, v, _) = send_json(&app, "POST", &events, &h, Some(body.clone())).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {v}");
            assert_eq!(v["field"], field, "{body}: {v}");
        }
        // A branch named by an unknown code.
        let (s, v, _) = send_json(
            &app,
            "POST",
            &events,
            &[],
            Some(json!({"date":"2023-03-09","kind":"transferred_out","to_branch":"NOPE"})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(
            (
                v["violations"][0]["field"].clone(),
                v["violations"][0]["rule"].clone()
            ),
            (json!("to_branch"), json!("org.unit.unknown"))
        );
        // An unknown case, a bad id.
        let (s, _, _) = send_json(&app, "GET", "/api/v1/cases/999999", &[], None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, v, _) = send_json(&app, "GET", "/api/v1/cases/abc", &[], None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        // Lists: org required, stage checked.
        for (uri, field) in [
            ("/api/v1/cases", "org"),
            ("/api/v1/cases?org=X1&stage=done", "stage"),
            ("/api/v1/cases?org=X1&limit=0", "limit"),
            ("/api/v1/due?org=X1&stall_months=-1", "stall_months"),
            ("/api/v1/due?org=X1&stall_months=1000", "stall_months"),
            ("/api/v1/due?org=X1&asof=2024-01-01", "query"),
            ("/api/v1/mentors", "org"),
            ("/api/v1/holidays?year=24", "year"),
        ] {
            let (s, v, _) = send_json(&app, "GET", uri, &[], None).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{uri}: {v}");
            if field != "query" {
                assert_eq!(v["field"], field, "{uri}: {v}");
            }
        }
        let (s, v, _) = send_json(
            &app,
            "GET",
            "/api/v1/cases?org=X1&stage=source&as_of=2023-03-10",
            &[],
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["cases"][0]["id"], case);
        let (s, v, _) = send_json(&app, "GET", "/api/v1/due?org=NOPE", &[], None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
        // Opening a case: fields named.
        for (body, field) in [
            (
                json!({"person_id":1,"branch_code":"X1.01","date":"2023-03-01"}),
                "proposed_by",
            ),
            (
                json!({"person_id":1,"branch_code":"X1.01","date":"2023-03-01","proposed_by":"aliens"}),
                "proposed_by",
            ),
            (
                json!({"person_id":1,"branch_code":"X1.01","date":"2023-03-01","proposed_by":"school","extra":1}),
                "body",
            ),
        ] {
            let (s, v, _) = send_json(&app, "POST", "/api/v1/cases", &[], Some(body.clone())).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {v}");
            if field != "body" {
                assert_eq!(v["field"], field, "{body}: {v}");
            } else {
                assert!(v["message"].as_str().unwrap().contains("extra"), "{v}");
            }
        }
        // Courses, holidays, areas: bad input.
        let (s, v, _) = send_json(
            &app,
            "POST",
            "/api/v1/courses",
            &[],
            Some(json!({"org_code":"X1","name":"Lớp","starts_on":"2023-03-20","ends_on":"2023-03-10"})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["violations"][0]["rule"], "course.dates");
        let (s, v, _) = send_json(&app, "GET", "/api/v1/courses/77/enrolments", &[], None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
        let (s, v, _) = send_json(
            &app,
            "PUT",
            "/api/v1/holidays/2024-13-01",
            &[],
            Some(json!({"name":"x"})),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        assert_eq!(v["field"], "date");
        let (s, v, _) = send_json(
            &app,
            "PUT",
            "/api/v1/holidays/2024-03-05",
            &[],
            Some(json!({"name":"x","kind":"party"})),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        assert_eq!(v["field"], "kind");
        let (s, v, _) = send_json(
            &app,
            "PUT",
            "/api/v1/difficult-areas/X1",
            &[],
            Some(json!({"from":"2020-01-01","to":"2019-01-01","basis":"QĐ"})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        // The CSV import wants text/csv.
        let (s, v) = post_raw(
            &app,
            "/api/v1/import/events",
            Some("application/json"),
            "{}".into(),
        )
        .await;
        assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{v}");
        let (s, v) = post_raw(
            &app,
            "/api/v1/import/events",
            Some("text/csv"),
            "case,date\n".into(),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["errors"][0]["rule"], "csv.column.missing");
        assert_eq!(v["errors"][0]["column"], "kind");
        assert_eq!(v["written"], false);
    }
}

#[tokio::test]
async fn the_endpoint_list_has_the_pipeline() {
    let (_db, app) = app().await;
    let (_, v) = get(&app, "/api/v1").await;
    let paths: Vec<&str> = v["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    for p in [
        "/api/v1/cases",
        "/api/v1/cases/{id}/events",
        "/api/v1/import/events?dry_run=true|false",
        "/api/v1/courses/{id}/completions",
        "/api/v1/holidays/{date}",
        "/api/v1/difficult-areas/{org_code}",
    ] {
        assert!(paths.contains(&p), "{p} missing from {paths:?}");
    }
    assert!(paths.iter().any(|p| p.starts_with("/api/v1/due?")));
    let req = Request::get("/").body(Body::empty()).unwrap();
    let (_, body, _) = send(&app, req).await;
    assert!(body.contains("/api/v1/cases/{id}/events"), "{body}");
}
