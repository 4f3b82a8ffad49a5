//! The pages' access matrix on both engines: every page of `ketnap_web::ui::PAGES` × every
//! role × inside / outside the user's subtree × no session (a new page without a case here
//! fails the test), the CSRF check of form posts, masking on pages, and the pages' weight.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::http::{StatusCode, header};
use ketnap_domain::access::{self, Role};
use ketnap_store::testing::test_stores;
use ketnap_web::api::Reach;
use ketnap_web::testing::{Sample, sample, user_token};
use ketnap_web::ui::PAGES;
use ketnap_web::{AppState, router};

mod common;

use common::{bearer, units};

/// What the matrix's requests name besides the sample: a course run for X1 and the person of
/// the open case in X1.01.
struct Extra {
    course: i64,
    person: i64,
}

/// A course of X1's political centre (from 01/04/2024).
async fn open_course(s: &ketnap_store::Store) -> i64 {
    use ketnap_store::pipeline_api::{CourseKind, NewCourse};
    let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
    s.course_create(
        &NewCourse {
            kind: CourseKind::Awareness,
            org_code: "X1".into(),
            name: "Lớp nhận thức 1/2024".into(),
            reserved_class: None,
            starts_on: d(2024, 4, 1),
            ends_on: d(2024, 4, 10),
        },
        "test",
    )
    .await
    .unwrap()
}

async fn extra(s: &ketnap_store::Store, case: i64) -> Extra {
    let v = s
        .case_get(case, chrono::Utc::now().date_naive(), None)
        .await
        .unwrap();
    Extra {
        course: open_course(s).await,
        person: v.person.id,
    }
}

/// A request for a page, aimed inside X1.01: (uri, form body). Structure operations are dated
/// before X1.01 existed, so that they are refused (422) and the tree stays as the other pages
/// expect.
fn request_for(path: &str, case: i64, s: &Sample, n: usize, x: &Extra) -> (String, Option<String>) {
    let m = s.members[0];
    match path {
        "/home" => (path.into(), None),
        "/todo" => ("/todo?org=X1.01".into(), None),
        "/candidates" => ("/candidates?org=X1.01".into(), None),
        "/candidates/board" => ("/candidates/board?org=X1.01".into(), None),
        "/candidates/new" => (
            "/candidates/new?org=X1.01".into(),
            Some(format!(
                "full_name=Ng%C6%B0%E1%BB%9Di+{n}&sex=male&birth=01%2F01%2F2000&ethnic=01&religion=none&education=upper_secondary&qualification=none&occupation=farmer&branch=X1.01&proposed_by=youth_union&date=01%2F03%2F2024"
            )),
        ),
        "/cases/{id}" => (format!("/cases/{case}"), None),
        "/cases/{id}/events" => (
            format!("/cases/{case}/events"),
            Some(format!(
                "kind=mentor_assigned&date=05%2F03%2F2024&mentor={m}"
            )),
        ),
        "/orgs" => ("/orgs?root=X1.01".into(), None),
        "/orgs/{code}" => ("/orgs/X1.01".into(), None),
        "/orgs/{code}/rename" => (
            "/orgs/X1.01/rename".into(),
            Some(format!("name=Chi+b%E1%BB%99+{n}&date=01%2F01%2F2024")),
        ),
        "/orgs/{code}/create" => (
            "/orgs/X1/create".into(),
            Some(format!(
                "code=X1.9{n}&name=Chi+b%E1%BB%99+{n}&kind=branch&sector=village&date=01%2F01%2F2001"
            )),
        ),
        "/orgs/{code}/move" => (
            "/orgs/X1.01/move".into(),
            Some("new_parent_code=X1&date=01%2F01%2F2001".into()),
        ),
        "/orgs/{code}/merge" => (
            "/orgs/X1.01/merge".into(),
            Some("others=X1.02&into_code=X1.02&date=01%2F01%2F2001".into()),
        ),
        "/orgs/{code}/split" => (
            "/orgs/X1.01/split".into(),
            Some(format!(
                "part1_code=X1.8{n}&part1_name=Chi+b%E1%BB%99+{n}&primary=1&date=01%2F01%2F2001"
            )),
        ),
        "/orgs/{code}/dissolve" => (
            "/orgs/X1.01/dissolve".into(),
            Some("date=01%2F01%2F2001".into()),
        ),
        "/people/{id}" => (format!("/people/{}", x.person), None),
        "/targets" => (
            "/targets?org=X1.01&period=2024".into(),
            Some(format!("org=X1.01&period=2024&assigned%3AX1.01={}", n + 1)),
        ),
        "/dashboard" => ("/dashboard?org=X1.01&period=2024".into(), None),
        "/reports" => (
            "/reports?name=admissions&org=X1.01&period=2024".into(),
            None,
        ),
        "/reports/{name}/xlsx" => (
            "/reports/admissions/xlsx?org=X1.01&period=2024".into(),
            None,
        ),
        "/search" => ("/search?q=giang".into(), None),
        "/courses" => (
            "/courses?org=X1.01".into(),
            Some(format!(
                "org=X1&kind=awareness&name=L%E1%BB%9Bp+{n}&starts_on=01%2F05%2F2024&ends_on=05%2F05%2F2024"
            )),
        ),
        "/courses/enrol" => (
            "/courses/enrol".into(),
            Some(format!(
                "org=X1&course={}&person={}&date=20%2F03%2F2024",
                x.course, x.person
            )),
        ),
        "/courses/complete" => (
            "/courses/complete".into(),
            Some(format!(
                "org=X1&enrolment={}%3A{}&certificate_no=CN-{n}&issued=12%2F04%2F2024",
                x.course, x.person
            )),
        ),
        "/admin/users" => (
            path.into(),
            Some(format!(
                "username=user{n}&password=a-long-password-1&role=viewer&org=X1"
            )),
        ),
        "/admin/users/{username}/disable" => {
            ("/admin/users/nobody/disable".into(), Some(String::new()))
        }
        "/admin/users/{username}/enable" => {
            ("/admin/users/nobody/enable".into(), Some(String::new()))
        }
        "/admin/users/{username}" => ("/admin/users/lanhdao".into(), None),
        "/admin/users/{username}/password" => (
            "/admin/users/nobody/password".into(),
            Some("password=a-long-password-1".into()),
        ),
        "/admin/users/{username}/tokens" => {
            ("/admin/users/nobody/tokens".into(), Some("name=x".into()))
        }
        "/admin/users/{username}/tokens/{id}/revoke" => (
            "/admin/users/nobody/tokens/1/revoke".into(),
            Some(String::new()),
        ),
        "/audit" => ("/audit?org=X1.01".into(), None),
        other => panic!(
            "no page-matrix case for {other}: add one to request_for in crates/web/tests/pages.rs"
        ),
    }
}

/// A page request: form bodies for POST.
async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    body: Option<String>,
    headers: &[(&str, String)],
) -> (StatusCode, String, axum::http::HeaderMap) {
    common::call(
        app,
        method,
        uri,
        body,
        "application/x-www-form-urlencoded",
        headers,
    )
    .await
}

/// The sample's candidate case (see `common::candidate`).
async fn open_case(s: &ketnap_store::Store) -> i64 {
    common::candidate(s).await.1
}

#[tokio::test]
async fn every_page_every_role_inside_and_outside_the_subtree() {
    for db in test_stores().await.unwrap() {
        let s = &db.store;
        let sample = sample(s).await.unwrap();
        let case = open_case(s).await;
        let x = extra(s, case).await;
        let app = router(AppState::new(s.clone()));
        let mut tokens = vec![];
        for role in Role::ALL {
            let (inside, outside) = units(role);
            let name = role.as_str().replace('_', "-");
            let org_in = (role != Role::Admin).then_some(inside);
            let t_in = user_token(s, &format!("p-{name}-in"), role, org_in)
                .await
                .unwrap();
            let t_out = user_token(s, &format!("p-{name}-out"), role, Some(outside))
                .await
                .unwrap();
            tokens.push((role, t_in, t_out));
        }
        let mut checked = 0;
        for (n, page) in PAGES.iter().enumerate() {
            let (uri, body) = request_for(page.path, case, &sample, n, &x);
            let what = format!("{} {} ({})", page.method, page.path, db.backend().as_str());
            // Without a session: to the sign-in form.
            let (st, _, h) = call(&app, page.method, &uri, body.clone(), &[]).await;
            assert_eq!(st, StatusCode::SEE_OTHER, "{what}");
            assert_eq!(h[header::LOCATION], "/login", "{what}");
            for (role, t_in, t_out) in &tokens {
                let allowed = access::allows(*role, page.permission);
                let (st, text, h) =
                    call(&app, page.method, &uri, body.clone(), &bearer(t_in)).await;
                let who = format!("{what} as {} inside", role.as_str());
                assert!(!st.is_server_error(), "{who}: {st} {text}");
                if !allowed {
                    assert_eq!(st, StatusCode::FORBIDDEN, "{who}: {text}");
                    assert!(
                        h[header::CONTENT_TYPE]
                            .to_str()
                            .unwrap()
                            .starts_with("text/html"),
                        "{who}"
                    );
                } else {
                    assert!(
                        st != StatusCode::FORBIDDEN && st != StatusCode::UNAUTHORIZED,
                        "{who}: {st} {text}"
                    );
                    if page.method == "GET" && page.path != "/home" {
                        assert_eq!(st, StatusCode::OK, "{who}: {text}");
                    }
                }
                checked += 1;
                if *role == Role::Admin {
                    continue;
                }
                let (st, text, _) =
                    call(&app, page.method, &uri, body.clone(), &bearer(t_out)).await;
                let who = format!("{what} as {} outside", role.as_str());
                assert!(!st.is_server_error(), "{who}: {st} {text}");
                if !allowed {
                    assert_eq!(st, StatusCode::FORBIDDEN, "{who}: {text}");
                } else if page.reach == Reach::Subtree {
                    let filtered = st.is_success() && !text.contains("X1.01");
                    assert!(
                        st == StatusCode::FORBIDDEN || st == StatusCode::NOT_FOUND || filtered,
                        "{who}: {st} {text}"
                    );
                }
                assert!(!text.contains("Giàng"), "{who}: {text}");
                checked += 1;
            }
        }
        assert!(checked >= PAGES.len() * 9, "{checked}");
    }
}

/// Signs in through the form; returns the session cookie and the CSRF token of a page.
async fn sign_in(app: &Router, user: &str) -> (String, String) {
    let (st, _, h) = call(
        app,
        "POST",
        "/login",
        Some(format!(
            "username={user}&password={}",
            ketnap_web::testing::SAMPLE_PASSWORD
        )),
        &[],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], "/home");
    let cookie = h[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let (_, html, _) = call(app, "GET", "/todo", None, &[("cookie", cookie.clone())]).await;
    let csrf = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    (cookie, csrf)
}

#[tokio::test]
async fn forms_need_the_csrf_token_and_pages_mask_by_role() {
    for db in test_stores().await.unwrap() {
        let s = &db.store;
        let sample = sample(s).await.unwrap();
        let case = open_case(s).await;
        let app = router(AppState::new(s.clone()));
        let (cookie, csrf) = sign_in(&app, "chibo").await;
        let c = || vec![("cookie", cookie.clone())];
        let body = format!(
            "kind=mentor_assigned&date=05%2F03%2F2024&mentor={}",
            sample.members[0]
        );
        // Without the token: 403, nothing written.
        let (st, _, _) = call(
            &app,
            "POST",
            &format!("/cases/{case}/events"),
            Some(body.clone()),
            &c(),
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _, h) = call(
            &app,
            "POST",
            &format!("/cases/{case}/events"),
            Some(format!("{body}&csrf_token={csrf}")),
            &c(),
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{h:?}");
        let (st, html, _) = call(&app, "GET", &format!("/cases/{case}"), None, &c()).await;
        assert_eq!(st, StatusCode::OK);
        assert!(
            html.contains("Giàng Seo Phử"),
            "the mentor is on the timeline"
        );
        // A refused step shows the rule, the regulation and the message (422).
        let (st, html, _) = call(
            &app,
            "POST",
            &format!("/cases/{case}/events"),
            Some(format!(
                "kind=ceremony_held&date=06%2F03%2F2024&csrf_token={csrf}"
            )),
            &c(),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("class=\"refusal\""), "{html}");
        // English on demand, remembered in a cookie.
        let (_, html, h) = call(&app, "GET", "/todo?lang=en", None, &c()).await;
        assert!(html.contains("What is due"), "{html}");
        assert!(
            h[header::SET_COOKIE]
                .to_str()
                .unwrap()
                .contains("ketnap_lang=en")
        );
        // Nobody's CCCD, religion or birth date on the pages: the search shows the birth year.
        for user in ["chibo", "trungtam"] {
            let (cookie, _) = sign_in(&app, user).await;
            let (_, html, _) = call(
                &app,
                "GET",
                "/search?q=giang+a+dinh",
                None,
                &[("cookie", cookie)],
            )
            .await;
            assert!(html.contains("Giàng A Dình"), "{user}: {html}");
            assert!(html.contains("1998"));
            assert!(!html.contains("010098004321") && !html.contains("10/05/1998"));
            assert!(!html.contains("Công giáo"), "{user}");
        }
    }
}

#[tokio::test]
async fn pages_are_light() {
    let db = ketnap_store::testing::sqlite().await.unwrap();
    let s = &db.store;
    sample(s).await.unwrap();
    let case = open_case(s).await;
    let app = router(AppState::new(s.clone()));
    let (cookie, _) = sign_in(&app, "chibo").await;
    let (_, css, _) = call(&app, "GET", "/static/ketnap.css", None, &[]).await;
    let (_, js, _) = call(&app, "GET", "/static/ketnap.js", None, &[]).await;
    let mut report = vec![];
    let case_path = format!("/cases/{case}");
    for path in [
        "/todo",
        "/candidates",
        "/candidates/board",
        &case_path,
        "/candidates/new",
    ] {
        let (st, html, _) = call(&app, "GET", path, None, &[("cookie", cookie.clone())]).await;
        assert!(st.is_success(), "{path}: {st}");
        let total = html.len() + css.len() + js.len();
        report.push(format!(
            "{path}: HTML {:.1} KB + CSS {:.1} KB + JS {:.1} KB = {:.1} KB",
            html.len() as f64 / 1024.0,
            css.len() as f64 / 1024.0,
            js.len() as f64 / 1024.0,
            total as f64 / 1024.0
        ));
        assert!(total < 60 * 1024, "{path} weighs {total} bytes");
    }
    // Over the wire with gzip (what a browser asks for).
    for path in ["/todo", "/static/ketnap.css"] {
        use tower::ServiceExt;
        let req = axum::http::Request::builder()
            .uri(path)
            .header("cookie", cookie.clone())
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(axum::body::Body::empty())
            .unwrap();
        let res = app.clone().oneshot(req).await.unwrap();
        assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip", "{path}");
        let gz = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        let (_, plain, _) = call(&app, "GET", path, None, &[("cookie", cookie.clone())]).await;
        assert!(
            gz.len() * 2 < plain.len(),
            "{path}: {} gzipped of {}",
            gz.len(),
            plain.len()
        );
        report.push(format!(
            "{path} gzipped: {:.1} KB (of {:.1} KB)",
            gz.len() as f64 / 1024.0,
            plain.len() as f64 / 1024.0
        ));
    }
    eprintln!("page weights (branch secretary):\n{}", report.join("\n"));
}
