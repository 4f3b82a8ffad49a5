//! The admission pipeline over HTTP: the real server on a random port over a throwaway database
//! (SQLite and PostgreSQL) walks a candidate from the source list to official member — the org
//! tree by structure operations, the awareness course with its certificate, every step of the
//! procedure, a refused 5-of-9 branch vote, a stale version (409), the due list showing the
//! overdue recognition, the final `official` state — then the events import from CSV, the
//! holiday calendar and the difficult areas.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use ketnap_domain::person::{
    EthnicGroup, GeneralEducation, Occupation, PartyStatus, Person, PersonId, PoliticalTheory,
    ProfessionalQualification, Religion, Sex,
};
use ketnap_domain::sensitive::Sensitive;
use ketnap_store::Store;
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

/// A response: status, the `ETag` header, the JSON body.
struct Res {
    status: StatusCode,
    etag: Option<String>,
    body: Value,
}

impl Server {
    async fn start(db: &TestDb) -> Server {
        logs();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(ketnap_web::serve_until(
            listener,
            db.store.clone(),
            async move {
                let _ = rx.await;
            },
        ));
        Server {
            base: format!("http://{addr}"),
            http: common::admin_client(&db.store).await,
            stop: Some(tx),
            task: Some(task),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Res {
        let res = req.send().await.unwrap();
        let status = res.status();
        let etag = res
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = res.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
        };
        Res { status, etag, body }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn get(&self, path: &str) -> Res {
        self.send(self.http.get(self.url(path))).await
    }

    async fn post(&self, path: &str, body: Value) -> Res {
        self.send(self.http.post(self.url(path)).json(&body)).await
    }

    async fn put(&self, path: &str, body: Value) -> Res {
        self.send(self.http.put(self.url(path)).json(&body)).await
    }

    async fn delete(&self, path: &str) -> Res {
        self.send(self.http.delete(self.url(path))).await
    }

    async fn csv(&self, path: &str, text: String) -> Res {
        self.send(
            self.http
                .post(self.url(path))
                .header("content-type", "text/csv; charset=utf-8")
                .body(text),
        )
        .await
    }

    /// A POST that must answer 201.
    async fn created(&self, path: &str, body: Value) -> Value {
        let r = self.post(path, body.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{path} {body} → {}", r.body);
        r.body
    }

    /// Records an event in a case; must answer 201.
    async fn event(&self, case: i64, body: Value) -> Value {
        self.created(&format!("/api/v1/cases/{case}/events"), body)
            .await
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

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn person(name: &str, birth: NaiveDate) -> Person {
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

const BRANCH: &str = "X02692.01";
const CANDIDATE: &str = "Giàng A Dình";
const NAMES: [&str; 9] = ["Páo", "Sử", "Chá", "Dế", "Lầu", "Mỷ", "Nhè", "Pó", "Tráng"];

/// People are not created over HTTP (the people API only reads): nine official members of the
/// branch since 2016 (the first mentors, the next two introduce) and the candidate, born
/// 10/05/1998, upper-secondary education, Youth Union member.
async fn people(s: &Store, branch: i64) -> (Vec<PersonId>, PersonId) {
    let mut members = vec![];
    for (i, n) in NAMES.iter().enumerate() {
        let id = s
            .person_create(
                &person(&format!("Vàng A {n}"), d(1970 + i as i32, 3, 1)),
                "test",
            )
            .await
            .unwrap();
        s.person_add_status(
            id,
            PartyStatus::Official,
            Some(branch),
            d(2016, 1, 1),
            "test",
        )
        .await
        .unwrap();
        members.push(id);
    }
    let cand = s
        .person_create(&person(CANDIDATE, d(1998, 5, 10)), "test")
        .await
        .unwrap();
    (members, cand)
}

fn doc(form: Option<&str>, number: &str) -> Value {
    json!({"form": form, "number": number})
}

fn row_of(due: &Value, case: i64) -> Vec<&Value> {
    due["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["case_id"] == case)
        .collect()
}

#[tokio::test]
async fn source_list_to_official_member_over_http_on_both_engines() {
    for db in test_stores().await.unwrap() {
        let backend = db.backend().as_str();
        let srv = Server::start(&db).await;

        // ---- the organization tree: province → commune committee → branch ----------------
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
                "X02692",
                "Đảng bộ xã A Lù",
                "grassroots_committee",
                "commune",
                Some("T10"),
            ),
            (
                BRANCH,
                "Chi bộ thôn Phìn Chải",
                "branch",
                "village",
                Some("X02692"),
            ),
        ] {
            srv.created(
                "/api/v1/org/operations",
                json!({"op":"create","code":code,"name":name,"kind":kind,"sector":sector,
                       "parent_code":parent,"date":"2016-01-01"}),
            )
            .await;
        }
        let branch = db.store.org_required(BRANCH).await.unwrap().id;
        let (m, cand) = people(&db.store, branch).await;
        let r = srv.get("/api/v1/people?org=X02692&as_of=2020-01-01").await;
        assert_eq!(r.body["count"], 9, "{backend}: {}", r.body);

        // ---- source list, mentor ------------------------------------------------------------
        let r = srv
            .post(
                "/api/v1/cases",
                json!({"person_id": cand, "branch_code": BRANCH, "date": "01/03/2023",
                       "proposed_by": "youth_union", "document": doc(None, "12-NQ/CB")}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{backend}: {}", r.body);
        assert_eq!(r.body["stage"], "source");
        assert_eq!(r.body["version"], 1);
        assert_eq!(r.etag.as_deref(), Some("\"1\""));
        assert_eq!(r.body["person"]["full_name"], CANDIDATE);
        assert_eq!(r.body["person"]["birth_year"], 1998);
        let case = r.body["id"].as_i64().unwrap();
        let path = format!("/api/v1/cases/{case}");
        // A second case for the same person is refused.
        let r = srv
            .post(
                "/api/v1/cases",
                json!({"person_id": cand, "branch_code": BRANCH, "date": "2023-03-02",
                       "proposed_by": "school"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.body["violations"][0]["rule"], "case.open.duplicate");

        srv.event(
            case,
            json!({"date":"2023-03-08","kind":"mentor_assigned","mentor":m[0],
                   "document": doc(None, "13-NQ/CB")}),
        )
        .await;

        // ---- the awareness course and its certificate ---------------------------------------
        let c = srv
            .created(
                "/api/v1/courses",
                json!({"org_code":"T10","name":"Lớp bồi dưỡng nhận thức về Đảng khóa 1/2023",
                       "starts_on":"2023-03-20","ends_on":"2023-04-05"}),
            )
            .await;
        assert_eq!(c["kind"], "awareness");
        let course = c["id"].as_i64().unwrap();
        let e = srv
            .created(
                &format!("/api/v1/courses/{course}/enrolments"),
                json!({"person_id": cand, "date": "2023-03-15"}),
            )
            .await;
        assert_eq!(e["case_id"], case);
        assert_eq!(e["completed"], false);
        let done = srv
            .created(
                &format!("/api/v1/courses/{course}/completions"),
                json!({"person_id": cand, "certificate_no": "CN-0457", "issued": "2023-04-07"}),
            )
            .await;
        assert_eq!(done["event"]["case_id"], case);
        assert_eq!(done["event"]["kind"], "course_completed");
        let r = srv
            .get(&format!("/api/v1/courses/{course}/enrolments"))
            .await;
        assert_eq!(r.body["enrolments"][0]["completed"], true, "{}", r.body);
        assert_eq!(r.body["enrolments"][0]["certificate_no"], "CN-0457");
        assert_eq!(r.body["enrolments"][0]["event_id"], done["event"]["id"]);
        let r = srv.get("/api/v1/courses?org=T10").await;
        assert_eq!(r.body["count"], 1, "{}", r.body);
        assert_eq!(r.body["courses"][0]["completed"], 1);

        // ---- application to comments --------------------------------------------------------
        srv.event(
            case,
            json!({"date":"2023-04-21","kind":"application_submitted","document":doc(Some("1-KNĐ"),"đơn")}),
        )
        .await;
        srv.event(
            case,
            json!({"date":"2023-04-24","kind":"history_submitted","document":doc(Some("2-KND"),"LL")}),
        )
        .await;
        srv.event(
            case,
            json!({"date":"2023-05-24","kind":"history_verified","conclusion_ok":true,
                   "document":doc(None,"KL-05")}),
        )
        .await;
        for (i, p) in [m[1], m[2]].into_iter().enumerate() {
            // `official_since` left out: the API takes it from the records.
            let v = srv
                .event(
                    case,
                    json!({"date":"2023-05-29","kind":"introduced",
                           "introducer":{"by":"member","person":p,"worked_together_since":"2015-01-01"},
                           "document":doc(Some("3-KNĐ"),&format!("GT-{i}"))}),
                )
                .await;
            assert_eq!(v["event"]["introducer"]["official_since"], "2016-01-01");
        }
        let v = srv
            .event(
                case,
                json!({"date":"2023-06-05","kind":"comments_collected","document":doc(Some("5-KNĐ"),"TH-1")}),
            )
            .await;
        assert_eq!(v["stage"], "introduced");
        let version_before_vote = v["version"].as_i64().unwrap();

        // ---- a 5-of-9 branch vote is refused, nothing written; then a valid vote -------------
        let r = srv
            .post(
                &format!("{path}/events"),
                json!({"date":"2023-06-15","kind":"branch_voted","present":7,"in_favour":5,
                       "against":2,"document":doc(Some("6-KNĐ"),"20-NQ/CB")}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.body["error"], "refused");
        let rf = &r.body["refusals"][0];
        assert_eq!(rf["rule_id"], "vote.two_thirds", "{}", r.body);
        assert!(
            rf["regulation"].as_str().unwrap().contains("Điều lệ"),
            "{rf}"
        );
        assert!(rf["article"].as_str().unwrap().contains("Điều 4"), "{rf}");
        assert!(rf["message_vi"].as_str().unwrap().contains("5/9"), "{rf}");
        assert!(
            rf["message_en"].as_str().unwrap().contains("5 of 9"),
            "{rf}"
        );
        assert!(rf["facts"].is_object(), "{rf}");
        assert!(rf.get("event_id").is_none(), "{rf}");
        let r = srv.get(&format!("{path}?as_of=2023-06-15")).await;
        assert_eq!(
            r.body["case"]["version"], version_before_vote,
            "nothing written"
        );
        assert_eq!(r.body["state"]["stage"], "introduced");
        // The official members are computed from the records when not given (9).
        let v = srv
            .event(
                case,
                json!({"date":"2023-06-15","kind":"branch_voted","present":9,"in_favour":8,
                       "against":1,"document":doc(Some("6-KNĐ"),"20-NQ/CB")}),
            )
            .await;
        assert_eq!(v["event"]["official_members"], 9);
        assert_eq!(v["stage"], "branch_approved");

        // ---- committee, decision, ceremony ---------------------------------------------------
        srv.event(
            case,
            json!({"date":"2023-06-22","kind":"committee_resolved","members":7,"in_favour":6,
                   "document":doc(Some("8-KNĐ"),"31-NQ/ĐU")}),
        )
        .await;
        srv.event(
            case,
            json!({"date":"2023-07-06","kind":"admission_decided","level":"direct_superior",
                   "document":doc(Some("9-KNĐ"),"1234-QĐ/TU")}),
        )
        .await;
        let v = srv
            .event(
                case,
                json!({"date":"2023-07-14","kind":"ceremony_held","document":doc(None,"BB-01")}),
            )
            .await;
        assert_eq!(v["stage"], "probationary");
        let r = srv.get(&format!("/api/v1/people/{cand}")).await;
        assert_eq!(
            r.body["statuses"][1]["status"], "probationary",
            "{}",
            r.body
        );

        // ---- probation: the new-member course, the documents; a stale version is a 409 -------
        let nm = srv
            .created(
                "/api/v1/courses",
                json!({"kind":"new_member","org_code":"T10","name":"Lớp đảng viên mới 2023",
                       "starts_on":"2023-10-02","ends_on":"2023-10-12"}),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        srv.created(
            &format!("/api/v1/courses/{nm}/enrolments"),
            json!({"person_id": cand, "date": "2023-10-01"}),
        )
        .await;
        srv.created(
            &format!("/api/v1/courses/{nm}/completions"),
            json!({"person_id": cand, "certificate_no": "ĐVM-88", "issued": "2023-10-14"}),
        )
        .await;
        let r = srv.get(&format!("{path}?as_of=2024-07-09")).await;
        let seen = r.etag.clone().unwrap();
        let seen_version = r.body["case"]["version"].as_i64().unwrap();
        assert_eq!(seen, format!("\"{seen_version}\""));
        let r = srv
            .send(
                srv.http
                    .post(srv.url(&format!("{path}/events")))
                    .header("If-Match", &seen)
                    .json(
                        &json!({"date":"2024-07-09","kind":"document_filed","doc":"self_review",
                                  "document":doc(Some("10-KNĐ"),"TKĐ-1")}),
                    ),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body["version"], seen_version + 1);
        assert_eq!(r.etag, Some(format!("\"{}\"", seen_version + 1)));
        // Someone else's read: the version they saw is gone.
        let r = srv
            .send(
                srv.http
                    .post(srv.url(&format!("{path}/events")))
                    .header("If-Match", &seen)
                    .json(
                        &json!({"date":"2024-07-09","kind":"document_filed","doc":"mentor_review",
                                  "document":doc(Some("11-KNĐ"),"NX-1")}),
                    ),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert_eq!(r.body["error"], "conflict");
        assert_eq!(r.body["expected"], seen_version);
        assert_eq!(r.body["actual"], seen_version + 1);
        assert_eq!(r.body["by"], "token:api");
        assert!(r.body["at"].is_string());
        let msg = r.body["message"].as_str().unwrap();
        assert!(
            msg.contains("changed by token:api") && msg.contains("reload"),
            "{msg}"
        );
        // Reloaded: the version in the body works as well.
        srv.event(
            case,
            json!({"date":"2024-07-09","kind":"document_filed","doc":"mentor_review",
                   "expected_version": seen_version + 1,
                   "document":doc(Some("11-KNĐ"),"NX-1")}),
        )
        .await;
        srv.event(
            case,
            json!({"date":"2024-07-09","kind":"document_filed","doc":"recognition_comments",
                   "document":doc(Some("12-KNĐ"),"TH-2")}),
        )
        .await;

        // ---- what is due before recognition: due within the month, then overdue -------------
        let r = srv.get("/api/v1/due?org=X02692&as_of=2024-08-01").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let mine = row_of(&r.body, case);
        assert!(
            mine.iter()
                .any(|x| x["group"] == "this_month" && x["item"]["kind"] == "recognition_vote"),
            "{}",
            r.body
        );
        let r = srv
            .get("/api/v1/due?org=T10&as_of=2024-10-01&stall_months=0")
            .await;
        let mine = row_of(&r.body, case);
        let over = mine
            .iter()
            .find(|x| x["group"] == "overdue")
            .unwrap_or_else(|| panic!("{backend}: no overdue row: {}", r.body));
        assert_eq!(over["item"]["kind"], "recognition_vote");
        assert_eq!(over["item"]["rule_id"], "deadline.recognition");
        assert_eq!(over["item"]["overdue"], true);
        assert_eq!(over["person"]["full_name"], CANDIDATE);
        assert_eq!(over["branch"]["code"], BRANCH);
        assert!(r.body["counts"]["overdue"].as_i64().unwrap() >= 1);
        assert_eq!(r.body["org"]["code"], "T10");
        // Lists and mentors on the same day.
        let r = srv
            .get("/api/v1/cases?org=X02692&stage=probationary&as_of=2024-08-01")
            .await;
        assert_eq!(r.body["count"], 1, "{}", r.body);
        assert_eq!(r.body["cases"][0]["id"], case);
        let r = srv.get("/api/v1/mentors?org=X02692&as_of=2024-08-01").await;
        assert_eq!(r.body["mentors"][0]["mentor"]["id"], m[0], "{}", r.body);
        assert_eq!(r.body["mentors"][0]["probationary"], 1);
        assert_eq!(r.body["mentors"][0]["official"], true);

        // ---- recognition: vote and decision, 12 months after the ceremony -------------------
        srv.event(
            case,
            json!({"date":"2024-07-19","kind":"recognition_voted","present":8,"in_favour":8,
                   "against":0,"document":doc(Some("13-KNĐ"),"40-NQ/CB")}),
        )
        .await;
        let r = srv.get(&format!("{path}?as_of=2024-07-20")).await;
        let r = srv
            .send(
                srv.http
                    .post(srv.url(&format!("{path}/events")))
                    .header("If-Match", r.etag.unwrap())
                    .json(&json!({"date":"2024-07-29","kind":"recognition_decided",
                                  "document":doc(None,"77-QĐ/TU")})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body["stage"], "official");

        let r = srv.get(&format!("{path}?as_of=2024-08-01")).await;
        assert_eq!(r.status, StatusCode::OK);
        let v = &r.body;
        assert_eq!(v["state"]["stage"], "official", "{backend}");
        assert_eq!(v["state"]["dates"]["official_from"], "2024-07-14");
        assert_eq!(v["state"]["dates"]["party_age_from"], "2023-07-06");
        assert!(
            v["checklist"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["present"] == true),
            "{}",
            v["checklist"]
        );
        assert_eq!(v["due"], json!([]));
        assert_eq!(v["mentor"]["id"], m[0]);
        assert!(v["events"].as_array().unwrap().len() >= 17);
        assert!(
            v["events"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["actor"] == "token:api")
        );
        assert!(!v.to_string().contains("1998-05-10"), "no birth date");
        let r = srv.get("/api/v1/due?org=T10&as_of=2024-10-01").await;
        assert!(row_of(&r.body, case).is_empty(), "{}", r.body);
        let r = srv
            .get("/api/v1/cases?org=X02692&stage=official&as_of=2024-08-01")
            .await;
        assert_eq!(r.body["cases"][0]["id"], case);
        let r = srv.get(&format!("/api/v1/people/{cand}")).await;
        let st = r.body["statuses"].as_array().unwrap();
        assert_eq!(st.last().unwrap()["status"], "official", "{}", r.body);
        // The closed case takes no more steps.
        let r = srv
            .post(
                &format!("{path}/events"),
                json!({"date":"2024-09-01","kind":"paused"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body["refusals"][0]["rule_id"].is_string());

        // ---- bulk entry: the events import, all or nothing ----------------------------------
        let b = db
            .store
            .person_create(&person("Sùng Thị Mai", d(1997, 7, 7)), "test")
            .await
            .unwrap();
        let header = "case,person_id,branch,date,kind,data,document_form,document_number\n";
        let good = format!(
            "{header}B,{b},{BRANCH},2024-01-05,source_listed,\"{{\"\"proposed_by\"\":\"\"womens_union\"\"}}\",,12-NQ/CB\n\
             B,,,2024-01-12,mentor_assigned,\"{{\"\"mentor\"\":{}}}\",,13-NQ/CB\n",
            m[0]
        );
        // A row that does not parse: nothing checked, nothing written.
        let bad = format!("{good}B,,,2024-02-01,flying,,,\n");
        let r = srv.csv("/api/v1/import/events", bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.body["error"], "import_refused");
        assert_eq!(r.body["written"], false);
        let e = &r.body["errors"][0];
        assert_eq!(
            (e["row"].clone(), e["column"].clone(), e["rule"].clone()),
            (json!(4), json!("kind"), json!("csv.enum")),
            "{}",
            r.body
        );
        // A row the admission rules refuse: the row, the column and the full refusal.
        let refused = format!(
            "{good}B,,,2024-02-01,branch_voted,\"{{\"\"official_members\"\":9,\"\"present\"\":9,\"\"in_favour\"\":9,\"\"against\"\":0}}\",6-KNĐ,1\n"
        );
        let r = srv.csv("/api/v1/import/events", refused).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let e = &r.body["errors"][0];
        assert_eq!(e["row"], 4, "{}", r.body);
        assert!(e["refusal"]["regulation"].is_string(), "{}", r.body);
        assert!(e["refusal"]["message_vi"].is_string());
        let r = srv.get("/api/v1/cases?org=X02692&as_of=2024-03-01").await;
        assert_eq!(r.body["count"], 0, "nothing written: {}", r.body);
        // A dry run checks and writes nothing; then the import.
        let r = srv
            .csv("/api/v1/import/events?dry_run=true", good.clone())
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(
            (r.body["cases_created"].clone(), r.body["written"].clone()),
            (json!(1), json!(false))
        );
        let r = srv.csv("/api/v1/import/events?dry_run=false", good).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body["events_created"], 2);
        assert_eq!(r.body["written"], true);
        let r = srv.get("/api/v1/cases?org=X02692&as_of=2024-03-01").await;
        assert_eq!(r.body["count"], 1, "{}", r.body);
        assert_eq!(r.body["cases"][0]["person"]["full_name"], "Sùng Thị Mai");
        assert_eq!(r.body["cases"][0]["mentor_id"], m[0]);

        // ---- the calendar and the difficult areas --------------------------------------------
        let r = srv.get("/api/v1/holidays?year=2024").await;
        assert!(
            r.body["holidays"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["kind"] == "tet" && h["source"] == "shipped"),
            "{}",
            r.body
        );
        let r = srv
            .put(
                "/api/v1/holidays/2024-03-05",
                json!({"name":"Nghỉ bù (thử)","kind":"substitute"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(
            (r.body["date"].clone(), r.body["source"].clone()),
            (json!("2024-03-05"), json!("admin"))
        );
        assert_eq!(r.body["updated_by"], "token:api");
        let r = srv.delete("/api/v1/holidays/2024-03-05").await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        let r = srv.delete("/api/v1/holidays/2024-03-05").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        let area = json!({"from":"2016-01-01","basis":"QĐ 861/QĐ-TTg"});
        let r = srv
            .put("/api/v1/difficult-areas/X02692", area.clone())
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body["org"]["code"], "X02692");
        let r = srv.put("/api/v1/difficult-areas/x02692", area).await;
        assert_eq!(r.status, StatusCode::OK, "the same designation again");
        let r = srv
            .put(
                "/api/v1/difficult-areas/X02692",
                json!({"from":"2020-01-01","basis":"another"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.body["violations"][0]["rule"], "difficult_area.overlap");
        let r = srv.get("/api/v1/difficult-areas?as_of=2020-01-01").await;
        assert_eq!(r.body["count"], 1, "{}", r.body);

        srv.stop().await;
    }
    let log = logged();
    assert!(
        log.contains("/api/v1/cases/{id}/events"),
        "requests are traced"
    );
    for secret in [CANDIDATE, "Sùng Thị Mai", "5/9", "CN-0457", "dry_run"] {
        assert!(!log.contains(secret), "{secret:?} reached the log");
    }
}
