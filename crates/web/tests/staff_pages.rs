//! Issue D's pages, signed in through the sign-in form on both engines: the person page
//! (identity masked by role, status history, cases, audit trail, the view audited), the
//! structure forms of the unit page (create, rename, move, merge, split, dissolve) and the
//! course forms (enrol, completion): each works for its role, is refused (403) for a branch
//! secretary, and a bad input is shown on the form with the field and the rule, nothing
//! written.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use ketnap_store::Store;
use ketnap_store::pipeline_api::{CourseKind, NewCourse};
use ketnap_store::testing::test_stores;
use ketnap_web::testing::sample;
use ketnap_web::{AppState, router};

mod common;

fn d(y: i32, m: u32, day: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A signed-in browser: the session cookie and the CSRF token of its forms.
struct Session {
    cookie: String,
    csrf: String,
}

async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    body: Option<String>,
    s: Option<&Session>,
) -> (StatusCode, String, HeaderMap) {
    let headers: Vec<(&str, String)> = s
        .map(|s| vec![("cookie", s.cookie.clone())])
        .unwrap_or_default();
    common::call(
        app,
        method,
        uri,
        body,
        "application/x-www-form-urlencoded",
        &headers,
    )
    .await
}

/// Signs in through the form.
async fn sign_in(app: &Router, user: &str) -> Session {
    let (st, _, h) = call(
        app,
        "POST",
        "/login",
        Some(format!(
            "username={user}&password={}",
            ketnap_web::testing::SAMPLE_PASSWORD
        )),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{user}");
    let cookie = h[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let mut s = Session {
        cookie,
        csrf: String::new(),
    };
    let (_, html, _) = call(app, "GET", "/search", None, Some(&s)).await;
    s.csrf = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    s
}

/// A form post with the session's CSRF token.
async fn post(app: &Router, s: &Session, uri: &str, body: &str) -> (StatusCode, String, HeaderMap) {
    call(
        app,
        "POST",
        uri,
        Some(format!("{body}&csrf_token={}", s.csrf)),
        Some(s),
    )
    .await
}

#[tokio::test]
async fn person_page_masked_by_role_linked_and_audited() {
    for db in test_stores().await.unwrap() {
        let s = &db.store;
        let backend = db.backend().as_str();
        sample(s).await.unwrap();
        let (person, case) = common::candidate(s).await;
        let app = router(AppState::new(s.clone()));
        let uri = format!("/people/{person}");

        // The secretary of the person's branch keeps the dossier: everything.
        let chibo = sign_in(&app, "chibo").await;
        let (st, html, _) = call(&app, "GET", &uri, None, Some(&chibo)).await;
        assert_eq!(st, StatusCode::OK, "{backend}: {html}");
        for shown in [
            "Giàng A Dình",
            "010098004321",
            "10/05/1998",
            "Mông",
            "Công giáo",
            "Quần chúng ưu tú",
            "01/03/2024",
            "Chi bộ thôn Phìn Chải",
            "Quá trình sinh hoạt đảng",
        ] {
            assert!(html.contains(shown), "{backend}: {shown} missing: {html}");
        }
        assert!(html.contains(&format!("href=\"/cases/{case}\"")), "{html}");
        // No audit trail for a secretary.
        assert!(!html.contains("id=\"audit\""), "{html}");
        // English labels.
        let (_, html, _) = call(&app, "GET", &format!("{uri}?lang=en"), None, Some(&chibo)).await;
        assert!(html.contains("Party status history") && html.contains("Candidate"));
        for label in ["Male", "Upper secondary", "Farmer", "Catholic"] {
            assert!(
                html.contains(&format!("<td>{label}</td>")),
                "{label}: {html}"
            );
        }
        assert!(!html.contains("<td>Nông dân</td>"), "{html}");

        // Masked for the political centre and the administrator: birth year, last 3 digits.
        for user in ["trungtam", "admin"] {
            let sess = sign_in(&app, user).await;
            let (st, html, _) = call(&app, "GET", &uri, None, Some(&sess)).await;
            assert_eq!(st, StatusCode::OK, "{backend} {user}: {html}");
            assert!(html.contains("Giàng A Dình"));
            assert!(html.contains("*********321"), "{user}: {html}");
            assert!(html.contains("1998"));
            for hidden in ["010098004321", "10/05/1998", "Công giáo", "Mông"] {
                assert!(!html.contains(hidden), "{backend} {user}: {hidden} shown");
            }
        }
        // A viewer may not read people; another branch's secretary does not see them.
        let lanhdao = sign_in(&app, "lanhdao").await;
        let (st, _, _) = call(&app, "GET", &uri, None, Some(&lanhdao)).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let chibo2 = sign_in(&app, "chibo2").await;
        let (st, html, _) = call(&app, "GET", &uri, None, Some(&chibo2)).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        assert!(!html.contains("Giàng"));
        let (st, _, _) = call(&app, "GET", "/people/999999", None, Some(&chibo)).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (st, _, _) = call(&app, "GET", "/people/abc", None, Some(&chibo)).await;
        assert_eq!(st, StatusCode::NOT_FOUND);

        // Every view is in the audit trail, as the API's; committee staff see it on the page.
        let entries = s.audit_person(person, 100).await.unwrap();
        let views: Vec<&str> = entries
            .iter()
            .filter(|e| e.action == "person.view" && e.entity_key == person.to_string())
            .map(|e| e.actor.as_str())
            .collect();
        for who in ["chibo", "trungtam", "admin"] {
            assert!(views.contains(&who), "{backend}: {views:?}");
        }
        assert!(!views.contains(&"chibo2"), "a refused view is not one");
        let xa = sign_in(&app, "xa").await;
        let (st, html, _) = call(&app, "GET", &uri, None, Some(&xa)).await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains("id=\"audit\""), "{html}");
        assert!(html.contains("person.view") && html.contains("trungtam"));
        assert!(html.contains("case.open"), "{html}");

        // Linked from the search results and from the case page.
        let (_, html, _) = call(&app, "GET", "/search?q=giang+a+dinh", None, Some(&chibo)).await;
        assert!(
            html.contains(&format!("href=\"/people/{person}\"")),
            "{html}"
        );
        let (_, html, _) = call(&app, "GET", &format!("/cases/{case}"), None, Some(&chibo)).await;
        assert!(
            html.contains(&format!("href=\"/people/{person}\"")),
            "{html}"
        );
    }
}

/// The unit's period end (`None` while it exists).
async fn ended(s: &Store, code: &str) -> Option<chrono::NaiveDate> {
    s.org_by_code(code).await.unwrap().unwrap().period.to
}

#[tokio::test]
async fn structure_forms_work_for_staff_and_show_refusals() {
    for db in test_stores().await.unwrap() {
        let s = &db.store;
        let backend = db.backend().as_str();
        sample(s).await.unwrap();
        let app = router(AppState::new(s.clone()));
        let xa = sign_in(&app, "xa").await;
        let chibo = sign_in(&app, "chibo").await;

        // The unit page offers the forms to committee staff only.
        let (_, html, _) = call(&app, "GET", "/orgs/X1", None, Some(&xa)).await;
        for action in ["create", "rename", "move", "merge", "split", "dissolve"] {
            assert!(
                html.contains(&format!("action=\"/orgs/X1/{action}\"")),
                "{html}"
            );
        }
        let (_, html, _) = call(&app, "GET", "/orgs/X1.01", None, Some(&chibo)).await;
        assert!(!html.contains("action=\"/orgs/X1.01/"), "{html}");
        // Kinds in the page's language.
        let (_, html, _) = call(&app, "GET", "/orgs/X1?lang=en", None, Some(&xa)).await;
        assert!(html.contains("Grassroots committee"), "{html}");
        assert!(!html.contains("Đảng bộ cơ sở<"), "{html}");

        // A branch secretary is refused every structure form (403), nothing written.
        for (action, body) in [
            (
                "create",
                "code=X1.50&name=Chi+b%E1%BB%99&date=01%2F01%2F2025",
            ),
            ("rename", "name=T%C3%AAn&date=01%2F01%2F2025"),
            ("move", "new_parent_code=X1&date=01%2F01%2F2025"),
            ("merge", "others=X1.02&into_code=X1.02&date=01%2F01%2F2025"),
            ("split", "part1_code=X1.51&part1_name=A&date=01%2F01%2F2025"),
            ("dissolve", "date=01%2F01%2F2025"),
        ] {
            let (st, _, _) = post(&app, &chibo, &format!("/orgs/X1.01/{action}"), body).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{backend}: {action}");
        }
        assert!(s.org_by_code("X1.50").await.unwrap().is_none());
        assert_eq!(ended(s, "X1.01").await, None);
        // Without the CSRF token: 403.
        let (st, _, _) = call(
            &app,
            "POST",
            "/orgs/X1/create",
            Some("code=X1.50&name=Chi+b%E1%BB%99&date=01%2F01%2F2025".into()),
            Some(&xa),
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);

        // Create two branches under the commune.
        for (code, name) in [
            ("X1.03", "Chi+b%E1%BB%99+th%C3%B4n+M%E1%BB%9Bi"),
            ("X1.04", "Chi+b%E1%BB%99+th%C3%B4n+S%C3%A1u"),
        ] {
            let (st, _, h) = post(
                &app,
                &xa,
                "/orgs/X1/create",
                &format!("code={code}&name={name}&kind=branch&sector=village&date=01%2F01%2F2025"),
            )
            .await;
            assert_eq!(st, StatusCode::SEE_OTHER, "{backend}: {code}");
            assert_eq!(h[header::LOCATION], format!("/orgs/{code}?ok=create"));
        }
        let x103 = s.org_by_code("X1.03").await.unwrap().unwrap();
        assert_eq!(x103.period.from, d(2025, 1, 1));
        let (_, html, _) = call(&app, "GET", "/orgs/X1.03?ok=create", None, Some(&xa)).await;
        assert!(html.contains("Chi bộ thôn Mới") && html.contains("class=\"okmsg\""));

        // Rename.
        let (st, _, _) = post(
            &app,
            &xa,
            "/orgs/X1.04/rename",
            "name=Chi+b%E1%BB%99+th%C3%B4n+S%C3%A1u+B&date=01%2F03%2F2025",
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER);

        // Merge X1.03 and X1.04 into a new branch (hợp nhất).
        let (st, html, h) = post(
            &app,
            &xa,
            "/orgs/X1.03/merge",
            "others=X1.04&new_code=X1.05&new_name=Chi+b%E1%BB%99+h%E1%BB%A3p+nh%E1%BA%A5t&date=01%2F06%2F2025",
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{backend}: {html}");
        assert_eq!(h[header::LOCATION], "/orgs/X1.05?ok=merge");
        assert_eq!(ended(s, "X1.03").await, Some(d(2025, 6, 1)));
        assert_eq!(ended(s, "X1.04").await, Some(d(2025, 6, 1)));

        // Split it in two (chia tách), the first inheriting its history.
        let (st, html, _) = post(
            &app,
            &xa,
            "/orgs/X1.05/split",
            "part1_code=X1.06&part1_name=Chi+b%E1%BB%99+A&part2_code=X1.07&part2_name=Chi+b%E1%BB%99+B&primary=1&date=01%2F09%2F2025",
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{backend}: {html}");
        assert_eq!(ended(s, "X1.05").await, Some(d(2025, 9, 1)));
        assert!(s.org_by_code("X1.07").await.unwrap().is_some());

        // Dissolve one (giải thể).
        let (st, html, _) = post(&app, &xa, "/orgs/X1.07/dissolve", "date=01%2F10%2F2025").await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{backend}: {html}");
        assert_eq!(ended(s, "X1.07").await, Some(d(2025, 10, 1)));

        // Move (điều chuyển) under another commune: outside the commune's staff's subtree (403,
        // shown on the form), done by the province's staff.
        let (st, html, _) = post(
            &app,
            &xa,
            "/orgs/X1.06/move",
            "new_parent_code=X2&date=01%2F11%2F2025",
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{html}");
        assert!(html.contains("role=\"alert\""), "{html}");
        let tinh = sign_in(&app, "tinh").await;
        let (st, html, _) = post(
            &app,
            &tinh,
            "/orgs/X1.06/move",
            "new_parent_code=X2&date=01%2F11%2F2025",
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{backend}: {html}");
        let under_x2 = s
            .org_subtree(
                s.org_by_code("X2").await.unwrap().unwrap().id,
                d(2025, 12, 1),
                1,
            )
            .await
            .unwrap();
        assert!(under_x2.iter().any(|n| n.code == "X1.06"), "{under_x2:?}");

        // Refusals are shown on the form with the field and the rule; nothing written.
        // An effective date before the unit existed:
        let (st, html, _) = post(&app, &xa, "/orgs/X1.01/dissolve", "date=01%2F01%2F2001").await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("date: [org.unit.exists_at]"), "{html}");
        assert!(
            html.contains("value=\"01/01/2001\""),
            "the typed date is kept: {html}"
        );
        assert_eq!(ended(s, "X1.01").await, None);
        // An unknown unit code:
        let (st, html, _) = post(
            &app,
            &xa,
            "/orgs/X1.01/merge",
            "others=NOPE&into_code=X1.01&date=01%2F01%2F2026",
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(
            html.contains("[org.unit.unknown]") && html.contains("NOPE"),
            "{html}"
        );
        assert!(
            html.contains("<details class=\"card\" open><summary>Hợp nhất"),
            "{html}"
        );
        assert_eq!(ended(s, "X1.01").await, None);
        // A date that is not one:
        let (st, html, _) = post(&app, &xa, "/orgs/X1.01/dissolve", "date=31%2F02%2F2026").await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{html}");
        assert!(html.contains("date: [form.date]"), "{html}");
        // A rule of the domain: a commune with branches cannot be dissolved (by the province).
        let (st, html, _) = post(&app, &tinh, "/orgs/X1/dissolve", "date=01%2F01%2F2026").await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("[org.dissolve.has_children]"), "{html}");
        assert_eq!(ended(s, "X1").await, None);
        // A merge whose new unit's code is taken: refused as a whole, the sources stay.
        let (st, html, _) = post(
            &app,
            &xa,
            "/orgs/X1.01/merge",
            "others=X1.02&new_code=X1.01&new_name=Tr%C3%B9ng&date=01%2F01%2F2026",
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: {html}");
        assert!(html.contains("[org."), "{html}");
        assert_eq!(ended(s, "X1.01").await, None);
        assert_eq!(ended(s, "X1.02").await, None);
    }
}

#[tokio::test]
async fn course_forms_enrol_and_complete() {
    for db in test_stores().await.unwrap() {
        let s = &db.store;
        let backend = db.backend().as_str();
        let sm = sample(s).await.unwrap();
        let (person, case) = common::candidate(s).await;
        let course = s
            .course_create(
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
            .unwrap();
        let app = router(AppState::new(s.clone()));
        let chibo = sign_in(&app, "chibo").await;
        let centre = sign_in(&app, "trungtam").await;
        // The mentor first (the secretary's next-step form).
        let (st, _, _) = post(
            &app,
            &chibo,
            &format!("/cases/{case}/events"),
            &format!(
                "kind=mentor_assigned&date=05%2F03%2F2024&mentor={}",
                sm.members[0]
            ),
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER);

        let enrol = format!("org=X1&course={course}&person={person}&date=20%2F03%2F2024");
        let complete = format!(
            "org=X1&enrolment={course}%3A{person}&certificate_no=CN-0457&issued=07%2F04%2F2024"
        );
        // The secretary reads courses but may not enrol or record completions.
        let (st, html, _) = call(&app, "GET", "/courses?org=X1.01", None, Some(&chibo)).await;
        assert_eq!(st, StatusCode::OK);
        let (_, en, _) = call(&app, "GET", "/courses?org=X1&lang=en", None, Some(&centre)).await;
        assert!(en.contains("Awareness"), "{en}");
        assert!(!html.contains("action=\"/courses/enrol\""));
        for (uri, body) in [("/courses/enrol", &enrol), ("/courses/complete", &complete)] {
            let (st, _, _) = post(&app, &chibo, uri, body).await;
            assert_eq!(st, StatusCode::FORBIDDEN, "{backend}: {uri}");
        }
        assert!(s.course_enrolments(course).await.unwrap().is_empty());

        // The political centre sees the candidate and enrols them.
        let (_, html, _) = call(&app, "GET", "/courses?org=X1", None, Some(&centre)).await;
        assert!(html.contains("action=\"/courses/enrol\""), "{html}");
        assert!(
            html.contains(&format!("<option value=\"{person}\"")),
            "{html}"
        );
        let (st, html, h) = post(&app, &centre, "/courses/enrol", &enrol).await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{backend}: {html}");
        assert_eq!(h[header::LOCATION], "/courses?org=X1&ok=enrol");
        let e = s.course_enrolments(course).await.unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].enrolled_on, d(2024, 3, 20));
        // Twice: refused with the rule.
        let (st, html, _) = post(&app, &centre, "/courses/enrol", &enrol).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("person: [course.enrol.duplicate]"), "{html}");

        // A certificate dated before the course started: refused, nothing written.
        let (st, html, _) = post(
            &app,
            &centre,
            "/courses/complete",
            &format!(
                "org=X1&enrolment={course}%3A{person}&certificate_no=CN-0457&issued=01%2F03%2F2024"
            ),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("issued: [course.issued]"), "{html}");
        assert!(
            html.contains("value=\"CN-0457\""),
            "typed values kept: {html}"
        );
        assert!(
            s.course_enrolments(course).await.unwrap()[0]
                .certificate_no
                .is_none()
        );
        // Without a number: the field and the rule.
        let (st, html, _) = post(
            &app,
            &centre,
            "/courses/complete",
            &format!("org=X1&enrolment={course}%3A{person}&certificate_no=&issued=07%2F04%2F2024"),
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{html}");
        assert!(
            html.contains("certificate_no: [course.certificate]"),
            "{html}"
        );

        // Completion and certificate: an event of the case.
        let (st, html, _) = post(&app, &centre, "/courses/complete", &complete).await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{backend}: {html}");
        let e = s.course_enrolments(course).await.unwrap();
        assert_eq!(e[0].certificate_no.as_deref(), Some("CN-0457"));
        let v = s
            .case_get(case, chrono::Utc::now().date_naive(), None)
            .await
            .unwrap();
        assert!(
            v.events
                .iter()
                .any(|ev| ev.kind.step().as_str() == "course_completed"),
            "{backend}"
        );
        let (_, html, _) = call(
            &app,
            "GET",
            "/courses?org=X1&ok=complete",
            None,
            Some(&centre),
        )
        .await;
        assert!(html.contains("CN-0457 · 07/04/2024"), "{html}");
        assert!(html.contains(&format!("href=\"/people/{person}\"")));
        // Another branch's political centre… there is none; the other commune's secretary does
        // not see the course (404), nor does a course outside (the matrix covers the rest).
        let (st, _, _) = post(
            &app,
            &centre,
            "/courses/enrol",
            &format!("org=X1&course=999999&person={person}"),
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    }
}

/// The administrator's user page: a password reset (refused when too short, nothing
/// changed; then every session of the user ends), an API token shown once and revoked alone,
/// disable and enable. Other roles get 403.
#[tokio::test]
async fn user_page_resets_passwords_and_revokes_tokens_one_by_one() {
    for db in test_stores().await.unwrap() {
        let s = &db.store;
        let backend = db.backend().as_str();
        sample(s).await.unwrap();
        let app = router(AppState::new(s.clone()));
        let admin = sign_in(&app, "admin").await;
        let xa = sign_in(&app, "xa").await;
        let chibo = sign_in(&app, "chibo").await;

        let (st, html, _) = call(&app, "GET", "/admin/users", None, Some(&admin)).await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains("href=\"/admin/users/chibo\""), "{backend}");
        let (st, html, _) = call(&app, "GET", "/admin/users/chibo", None, Some(&admin)).await;
        assert_eq!(st, StatusCode::OK, "{backend}");
        assert!(html.contains("Đặt lại mật khẩu") && html.contains("X1.01"));
        let (_, html, _) = call(&app, "GET", "/admin/users?lang=en", None, Some(&admin)).await;
        assert!(html.contains("<td>Branch secretary</td>"), "{html}");
        let (st, _, _) = call(&app, "GET", "/admin/users/chibo", None, Some(&xa)).await;
        assert_eq!(
            st,
            StatusCode::FORBIDDEN,
            "{backend}: staff are not administrators"
        );
        let (st, _, _) = post(&app, &xa, "/admin/users/chibo/password", "password=x").await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _, _) = call(&app, "GET", "/admin/users/nobody", None, Some(&admin)).await;
        assert_eq!(st, StatusCode::NOT_FOUND);

        // Too short: the rule is shown, the password and the session are unchanged.
        let (st, html, _) = post(
            &app,
            &admin,
            "/admin/users/chibo/password",
            "password=short",
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(
            html.contains("role=\"alert\"") && html.contains("10"),
            "{html}"
        );
        let (st, _, _) = call(&app, "GET", "/todo", None, Some(&chibo)).await;
        assert_eq!(
            st,
            StatusCode::OK,
            "{backend}: a refused reset changes nothing"
        );
        // Reset: the secretary's session ends, the new password signs in.
        let (st, _, h) = post(
            &app,
            &admin,
            "/admin/users/chibo/password",
            "password=m%E1%BB%99t+m%E1%BA%ADt+kh%E1%BA%A9u+m%E1%BB%9Bi",
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{backend}");
        assert_eq!(h[header::LOCATION], "/admin/users/chibo?ok=password");
        let (st, _, _) = call(&app, "GET", "/todo", None, Some(&chibo)).await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{backend}: to the sign-in page");
        let (st, _, _) = call(
            &app,
            "POST",
            "/login",
            Some("username=chibo&password=m%E1%BB%99t+m%E1%BA%ADt+kh%E1%BA%A9u+m%E1%BB%9Bi".into()),
            None,
        )
        .await;
        assert_eq!(
            st,
            StatusCode::SEE_OTHER,
            "{backend}: signed in with the new password"
        );
        let audit = s.audit_recent(None, 3).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|a| a.action == "user.password" && a.actor == "admin"),
            "{audit:?}"
        );

        // Two tokens; each is shown once, in no URL; one is revoked, the other works.
        let mut tokens = vec![];
        for name in ["hrm", "csdl"] {
            let (st, html, h) = post(
                &app,
                &admin,
                "/admin/users/chibo/tokens",
                &format!("name={name}"),
            )
            .await;
            assert_eq!(st, StatusCode::OK, "{backend}");
            assert_eq!(h[header::CACHE_CONTROL], "no-store");
            let token = html
                .split("<code id=\"new-token\">")
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
                .to_string();
            assert!(token.starts_with("ketnap_"), "{token}");
            tokens.push(token);
        }
        let (_, html, _) = call(&app, "GET", "/admin/users/chibo", None, Some(&admin)).await;
        assert!(
            !html.contains(&tokens[0]) && !html.contains(&tokens[1]),
            "shown once"
        );
        let listed = s.tokens("chibo").await.unwrap();
        let hrm = listed.iter().find(|t| t.name == "hrm").unwrap().id;
        let (st, _, h) = post(
            &app,
            &admin,
            &format!("/admin/users/chibo/tokens/{hrm}/revoke"),
            "",
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{backend}");
        assert_eq!(h[header::LOCATION], "/admin/users/chibo?ok=revoked");
        let now = chrono::Utc::now().timestamp();
        assert!(s.token_user(&tokens[0], now).await.unwrap().is_none());
        assert!(s.token_user(&tokens[1], now).await.unwrap().is_some());
        let (_, html, _) = call(
            &app,
            "GET",
            "/admin/users/chibo?ok=revoked",
            None,
            Some(&admin),
        )
        .await;
        assert!(html.contains("Đã thu hồi mã API"), "{backend}");
        let (st, _, _) = post(
            &app,
            &admin,
            &format!("/admin/users/chibo/tokens/{hrm}/revoke"),
            "",
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{backend}: already revoked");
        let (st, html, _) = post(&app, &admin, "/admin/users/chibo/tokens/abc/revoke", "").await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{backend}: {html}");
        assert!(html.contains("<html"), "a page, not a bare error: {html}");

        // Disable, then enable: the account signs in again.
        let (st, _, _) = post(&app, &admin, "/admin/users/chibo/disable", "").await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        let (_, html, _) = call(&app, "GET", "/admin/users/chibo", None, Some(&admin)).await;
        assert!(
            html.contains("action=\"/admin/users/chibo/enable\""),
            "{backend}"
        );
        let (st, _, h) = post(&app, &admin, "/admin/users/chibo/enable", "").await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        assert_eq!(h[header::LOCATION], "/admin/users/chibo?ok=enabled");
        assert!(!s.user_by_name("chibo").await.unwrap().unwrap().disabled);
    }
}
