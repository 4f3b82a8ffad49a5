//! Spreadsheet upload and national lists over HTTP (issue E): an XLSX members file with
//! Vietnamese headers imported by dry run then commit, the upload's own 20 MiB limit (1 MiB
//! elsewhere), the list keyed by CCCD as CSV and XLSX, and a fuzz of JSON bodies on every
//! write route: never a 500, every error a JSON object with a stable `error` code.
//!
//! Longer fuzz: `PROPTEST_CASES=10000 cargo test -p ketnap-web --test exchange fuzz`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use ketnap_store::testing::{sqlite, test_stores};
use ketnap_web::api::ROUTES;
use ketnap_web::testing::admin_token;
use ketnap_web::{AppState, router};
use proptest::prelude::*;
use serde_json::Value;
use tower::ServiceExt;

const ORGS: &str = "Mã,Tên,Loại,Lĩnh vực,Mã cấp trên,Từ ngày\n\
TW,Trung ương,central,nation,,2016-01-01\n\
T01,Đảng bộ tỉnh Một,provincial_committee,province,TW,2016-01-01\n\
X01,Đảng bộ xã Một,grassroots_committee,commune,T01,2016-01-01\n\
X01.01,Chi bộ thôn Một,branch,village,X01,2016-01-01\n";

fn members_xlsx() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let rows = [
        [
            "Họ và tên",
            "Số CCCD",
            "Giới tính",
            "Ngày sinh",
            "Dân tộc",
            "Tôn giáo",
            "Giáo dục phổ thông",
            "Chuyên môn",
            "Lý luận chính trị",
            "Nghề nghiệp",
            "Chi bộ",
            "Từ ngày",
        ],
        [
            "Nguyễn Văn An",
            "001090012345",
            "Nam",
            "17/05/1990",
            "Kinh",
            "Không",
            "Trung học phổ thông",
            "Đại học",
            "Sơ cấp",
            "Nông dân",
            "X01.01",
            "01/01/2020",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    body: Vec<u8>,
    ct: &str,
    token: &str,
) -> (StatusCode, Vec<u8>) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let st = res.status();
    (
        st,
        axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec(),
    )
}

fn json(b: &[u8]) -> Value {
    serde_json::from_slice(b).unwrap_or(Value::Null)
}

#[tokio::test]
async fn upload_xlsx_dry_run_commit_and_list_by_cccd() {
    for db in test_stores().await.unwrap() {
        let s = &db.store;
        let app = router(AppState::new(s.clone()));
        let t = admin_token(s).await.unwrap();
        let (st, b) = call(
            &app,
            "POST",
            "/api/v1/imports/orgs",
            ORGS.into(),
            "text/csv",
            &t,
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{}", String::from_utf8_lossy(&b));
        let xlsx = members_xlsx();
        let ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        let (st, b) = call(
            &app,
            "POST",
            "/api/v1/imports/members?dry_run=true&save_mapping=mau-xa",
            xlsx.clone(),
            ct,
            &t,
        )
        .await;
        let v = json(&b);
        assert_eq!(st, StatusCode::OK, "{v}");
        assert_eq!(
            (v["created"].as_u64(), v["written"].as_bool()),
            (Some(1), Some(false))
        );
        assert_eq!(v["mapping"]["full_name"], "Họ và tên");
        let (st, b) = call(
            &app,
            "POST",
            "/api/v1/imports/members?mapping=mau-xa",
            xlsx.clone(),
            ct,
            &t,
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{}", json(&b));
        let (st, b) = call(
            &app,
            "POST",
            "/api/v1/imports/members",
            xlsx.clone(),
            ct,
            &t,
        )
        .await;
        assert_eq!(
            (st, json(&b)["unchanged"].as_u64()),
            (StatusCode::OK, Some(1))
        );
        // A refused row: 422 with the row, and no CCCD in the answer.
        let bad = String::from_utf8_lossy(ORGS.as_bytes())
            .replace("X01.01,Chi", "X01.02,Chi")
            .replace("branch,village,X01", "branch,village,NOPE");
        let (st, b) = call(
            &app,
            "POST",
            "/api/v1/imports/orgs",
            bad.into(),
            "text/csv",
            &t,
        )
        .await;
        let v = json(&b);
        assert_eq!(
            (st, v["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("import_refused")),
            "{v}"
        );
        assert_eq!(v["errors"][0]["row"], 5);
        // The list keyed by CCCD, CSV (administrators see it masked) and XLSX.
        let (st, b) = call(
            &app,
            "GET",
            "/api/v1/export/members?org=T01&as_of=2025-01-01",
            vec![],
            "text/plain",
            &t,
        )
        .await;
        let text = String::from_utf8_lossy(&b).to_string();
        assert_eq!(st, StatusCode::OK, "{text}");
        assert!(text.contains("*********345,Nguyễn Văn An"), "{text}");
        let (st, b) = call(
            &app,
            "GET",
            "/api/v1/export/members?format=xlsx",
            vec![],
            "text/plain",
            &t,
        )
        .await;
        assert_eq!(st, StatusCode::OK);
        assert!(b.starts_with(b"PK"));
        // Unknown kinds.
        let (st, _) = call(&app, "POST", "/api/v1/imports/nope", vec![], "text/csv", &t).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn uploads_have_their_own_body_limit() {
    let db = sqlite().await.unwrap();
    let app = router(AppState::new(db.store.clone()));
    let t = admin_token(&db.store).await.unwrap();
    // 3 MiB: over the API's 1 MiB, under the upload's 20 MiB (refused for its content only).
    let mut big = b"code,name\n".to_vec();
    big.extend(std::iter::repeat_n(b'x', 3 << 20));
    let (st, b) = call(
        &app,
        "POST",
        "/api/v1/imports/orgs?dry_run=true",
        big.clone(),
        "text/csv",
        &t,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{}", json(&b));
    let (st, b) = call(
        &app,
        "POST",
        "/api/v1/import/events?dry_run=true",
        big,
        "text/csv",
        &t,
    )
    .await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json(&b)["error"], "payload_too_large");
    let huge = vec![b'a'; 21 << 20];
    let (st, b) = call(&app, "POST", "/api/v1/imports/orgs", huge, "text/csv", &t).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json(&b)["error"], "payload_too_large");
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[^\u{0}]{0,16}".prop_map(Value::from),
        prop_oneof![
            Just("2024-01-01"),
            Just("X1.01"),
            Just("branch_voted"),
            Just("31/02/2024"),
            Just("admissions")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("date".to_string()),
                    Just("kind".to_string()),
                    Just("org".to_string()),
                    Just("op".to_string()),
                    Just("code".to_string()),
                    Just("period".to_string()),
                    Just("person_id".to_string()),
                    Just("name".to_string()),
                    "[a-z_]{1,8}",
                ],
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn fuzz_json_bodies_on_every_write_route(body in any_json(), raw in prop::collection::vec(any::<u8>(), 0..64)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let db = sqlite().await.unwrap();
            let app = router(AppState::new(db.store.clone()));
            let t = admin_token(&db.store).await.unwrap();
            for route in ROUTES.iter().filter(|r| r.method != "GET") {
                let uri = route.path.replace("{id}", "1").replace("{code}", "X1").replace("{org_code}", "X1")
                    .replace("{date}", "2031-01-01").replace("{username}", "nobody").replace("{kind}", "people");
                for data in [body.to_string().into_bytes(), raw.clone()] {
                    let (st, b) = call(&app, route.method, &uri, data, "application/json", &t).await;
                    prop_assert!(st != StatusCode::INTERNAL_SERVER_ERROR, "{} {uri}: 500", route.method);
                    if st.is_client_error() {
                        let v = json(&b);
                        prop_assert!(v["error"].is_string(), "{} {uri}: {st} {}", route.method, String::from_utf8_lossy(&b));
                    }
                }
            }
            Ok(())
        })?;
    }
}
