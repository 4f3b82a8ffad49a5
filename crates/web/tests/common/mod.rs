//! Shared by the server tests: a capture of everything traced in the test process, to prove
//! what never reaches a log.

#![allow(dead_code, clippy::unwrap_used)]

use std::sync::{Arc, Mutex, OnceLock};

/// Everything traced in this test process (down to TRACE), to prove what never reaches a log.
#[derive(Clone, Default)]
pub struct LogBuf(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn logs() -> &'static LogBuf {
    static LOGS: OnceLock<LogBuf> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = LogBuf::default();
        let sink = buf.clone();
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .try_init();
        buf
    })
}

pub fn logged() -> String {
    String::from_utf8_lossy(&logs().0.lock().unwrap()).into_owned()
}

/// An HTTP client that sends an administrator's API token with every request.
pub async fn admin_client(store: &ketnap_store::Store) -> reqwest::Client {
    let token = ketnap_web::testing::admin_token(store).await.unwrap();
    let mut h = reqwest::header::HeaderMap::new();
    h.insert(
        reqwest::header::AUTHORIZATION,
        reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(h)
        .build()
        .unwrap()
}

/// One request through the router: (status, body, headers). `body` is sent with content type
/// `ct` for methods other than GET and DELETE.
pub async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    body: Option<String>,
    ct: &str,
    headers: &[(&str, String)],
) -> (axum::http::StatusCode, String, axum::http::HeaderMap) {
    use axum::body::Body;
    use axum::http::{Request, header};
    use tower::ServiceExt;
    let mut b = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        b = b.header(*k, v);
    }
    let req = match body {
        Some(body) if method != "GET" && method != "DELETE" => b
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap(),
        _ => b.body(Body::empty()).unwrap(),
    };
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let h = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned(), h)
}

/// The `Authorization` header of an API token.
pub fn bearer(t: &str) -> Vec<(&'static str, String)> {
    vec![("authorization", format!("Bearer {t}"))]
}

/// The unit of a role's user inside (X1; the branch for a secretary) and outside (X2…).
pub fn units(role: ketnap_domain::access::Role) -> (&'static str, &'static str) {
    match role {
        ketnap_domain::access::Role::BranchSecretary => ("X1.01", "X2.01"),
        _ => ("X1", "X2"),
    }
}

/// Giàng A Dình (CCCD, birth date, Mông, Catholic) with a case opened in X1.01 on 01/03/2024:
/// (person, case).
pub async fn candidate(s: &ketnap_store::Store) -> (i64, i64) {
    use ketnap_domain::person::*;
    use ketnap_domain::pipeline::Proposer;
    use ketnap_domain::sensitive::Sensitive;
    use ketnap_store::pipeline_api::NewCase;
    let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
    let id = s
        .person_create(
            &Person {
                id: 0,
                cccd: Some(Sensitive::new("010098004321".into())),
                full_name: "Giàng A Dình".into(),
                sex: Sex::Male,
                birth_date: Sensitive::new(d(1998, 5, 10)),
                ethnic_group: Sensitive::new(EthnicGroup::parse("Mông").unwrap()),
                religion: Sensitive::new(Religion::Catholic),
                education: GeneralEducation::UpperSecondary,
                qualification: ProfessionalQualification::None,
                political_theory: PoliticalTheory::None,
                occupation: Occupation::Farmer,
                youth_union: true,
                residence_locality: None,
            },
            "test",
        )
        .await
        .unwrap();
    let case = s
        .case_open(
            &NewCase {
                person_id: id,
                branch_code: "X1.01".into(),
                date: d(2024, 3, 1),
                proposed_by: Proposer::YouthUnion,
                document: None,
            },
            "test",
        )
        .await
        .unwrap();
    (id, case)
}
