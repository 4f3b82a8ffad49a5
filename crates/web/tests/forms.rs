//! `/api/v1/cases/{id}/forms` on both engines: the list (ready forms with their download
//! link, the others with their missing fields), a form as DOCX (content type, file name, the
//! values inside), the 422 `form_incomplete` refusal naming the fields, an unknown form, masked
//! birth dates for the political centre, the audit row of each print, and the case page's
//! "In biểu mẫu" section.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Read;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use ketnap_domain::access::Role;
use ketnap_exchange::testing::{CANDIDATE, forms_case};
use ketnap_store::testing::test_stores;
use ketnap_web::testing::user_token;
use ketnap_web::{AppState, router};
use serde_json::Value;
use tower::ServiceExt;

async fn get(app: &Router, uri: &str, token: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    let req = Request::builder()
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, headers, bytes.to_vec())
}

fn document_xml(docx: &[u8]) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut f = z.by_name("word/document.xml").unwrap();
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    s
}

#[tokio::test]
async fn forms_list_docx_refusal_and_case_page() {
    for db in test_stores().await.unwrap() {
        let s = &db.store;
        let f = forms_case(s).await.unwrap();
        let app = router(AppState::new(s.clone()));
        let chibo = user_token(s, "chibo", Role::BranchSecretary, Some("X1.01"))
            .await
            .unwrap();
        let centre = user_token(s, "trungtam", Role::PoliticalCentre, Some("X1"))
            .await
            .unwrap();
        let id = f.case_id;
        let what = db.backend().as_str();

        // The list.
        let (st, _, body) = get(
            &app,
            &format!("/api/v1/cases/{id}/forms?as_of=2024-03-10"),
            &chibo,
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{what}");
        let v: Value = serde_json::from_slice(&body).unwrap();
        let forms = v["forms"].as_array().unwrap();
        let six = forms.iter().find(|x| x["form"] == "6-KNĐ").unwrap();
        assert_eq!(six["ready"], true, "{v}");
        let href = six["href"].as_str().unwrap().to_string();
        assert_eq!(href, format!("/api/v1/cases/{id}/forms/6-KND.docx"));
        let nine = forms.iter().find(|x| x["form"] == "9-KNĐ").unwrap();
        assert_eq!(nine["ready"], false);
        assert_eq!(nine["href"], Value::Null);
        assert_eq!(nine["missing"][0]["field"], "admission_decision", "{v}");

        // 6-KNĐ as DOCX.
        let (st, h, docx) = get(&app, &format!("{href}?as_of=2024-03-10"), &chibo).await;
        assert_eq!(
            st,
            StatusCode::OK,
            "{what}: {}",
            String::from_utf8_lossy(&docx)
        );
        assert_eq!(
            h[header::CONTENT_TYPE],
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        assert_eq!(
            h[header::CONTENT_DISPOSITION],
            format!("attachment; filename=\"ho-so-{id}-6-KND.docx\"").as_str()
        );
        assert_eq!(h[header::CACHE_CONTROL], "private, no-store");
        assert_eq!(&docx[..2], b"PK");
        let xml = document_xml(&docx);
        assert!(xml.contains(CANDIDATE), "{what}");
        assert!(xml.contains("A Lù, ngày 05 tháng 03 năm 2024"), "{what}");
        assert!(xml.contains("sinh ngày 10/05/1998"), "{what}");
        // The code with its Đ, percent-encoded, and without the suffix.
        let (st, _, _) = get(
            &app,
            &format!("/api/v1/cases/{id}/forms/6-KN%C4%90"),
            &chibo,
        )
        .await;
        assert_eq!(st, StatusCode::OK);

        // Not ready: a structured 422 naming the fields.
        let (st, h, body) = get(
            &app,
            &format!("/api/v1/cases/{id}/forms/9-KND.docx"),
            &chibo,
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        assert!(
            h[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"], "form_incomplete", "{v}");
        assert_eq!(v["form"], "9-KNĐ");
        assert_eq!(v["missing"][0]["field"], "admission_decision");
        assert_eq!(
            v["missing"][0]["label_vi"],
            "Quyết định kết nạp: ngày quyết định, cấp quyết định"
        );
        assert!(
            v["missing"][0]["label_en"]
                .as_str()
                .unwrap()
                .contains("admission decision")
        );
        assert!(
            v["message"]
                .as_str()
                .unwrap()
                .starts_with("9-KNĐ cannot be printed yet")
        );

        // Not a form ketnap prints.
        let (st, _, body) = get(
            &app,
            &format!("/api/v1/cases/{id}/forms/7-KND.docx"),
            &chibo,
        )
        .await;
        assert_eq!(
            st,
            StatusCode::NOT_FOUND,
            "{}",
            String::from_utf8_lossy(&body)
        );

        // The political centre sees birth years only.
        let (st, _, docx) = get(&app, &format!("{href}?as_of=2024-03-10"), &centre).await;
        assert_eq!(st, StatusCode::OK);
        let xml = document_xml(&docx);
        assert!(
            !xml.contains("10/05/1998") && xml.contains("sinh năm 1998"),
            "{what}"
        );

        // The case page: ready forms as links, the others with what they lack.
        let (st, _, html) = get(&app, &format!("/cases/{id}"), &chibo).await;
        assert_eq!(st, StatusCode::OK);
        let html = String::from_utf8(html).unwrap();
        assert!(html.contains("<h2 id=\"forms\">In biểu mẫu</h2>"), "{html}");
        assert!(
            html.contains(&format!(
                "<a href=\"/api/v1/cases/{id}/forms/6-KND.docx\" download>6-KNĐ · "
            )),
            "{html}"
        );
        assert!(!html.contains("forms/9-KND.docx"), "{html}");
        assert!(
            html.contains("<small>Quyết định kết nạp: ngày quyết định, cấp quyết định</small>"),
            "{html}"
        );
        let (_, _, html) = get(&app, &format!("/cases/{id}?lang=en"), &chibo).await;
        let html = String::from_utf8(html).unwrap();
        assert!(
            html.contains("Print forms") && html.contains("Still needs"),
            "{html}"
        );

        // Each print is audited; refusals are not.
        let audit = s.audit_person(f.candidate, 100).await.unwrap();
        let prints: Vec<_> = audit.iter().filter(|a| a.action == "case.print").collect();
        assert_eq!(prints.len(), 3, "{what}: {prints:?}");
        assert!(
            prints
                .iter()
                .all(|a| a.actor == "token:api" && a.detail.contains("6-KNĐ"))
        );
    }
}
