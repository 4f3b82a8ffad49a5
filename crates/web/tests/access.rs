//! Access control on both engines: the matrix of every route of `ROUTES` × every role × inside /
//! outside the user's subtree (a new route without a case here fails the test), and sign-in,
//! lockout, CSRF, sign-out, password change, session expiry, API tokens, dossier-view audit.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::Ordering;

use axum::Router;
use axum::http::{StatusCode, header};
use chrono::NaiveDate;
use ketnap_domain::access::{self, Role};
use ketnap_domain::locality::{LocalityKind, NewLocality};
use ketnap_domain::org::{NewUnit, Operation, OrgKind, Sector};
use ketnap_domain::person::{
    EthnicGroup, GeneralEducation, Occupation, PartyStatus, Person, PersonId, PoliticalTheory,
    ProfessionalQualification, Religion, Sex,
};
use ketnap_domain::pipeline::Proposer;
use ketnap_domain::sensitive::Sensitive;
use ketnap_store::Store;
use ketnap_store::auth_api::NewUser;
use ketnap_store::pipeline_api::{CourseKind, NewCase, NewCourse};
use ketnap_store::testing::test_stores;
use ketnap_web::api::{ROUTES, Reach};
use ketnap_web::testing::user_token;
use ketnap_web::{AppState, router};
use serde_json::{Value, json};

mod common;

use common::{bearer, call, units};

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

const CCCD: &str = "010185009876";

fn person(name: &str, birth: NaiveDate, cccd: Option<&str>) -> Person {
    Person {
        id: 0,
        cccd: cccd.map(|c| Sensitive::new(c.to_string())),
        full_name: name.into(),
        sex: Sex::Female,
        birth_date: Sensitive::new(birth),
        ethnic_group: Sensitive::new(EthnicGroup::parse("08").unwrap()),
        religion: Sensitive::new(Religion::None),
        education: GeneralEducation::UpperSecondary,
        qualification: ProfessionalQualification::None,
        political_theory: PoliticalTheory::None,
        occupation: Occupation::Farmer,
        youth_union: true,
        residence_locality: None,
    }
}

/// What the matrix points at, all inside X1 (TW → T10 → X1 → X1.01; T10 → X2 → X2.01).
struct Fixture {
    member: PersonId,
    candidate: PersonId,
    spare: PersonId,
    case: i64,
    course: i64,
}

async fn fixture(s: &Store) -> Fixture {
    let tw = unit(s, "TW", OrgKind::Central, Sector::Nation, None).await;
    let t10 = unit(
        s,
        "T10",
        OrgKind::ProvincialCommittee,
        Sector::Province,
        Some(tw),
    )
    .await;
    let x1 = unit(
        s,
        "X1",
        OrgKind::GrassrootsCommittee,
        Sector::Commune,
        Some(t10),
    )
    .await;
    let b1 = unit(s, "X1.01", OrgKind::Branch, Sector::Village, Some(x1)).await;
    let x2 = unit(
        s,
        "X2",
        OrgKind::GrassrootsCommittee,
        Sector::Commune,
        Some(t10),
    )
    .await;
    unit(s, "X2.01", OrgKind::Branch, Sector::Village, Some(x2)).await;
    let l = s
        .locality_create(
            &NewLocality {
                code: "L1".into(),
                name: "Thôn Phìn Chải".into(),
                kind: LocalityKind::Village,
                commune: x1,
                from: d(2016, 1, 1),
            },
            "test",
        )
        .await
        .unwrap();
    s.locality_set_service(l, Some(b1), d(2016, 1, 1), "test")
        .await
        .unwrap();
    let member = s
        .person_create(&person("Giàng Thị Sú", d(1985, 3, 2), Some(CCCD)), "test")
        .await
        .unwrap();
    s.person_add_status(
        member,
        PartyStatus::Official,
        Some(b1),
        d(2016, 1, 1),
        "test",
    )
    .await
    .unwrap();
    let candidate = s
        .person_create(&person("Giàng A Dình", d(1998, 5, 10), None), "test")
        .await
        .unwrap();
    let spare = s
        .person_create(&person("Vàng A Páo", d(1999, 5, 10), None), "test")
        .await
        .unwrap();
    let case = s
        .case_open(
            &NewCase {
                person_id: candidate,
                branch_code: "X1.01".into(),
                date: d(2024, 3, 1),
                proposed_by: Proposer::YouthUnion,
                document: None,
            },
            "test",
        )
        .await
        .unwrap();
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
    Fixture {
        member,
        candidate,
        spare,
        case,
        course,
    }
}

/// A request for a route, aimed inside X1: (uri, body, content type).
fn request_for(path: &str, f: &Fixture, n: usize) -> (String, Option<String>, &'static str) {
    let j = |v: Value| Some(v.to_string());
    let json_ct = "application/json";
    let (uri, body): (String, Option<String>) = match path {
        "/api/v1/login" => (path.into(), j(json!({"username":"nobody","password":"x"}))),
        "/api/v1/logout"
        | "/api/v1/me"
        | "/api/v1"
        | "/api/v1/users"
        | "/api/v1/reports"
        | "/api/v1/openapi.json" => (path.into(), None),
        "/api/v1/me/password" => (
            path.into(),
            j(json!({"current_password":"wrong-password","new_password":"a-new-password"})),
        ),
        "/api/v1/users/{username}/disable" => ("/api/v1/users/nobody/disable".into(), None),
        "/api/v1/users/{username}/tokens" => ("/api/v1/users/nobody/tokens".into(), j(json!({}))),
        "/api/v1/users/{username}/enable" => ("/api/v1/users/nobody/enable".into(), None),
        "/api/v1/users/{username}/password" => (
            "/api/v1/users/nobody/password".into(),
            j(json!({"password":"a-long-password-1"})),
        ),
        "/api/v1/users/{username}/tokens/{id}/revoke" => {
            ("/api/v1/users/nobody/tokens/1/revoke".into(), None)
        }
        "/api/v1/audit" => ("/api/v1/audit?org=X1.01".into(), None),
        "/api/v1/org/tree" => ("/api/v1/org/tree?root=X1.01".into(), None),
        "/api/v1/org/operations" => (
            path.into(),
            j(
                json!({"op":"rename","code":"X1.01","name":format!("Chi bộ {n}"),"date":"2024-01-01"}),
            ),
        ),
        "/api/v1/org/{code}" => ("/api/v1/org/X1.01".into(), None),
        "/api/v1/org/{code}/history" => ("/api/v1/org/X1.01/history".into(), None),
        "/api/v1/org/{code}/children" => ("/api/v1/org/X1.01/children".into(), None),
        "/api/v1/stats" => (path.into(), None),
        "/api/v1/reports/{name}" => (
            "/api/v1/reports/admissions?org=X1.01&period=2024".into(),
            None,
        ),
        "/api/v1/reports/{name}/submit" => (
            "/api/v1/reports/admissions/submit?org=X1.01&period=2024".into(),
            None,
        ),
        "/api/v1/report-submissions" => (
            "/api/v1/report-submissions?org=X1.01&compare=true".into(),
            None,
        ),
        "/api/v1/targets" => (
            "/api/v1/targets?org=X1.01&period=2024".into(),
            j(json!({"org":"X1.01","period":"2024","assigned":5})),
        ),
        "/api/v1/localities" => ("/api/v1/localities?org=X1.01".into(), None),
        "/api/v1/localities/{code}" => ("/api/v1/localities/L1".into(), None),
        "/api/v1/people" => ("/api/v1/people?org=X1.01".into(), None),
        "/api/v1/people/{id}" => (format!("/api/v1/people/{}", f.member), None),
        "/api/v1/people/{id}/audit" => (format!("/api/v1/people/{}/audit", f.member), None),
        "/api/v1/cases" => (
            "/api/v1/cases?org=X1.01".into(),
            j(
                json!({"person_id":f.spare,"branch_code":"X1.01","date":"2024-03-01","proposed_by":"youth_union"}),
            ),
        ),
        "/api/v1/cases/{id}" => (format!("/api/v1/cases/{}", f.case), None),
        "/api/v1/cases/{id}/events" => (
            format!("/api/v1/cases/{}/events", f.case),
            j(json!({"date":"2024-03-05","kind":"mentor_assigned","mentor":f.member})),
        ),
        "/api/v1/cases/{id}/forms" => (format!("/api/v1/cases/{}/forms", f.case), None),
        // The fixture's case is only on the source list: the form is refused (422), which
        // still shows that access was granted.
        "/api/v1/cases/{id}/forms/{form}" => {
            (format!("/api/v1/cases/{}/forms/6-KND.docx", f.case), None)
        }
        "/api/v1/due" => ("/api/v1/due?org=X1.01".into(), None),
        "/api/v1/mentors" => ("/api/v1/mentors?org=X1.01".into(), None),
        "/api/v1/import/events" => {
            return (
                "/api/v1/import/events?dry_run=true".into(),
                Some(format!(
                    "case,date,kind,data\n{},2024-03-06,mentor_assigned,\"{{\"\"mentor\"\":{}}}\"\n",
                    f.case, f.member
                )),
                "text/csv",
            );
        }
        "/api/v1/imports/{kind}" => {
            return (
                "/api/v1/imports/targets?dry_run=true".into(),
                Some("ma don vi,nam,chi tieu giao\nX1.01,2024,5\n".into()),
                "text/csv",
            );
        }
        "/api/v1/export/{list}" => ("/api/v1/export/members?org=X1.01".into(), None),
        "/api/v1/courses" => (
            "/api/v1/courses?org=X1.01".into(),
            j(
                json!({"org_code":"X1","name":format!("Lớp {n}"),"starts_on":"2024-05-01","ends_on":"2024-05-05"}),
            ),
        ),
        "/api/v1/courses/{id}/enrolments" => (
            format!("/api/v1/courses/{}/enrolments", f.course),
            j(json!({"person_id":f.candidate,"date":"2024-03-20"})),
        ),
        "/api/v1/courses/{id}/completions" => (
            format!("/api/v1/courses/{}/completions", f.course),
            j(json!({"person_id":f.candidate,"certificate_no":"CN-1","issued":"2024-04-12"})),
        ),
        "/api/v1/holidays" => ("/api/v1/holidays?year=2026".into(), None),
        "/api/v1/holidays/{date}" => (
            "/api/v1/holidays/2031-02-20".into(),
            j(json!({"name":"Nghỉ thêm"})),
        ),
        "/api/v1/difficult-areas" => (path.into(), None),
        "/api/v1/difficult-areas/{org_code}" => (
            "/api/v1/difficult-areas/X1.01".into(),
            j(json!({"from":"2020-01-01","basis":"QĐ 861/QĐ-TTg"})),
        ),
        other => panic!(
            "no access-matrix case for {other}: add one to request_for in crates/web/tests/access.rs"
        ),
    };
    (uri, body, json_ct)
}

#[tokio::test]
async fn every_route_every_role_inside_and_outside_the_subtree() {
    for db in test_stores().await.unwrap() {
        let s = &db.store;
        let f = fixture(s).await;
        let app = router(AppState::new(s.clone()));
        let mut tokens = vec![];
        for role in Role::ALL {
            let (inside, outside) = units(role);
            let name = role.as_str().replace('_', "-");
            let org_in = (role != Role::Admin).then_some(inside);
            let t_in = user_token(s, &format!("{name}-in"), role, org_in)
                .await
                .unwrap();
            let t_out = user_token(s, &format!("{name}-out"), role, Some(outside))
                .await
                .unwrap();
            tokens.push((role, t_in, t_out));
        }
        let mut checked = 0;
        for (n, route) in ROUTES.iter().enumerate() {
            let (uri, body, ct) = request_for(route.path, &f, n);
            let what = format!(
                "{} {} ({})",
                route.method,
                route.path,
                db.backend().as_str()
            );
            // Without a principal: 401 (the public sign-in excepted).
            let (st, text, _) = call(&app, route.method, &uri, body.clone(), ct, &[]).await;
            match route.permission {
                None => assert_ne!(st, StatusCode::FORBIDDEN, "{what}: {text}"),
                Some(_) => assert_eq!(st, StatusCode::UNAUTHORIZED, "{what}: {text}"),
            }
            let Some(permission) = route.permission else {
                continue;
            };
            for (role, t_in, t_out) in &tokens {
                let allowed = access::allows(*role, permission);
                let national_only = route.reach == Reach::National && *role != Role::Admin;
                let (st, text, _) =
                    call(&app, route.method, &uri, body.clone(), ct, &bearer(t_in)).await;
                let who = format!("{what} as {} inside", role.as_str());
                if !allowed || national_only {
                    assert_eq!(st, StatusCode::FORBIDDEN, "{who}: {text}");
                } else {
                    assert!(
                        st != StatusCode::FORBIDDEN && st != StatusCode::UNAUTHORIZED,
                        "{who}: {st} {text}"
                    );
                    // Reads succeed; only the course, run for the commune above the
                    // secretary's branch, is not theirs, and the form the case is not ready
                    // for is refused for what it lacks.
                    if route.method == "GET" && route.reach == Reach::Subtree {
                        let course = route.path.starts_with("/api/v1/courses/");
                        let form = route.path == "/api/v1/cases/{id}/forms/{form}";
                        assert!(
                            st.is_success()
                                || (course
                                    && *role == Role::BranchSecretary
                                    && st == StatusCode::NOT_FOUND)
                                || (form
                                    && st == StatusCode::UNPROCESSABLE_ENTITY
                                    && text.contains("form_incomplete")),
                            "{who}: {st} {text}"
                        );
                    }
                }
                if *role == Role::Admin {
                    // An administrator has no subtree.
                    checked += 2;
                    continue;
                }
                let (st, text, _) =
                    call(&app, route.method, &uri, body.clone(), ct, &bearer(t_out)).await;
                let who = format!("{what} as {} outside", role.as_str());
                if !allowed || national_only {
                    assert_eq!(st, StatusCode::FORBIDDEN, "{who}: {text}");
                } else if route.reach == Reach::Subtree {
                    // Refused, or a list filtered to the user's own subtree (nothing of X1).
                    let filtered = st.is_success() && !text.contains("X1.01");
                    assert!(
                        st == StatusCode::FORBIDDEN || st == StatusCode::NOT_FOUND || filtered,
                        "{who}: {st} {text}"
                    );
                    // Nothing of X1 leaks into the refusal.
                    assert!(!text.contains("Giàng"), "{who}: {text}");
                }
                checked += 2;
            }
        }
        assert!(checked >= ROUTES.len() * 8, "{checked}");
    }
}

#[tokio::test]
async fn lists_are_filtered_to_the_subtree_and_data_masked_by_role() {
    for db in test_stores().await.unwrap() {
        let s = &db.store;
        let f = fixture(s).await;
        let app = router(AppState::new(s.clone()));
        let sec = user_token(s, "chibo", Role::BranchSecretary, Some("X1.01"))
            .await
            .unwrap();
        let other = user_token(s, "chibo2", Role::BranchSecretary, Some("X2.01"))
            .await
            .unwrap();
        let centre = user_token(s, "trungtam", Role::PoliticalCentre, Some("X1"))
            .await
            .unwrap();
        let staff = user_token(s, "xa", Role::CommitteeStaff, Some("X1"))
            .await
            .unwrap();
        // The tree without root: one's own unit.
        let (st, text, _) = call(&app, "GET", "/api/v1/org/tree", None, "", &bearer(&other)).await;
        assert_eq!(st, StatusCode::OK, "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["units"][0]["code"], "X2.01", "{v}");
        assert_eq!(v["count"], 1);
        // A search without org stays inside; the other branch finds nobody.
        let q = format!("/api/v1/people?q={CCCD}");
        let (_, text, _) = call(&app, "GET", &q, None, "", &bearer(&other)).await;
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["count"], 0, "{v}");
        let (_, text, _) = call(&app, "GET", &q, None, "", &bearer(&sec)).await;
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["count"], 1, "{v}");
        // The branch secretary keeps the dossier: the whole record.
        let uri = format!("/api/v1/people/{}", f.member);
        let (_, text, _) = call(&app, "GET", &uri, None, "", &bearer(&sec)).await;
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["cccd"], CCCD, "{v}");
        assert_eq!(v["birth_date"], "1985-03-02");
        assert_eq!(v["ethnic_group"], "08");
        assert_eq!(v["withheld"], json!([]));
        // The political centre sees it masked.
        let (_, text, _) = call(&app, "GET", &uri, None, "", &bearer(&centre)).await;
        assert!(
            !text.contains(CCCD) && !text.contains("1985-03-02"),
            "{text}"
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["cccd"], "*********876");
        assert!(v.get("religion").is_none() && v.get("ethnic_group").is_none());
        // Both views are in the person's audit trail, with who viewed; staff read it.
        let uri = format!("/api/v1/people/{}/audit", f.member);
        let (st, text, _) = call(&app, "GET", &uri, None, "", &bearer(&staff)).await;
        assert_eq!(st, StatusCode::OK, "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        let views: Vec<&Value> = v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "person.view")
            .collect();
        assert_eq!(views.len(), 2, "{v}");
        assert_eq!(views[0]["actor"], "token:api");
        // A case view is audited too and appears in the unit's trail.
        let uri = format!("/api/v1/cases/{}", f.case);
        let (st, _, _) = call(&app, "GET", &uri, None, "", &bearer(&sec)).await;
        assert_eq!(st, StatusCode::OK);
        let (_, text, _) = call(
            &app,
            "GET",
            "/api/v1/audit?org=X1",
            None,
            "",
            &bearer(&staff),
        )
        .await;
        let v: Value = serde_json::from_str(&text).unwrap();
        let actions: Vec<&str> = v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert!(actions.contains(&"case.view"), "{actions:?}");
        assert!(actions.contains(&"case.open"), "{actions:?}");
        // Staff without org: their own unit; another unit's trail is refused.
        let (st, _, _) = call(
            &app,
            "GET",
            "/api/v1/audit?org=X2",
            None,
            "",
            &bearer(&staff),
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        // Courses without org: those of one's own subtree only.
        let (_, text, _) = call(&app, "GET", "/api/v1/courses", None, "", &bearer(&centre)).await;
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["count"], 1, "{v}");
    }
}

/// The session cookie from a response's `Set-Cookie`.
fn session_of(h: &axum::http::HeaderMap) -> String {
    let c = h
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap()
        .to_string();
    assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax"), "{c}");
    c.split(';').next().unwrap().to_string()
}

const PASSWORD: &str = "mật-khẩu-đủ-dài";

async fn login(
    app: &Router,
    user: &str,
    password: &str,
) -> (StatusCode, Value, axum::http::HeaderMap) {
    let body = json!({"username": user, "password": password}).to_string();
    let (st, text, h) = call(
        app,
        "POST",
        "/api/v1/login",
        Some(body),
        "application/json",
        &[],
    )
    .await;
    (st, serde_json::from_str(&text).unwrap_or(Value::Null), h)
}

#[tokio::test]
async fn sign_in_csrf_lockout_password_expiry_and_tokens() {
    for db in test_stores().await.unwrap() {
        let s = &db.store;
        fixture(s).await;
        let state = AppState::new(s.clone());
        let app = router(state.clone());
        s.user_create(
            &NewUser {
                username: "Lan".into(),
                password: Some(PASSWORD.into()),
                role: Role::CommitteeStaff,
                org_code: Some("X1".into()),
            },
            state.now(),
            "test",
        )
        .await
        .unwrap();
        // Weak passwords and unknown units are refused when creating a user.
        let weak = s
            .user_create(
                &NewUser {
                    username: "weak".into(),
                    password: Some("short".into()),
                    role: Role::Viewer,
                    org_code: Some("X1".into()),
                },
                state.now(),
                "test",
            )
            .await;
        assert!(weak.is_err());

        // Sign in: cookie + CSRF token; the cookie alone reads.
        let (st, v, h) = login(&app, "lan", PASSWORD).await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let cookie = session_of(&h);
        let csrf = v["csrf_token"].as_str().unwrap().to_string();
        assert_eq!(v["user"]["role"], "committee_staff");
        let with_cookie = vec![("cookie", cookie.clone())];
        let (st, text, _) = call(&app, "GET", "/api/v1/me", None, "", &with_cookie).await;
        assert_eq!(st, StatusCode::OK, "{text}");
        assert!(!text.contains(PASSWORD));

        // A write with the cookie but without the CSRF token: 403 csrf; with it: through.
        let body = json!({"org":"X1.01","period":"2024","assigned":3}).to_string();
        let (st, text, _) = call(
            &app,
            "PUT",
            "/api/v1/targets",
            Some(body.clone()),
            "application/json",
            &with_cookie,
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{text}");
        assert!(text.contains("\"csrf\""), "{text}");
        let mut both = with_cookie.clone();
        both.push(("x-csrf-token", "wrong".into()));
        let (st, _, _) = call(
            &app,
            "PUT",
            "/api/v1/targets",
            Some(body.clone()),
            "application/json",
            &both,
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let mut good = with_cookie.clone();
        good.push(("x-csrf-token", csrf.clone()));
        let (st, text, _) = call(
            &app,
            "PUT",
            "/api/v1/targets",
            Some(body),
            "application/json",
            &good,
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{text}");
        // The audit trail has the username.
        let audit = s.audit_recent(None, 1).await.unwrap();
        assert_eq!(audit[0].actor, "lan");

        // The HTML sign-out form needs the token too.
        let (st, _, _) = call(
            &app,
            "POST",
            "/logout",
            Some("csrf_token=nope".into()),
            "application/x-www-form-urlencoded",
            &with_cookie,
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);

        // Password change: wrong current → 422; weak new → 422; then the other sessions end.
        let (_, _, h2) = login(&app, "lan", PASSWORD).await;
        let other_cookie = vec![("cookie", session_of(&h2))];
        let change = |cur: &str, new: &str| {
            json!({"current_password": cur, "new_password": new}).to_string()
        };
        let (st, _, _) = call(
            &app,
            "POST",
            "/api/v1/me/password",
            Some(change("wrong-one-here", "another-long-one")),
            "application/json",
            &good,
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let (st, _, _) = call(
            &app,
            "POST",
            "/api/v1/me/password",
            Some(change(PASSWORD, "short")),
            "application/json",
            &good,
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let new_pw = "một-mật-khẩu-mới";
        let (st, text, _) = call(
            &app,
            "POST",
            "/api/v1/me/password",
            Some(change(PASSWORD, new_pw)),
            "application/json",
            &good,
        )
        .await;
        assert_eq!(st, StatusCode::NO_CONTENT, "{text}");
        let (st, _, _) = call(&app, "GET", "/api/v1/me", None, "", &other_cookie).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "the other session ended");
        let (st, _, _) = call(&app, "GET", "/api/v1/me", None, "", &with_cookie).await;
        assert_eq!(st, StatusCode::OK, "this session stays");
        assert_eq!(
            login(&app, "lan", PASSWORD).await.0,
            StatusCode::UNAUTHORIZED
        );

        // Sign out: 204, the cookie is cleared and no longer works.
        let (st, _, h) = call(&app, "POST", "/api/v1/logout", None, "", &good).await;
        assert_eq!(st, StatusCode::NO_CONTENT);
        assert!(
            h.get(header::SET_COOKIE)
                .unwrap()
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
        );
        let (st, _, _) = call(&app, "GET", "/api/v1/me", None, "", &with_cookie).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);

        // Session expiry: 12 h without a request.
        let (st, _, h) = login(&app, "lan", new_pw).await;
        assert_eq!(st, StatusCode::OK);
        let c = vec![("cookie", session_of(&h))];
        state
            .clock_offset
            .store(access::SESSION_IDLE_SECS - 120, Ordering::Relaxed);
        let (st, _, _) = call(&app, "GET", "/api/v1/me", None, "", &c).await;
        assert_eq!(st, StatusCode::OK, "used within 12 h");
        state
            .clock_offset
            .store(2 * access::SESSION_IDLE_SECS, Ordering::Relaxed);
        let (st, _, _) = call(&app, "GET", "/api/v1/me", None, "", &c).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "idle for 12 h");
        state.clock_offset.store(0, Ordering::Relaxed);

        // Lockout: 5 failures in 15 minutes lock the username (even the right password).
        for i in 0..4 {
            let (st, v, _) = login(&app, "lan", "wrong-password").await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{i}: {v}");
            assert_eq!(v["error"], "bad_credentials");
        }
        let (st, v, _) = login(&app, "lan", "wrong-password").await;
        assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "{v}");
        let (st, v, _) = login(&app, "lan", new_pw).await;
        assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "{v}");
        assert_eq!(v["error"], "locked");
        state
            .clock_offset
            .store(access::LOCKOUT_SECS + 60, Ordering::Relaxed);
        let (st, _, _) = login(&app, "lan", new_pw).await;
        assert_eq!(st, StatusCode::OK, "unlocked after 15 minutes");
        state.clock_offset.store(0, Ordering::Relaxed);
        // An unknown user gets the same answer as a wrong password.
        let (st, v, _) = login(&app, "nobody", "whatever-password").await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        assert_eq!(v["error"], "bad_credentials");

        // API tokens: no CSRF needed, actor token:NAME, disabled user → 401.
        let admin = user_token(s, "root", Role::Admin, None).await.unwrap();
        let (st, text, _) = call(
            &app,
            "POST",
            "/api/v1/users/lan/tokens",
            Some(json!({"name":"hrm"}).to_string()),
            "application/json",
            &bearer(&admin),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{text}");
        let tok = serde_json::from_str::<Value>(&text).unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string();
        let body = json!({"org":"X1.01","period":"2025","assigned":4}).to_string();
        let (st, text, _) = call(
            &app,
            "PUT",
            "/api/v1/targets",
            Some(body.clone()),
            "application/json",
            &bearer(&tok),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{text}");
        assert_eq!(s.audit_recent(None, 1).await.unwrap()[0].actor, "token:hrm");
        let (st, _, _) = call(
            &app,
            "GET",
            "/api/v1/me",
            None,
            "",
            &bearer("ketnap_not-a-token"),
        )
        .await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        let (st, text, _) = call(&app, "GET", "/api/v1/users", None, "", &bearer(&admin)).await;
        assert_eq!(st, StatusCode::OK);
        assert!(!text.contains("argon2") && !text.contains(&tok), "{text}");
        // One token is revoked; the user's other token and sessions keep working.
        let (st, text, _) = call(
            &app,
            "POST",
            "/api/v1/users/lan/tokens",
            Some(json!({"name":"backup"}).to_string()),
            "application/json",
            &bearer(&admin),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{text}");
        let backup = serde_json::from_str::<Value>(&text).unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string();
        let (st, text, _) = call(
            &app,
            "GET",
            "/api/v1/users/lan/tokens",
            None,
            "",
            &bearer(&admin),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{text}");
        assert!(!text.contains(&tok) && !text.contains(&backup), "{text}");
        let listed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(listed["count"], 2, "{text}");
        let hrm_id = listed["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "hrm")
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        assert!(
            !listed["tokens"][1]["last_used"].is_null(),
            "hrm was used: {text}"
        );
        let (st, _, h) = login(&app, "lan", new_pw).await;
        assert_eq!(st, StatusCode::OK);
        let lan_cookie = vec![("cookie", session_of(&h))];
        let revoke = format!("/api/v1/users/lan/tokens/{hrm_id}/revoke");
        let (st, text, _) = call(&app, "POST", &revoke, None, "", &bearer(&admin)).await;
        assert_eq!(st, StatusCode::OK, "{text}");
        assert!(text.contains("\"revoked\":true"), "{text}");
        let (st, _, _) = call(&app, "GET", "/api/v1/me", None, "", &bearer(&tok)).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "the revoked token stops");
        let (st, _, _) = call(&app, "GET", "/api/v1/me", None, "", &bearer(&backup)).await;
        assert_eq!(st, StatusCode::OK, "the other token works");
        let (st, _, _) = call(&app, "GET", "/api/v1/me", None, "", &lan_cookie).await;
        assert_eq!(st, StatusCode::OK, "the session works");
        let (st, v, _) = call(&app, "POST", &revoke, None, "", &bearer(&admin)).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "revoked twice: {v}");
        let (st, _, _) = call(
            &app,
            "POST",
            "/api/v1/users/lan/tokens/999999/revoke",
            None,
            "",
            &bearer(&admin),
        )
        .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "not lan's token");
        let audit = s.audit_recent(None, 5).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|a| a.action == "user.token_revoke" && a.actor == "token:api"),
            "{audit:?}"
        );

        // An administrator resets the password: the rule is checked, every session ends.
        let reset = |pw: &str| Some(json!({ "password": pw }).to_string());
        let (st, text, _) = call(
            &app,
            "POST",
            "/api/v1/users/lan/password",
            reset("short"),
            "application/json",
            &bearer(&admin),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
        assert!(text.contains("password"), "{text}");
        let (st, _, _) = call(&app, "GET", "/api/v1/me", None, "", &lan_cookie).await;
        assert_eq!(st, StatusCode::OK, "a refused reset changes nothing");
        let reset_pw = "mật-khẩu-đặt-lại-1";
        let (st, text, _) = call(
            &app,
            "POST",
            "/api/v1/users/lan/password",
            reset(reset_pw),
            "application/json",
            &bearer(&admin),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{text}");
        assert!(!text.contains(reset_pw), "{text}");
        let (st, _, _) = call(&app, "GET", "/api/v1/me", None, "", &lan_cookie).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "sessions end on a reset");
        assert_eq!(login(&app, "lan", new_pw).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(login(&app, "lan", reset_pw).await.0, StatusCode::OK);
        let new_pw = reset_pw;

        let (st, _, _) = call(
            &app,
            "POST",
            "/api/v1/users/lan/disable",
            None,
            "",
            &bearer(&admin),
        )
        .await;
        assert_eq!(st, StatusCode::OK);
        let (st, _, _) = call(&app, "GET", "/api/v1/me", None, "", &bearer(&tok)).await;
        assert_eq!(
            st,
            StatusCode::UNAUTHORIZED,
            "a disabled user's token stops working"
        );
        let (st, _, _) = login(&app, "lan", new_pw).await;
        assert_eq!(
            st,
            StatusCode::UNAUTHORIZED,
            "a disabled user cannot sign in"
        );
        let (st, text, _) = call(
            &app,
            "POST",
            "/api/v1/users/lan/enable",
            None,
            "",
            &bearer(&admin),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{text}");
        assert_eq!(login(&app, "lan", new_pw).await.0, StatusCode::OK);
        let (st, _, _) = call(&app, "GET", "/api/v1/me", None, "", &bearer(&backup)).await;
        assert_eq!(
            st,
            StatusCode::UNAUTHORIZED,
            "tokens revoked by disabling stay revoked"
        );

        // Users are created by an administrator over the API.
        let body =
            json!({"username":"chibo","role":"branch_secretary","org":"X1.01","password":PASSWORD})
                .to_string();
        let (st, text, _) = call(
            &app,
            "POST",
            "/api/v1/users",
            Some(body.clone()),
            "application/json",
            &bearer(&admin),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{text}");
        let (st, text, _) = call(
            &app,
            "POST",
            "/api/v1/users",
            Some(body),
            "application/json",
            &bearer(&admin),
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
        assert!(text.contains("user.exists"));
        assert_eq!(login(&app, "chibo", PASSWORD).await.0, StatusCode::OK);
    }
}

#[tokio::test]
async fn html_sign_in_and_out() {
    for db in test_stores().await.unwrap() {
        let s = &db.store;
        fixture(s).await;
        let app = router(AppState::new(s.clone()));
        user_token(s, "xem", Role::Viewer, Some("X1"))
            .await
            .unwrap();
        s.user_set_password("xem", PASSWORD, 0, "test")
            .await
            .unwrap();
        let (st, page, _) = call(&app, "GET", "/login", None, "", &[]).await;
        assert_eq!(st, StatusCode::OK);
        assert!(page.contains("name=\"password\""));
        let form = format!(
            "username=xem&password={}",
            "m%E1%BA%ADt-kh%E1%BA%A9u-%C4%91%E1%BB%A7-d%C3%A0i"
        );
        let form_ct = "application/x-www-form-urlencoded";
        // From another site: refused.
        let (st, _, _) = call(
            &app,
            "POST",
            "/login",
            Some(form.clone()),
            form_ct,
            &[
                ("origin", "https://evil.example".into()),
                ("host", "127.0.0.1:8080".into()),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _, h) = call(&app, "POST", "/login", Some(form), form_ct, &[]).await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        let cookie = vec![("cookie", session_of(&h))];
        let (_, page, _) = call(&app, "GET", "/", None, "", &cookie).await;
        let csrf = page
            .split("name=\"csrf_token\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap()
            .to_string();
        assert_eq!(csrf.len(), 64, "{page}");
        let (st, _, _) = call(
            &app,
            "POST",
            "/logout",
            Some(format!("csrf_token={csrf}")),
            form_ct,
            &cookie,
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        let (st, _, _) = call(&app, "GET", "/api/v1/me", None, "", &cookie).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
}
