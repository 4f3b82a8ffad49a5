// Courses run by political centres (lớp bồi dưỡng nhận thức về Đảng; lớp bồi dưỡng đảng viên
// mới): creation, enrolment of people with an open case, completion recorded as an event of the
// case. Included per engine by `engine!`.

use chrono::{Datelike, SubsecRound, Utc};
use ketnap_domain::org::OrgId;
use ketnap_domain::person::{Occupation, PersonId, Sex};
use ketnap_domain::pipeline::{DocumentRef, EventKind, FormCode, ReservedClass, Stage};
use ketnap_domain::{Date, Violation};
use serde_json::json;
use sqlx::{AssertSqlSafe, Pool, Row, Transaction};

use crate::error::{Result, StoreError, decode};
use crate::model::OrgRef;
use crate::pipeline_api::{
    Course, CourseId, CourseKind, Enrolment, NewCourse, NewEvent, PersonBrief, Recorded,
};

type Tx<'a> = Transaction<'a, DB>;

const COURSE_SQL: &str = "SELECT k.id, k.kind, k.org_id, u.code AS org_code, u.name AS org_name, k.name, k.reserved_class, \
     k.starts_on, k.ends_on, \
     (SELECT COUNT(*) FROM course_enrolment e WHERE e.course_id = k.id) AS enrolled, \
     (SELECT COUNT(*) FROM course_enrolment e WHERE e.course_id = k.id AND e.completed = $1) AS completed \
     FROM course k JOIN org_unit u ON u.id = k.org_id";

fn course(r: &<DB as sqlx::Database>::Row) -> Result<Course> {
    let reserved: Option<String> = r.try_get("reserved_class")?;
    Ok(Course {
        id: r.try_get("id")?,
        kind: decode(
            "course kind",
            &r.try_get::<String, _>("kind")?,
            CourseKind::parse,
        )?,
        org: OrgRef {
            id: r.try_get("org_id")?,
            code: r.try_get("org_code")?,
            name: r.try_get("org_name")?,
        },
        name: r.try_get("name")?,
        reserved_class: reserved
            .as_deref()
            .map(|s| decode("reserved class", s, ReservedClass::parse))
            .transpose()?,
        starts_on: r.try_get("starts_on")?,
        ends_on: r.try_get("ends_on")?,
        enrolled: r.try_get("enrolled")?,
        completed: r.try_get("completed")?,
    })
}

async fn load(tx: &mut Tx<'_>, id: CourseId) -> Result<Course> {
    let sql = format!("{COURSE_SQL} WHERE k.id = $2");
    match sqlx::query(AssertSqlSafe(sql))
        .bind(true)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
    {
        Some(r) => course(&r),
        None => Err(StoreError::NotFound {
            what: "course",
            key: id.to_string(),
        }),
    }
}

/// Creates a course run by the political centre of the unit `new.org_code`.
pub async fn create(pool: &Pool<DB>, new: &NewCourse, actor: &str) -> Result<CourseId> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Violation::new(
            "name",
            "course.name",
            "a course needs a name of 1–200 characters",
        )
        .into());
    }
    if new.ends_on < new.starts_on {
        return Err(Violation::new(
            "ends_on",
            "course.dates",
            format!(
                "the course ends {} before it starts {}",
                new.ends_on, new.starts_on
            ),
        )
        .into());
    }
    let mut tx = super::org::begin_write(pool).await?;
    let org: Option<i64> = sqlx::query_scalar("SELECT id FROM org_unit WHERE code_key = $1")
        .bind(new.org_code.trim().to_ascii_uppercase())
        .fetch_optional(&mut *tx)
        .await?;
    let Some(org) = org else {
        return Err(Violation::new(
            "org",
            "course.org.unknown",
            format!("no organization with code {}", new.org_code.trim()),
        )
        .into());
    };
    let f = super::locality::org_on(&mut tx, org, new.starts_on, "org").await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO course (kind, org_id, name, reserved_class, starts_on, ends_on, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(new.kind.as_str())
    .bind(org)
    .bind(name)
    .bind(new.reserved_class.map(|r| r.as_str()))
    .bind(new.starts_on)
    .bind(new.ends_on)
    .bind(actor)
    .bind(Utc::now().trunc_subsecs(6))
    .fetch_one(&mut *tx)
    .await?;
    let detail = json!({
        "kind": new.kind.as_str(), "org": f.code, "name": name,
        "reserved_class": new.reserved_class.map(|r| r.as_str()),
        "starts_on": new.starts_on, "ends_on": new.ends_on,
    });
    super::audit::record_in(
        &mut tx,
        actor,
        "course.create",
        "course",
        &id.to_string(),
        &detail.to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Enrols a person who has an open case at the stage the course is for.
pub async fn enrol(
    pool: &Pool<DB>,
    course_id: CourseId,
    person: PersonId,
    date: Date,
    actor: &str,
) -> Result<()> {
    let mut tx = super::org::begin_write(pool).await?;
    let c = load(&mut tx, course_id).await?;
    let Some(occupation) =
        sqlx::query_scalar::<DB, String>("SELECT occupation FROM person WHERE id = $1")
            .bind(person)
            .fetch_optional(&mut *tx)
            .await?
    else {
        return Err(StoreError::NotFound {
            what: "person",
            key: person.to_string(),
        });
    };
    let occupation = decode("occupation", &occupation, Occupation::parse)?;
    let open = sqlx::query("SELECT id, stage FROM pipeline_case WHERE person_id = $1 AND is_open = $2 ORDER BY id DESC LIMIT 1")
        .bind(person)
        .bind(true)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(open) = open else {
        return Err(Violation::new(
            "person",
            "course.enrol.no_case",
            format!("person #{person} has no open case (put them on a source list first)"),
        )
        .into());
    };
    let case_id: i64 = open.try_get("id")?;
    let stage = decode("stage", &open.try_get::<String, _>("stage")?, Stage::parse)?;
    let fits = match c.kind {
        CourseKind::Awareness => (Stage::Source..=Stage::Introduced).contains(&stage),
        CourseKind::NewMember => stage == Stage::Probationary,
    };
    if !fits {
        return Err(Violation::new(
            "person",
            "course.enrol.stage",
            format!(
                "case #{case_id} is at stage {}; a {} course takes {}",
                stage.as_str(),
                c.kind.as_str(),
                match c.kind {
                    CourseKind::Awareness => "candidates before the branch vote",
                    CourseKind::NewMember => "probationary members",
                }
            ),
        )
        .into());
    }
    if let Some(rc) = c.reserved_class {
        let needed = match rc {
            ReservedClass::UpperSecondaryPupils => Occupation::PupilStudent,
            ReservedClass::PrivateSectorWorkers => Occupation::PrivateEconomic,
        };
        if occupation != needed {
            return Err(Violation::new(
                "person",
                "course.reserved_class",
                format!(
                    "the class is reserved for {} (occupation {}); person #{person} is recorded as {}",
                    rc.as_str(),
                    needed.as_str(),
                    occupation.as_str()
                ),
            )
            .into());
        }
    }
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM course_enrolment WHERE course_id = $1 AND person_id = $2",
    )
    .bind(course_id)
    .bind(person)
    .fetch_one(&mut *tx)
    .await?;
    if n > 0 {
        return Err(Violation::new(
            "person",
            "course.enrol.duplicate",
            format!("person #{person} is already enrolled"),
        )
        .into());
    }
    sqlx::query(
        "INSERT INTO course_enrolment (course_id, person_id, case_id, enrolled_on, completed, certificate_no, issued, event_id) \
         VALUES ($1, $2, $3, $4, $5, NULL, NULL, NULL)",
    )
    .bind(course_id)
    .bind(person)
    .bind(case_id)
    .bind(date)
    .bind(false)
    .execute(&mut *tx)
    .await?;
    let detail = json!({"course": course_id, "person": person, "case": case_id, "date": date});
    super::audit::record_in(
        &mut tx,
        actor,
        "course.enrol",
        "course",
        &course_id.to_string(),
        &detail.to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records completion as an event of the enrolled person's case.
pub async fn complete(
    pool: &Pool<DB>,
    course_id: CourseId,
    person: PersonId,
    certificate_no: &str,
    issued: Date,
    actor: &str,
) -> Result<Recorded> {
    let certificate_no = certificate_no.trim();
    if certificate_no.is_empty() {
        return Err(Violation::new(
            "certificate_no",
            "course.certificate",
            "the certificate number is required",
        )
        .into());
    }
    let mut tx = super::org::begin_write(pool).await?;
    let cal = super::holidays::calendar_in(&mut tx).await?;
    let c = load(&mut tx, course_id).await?;
    let e = sqlx::query(
        "SELECT case_id, completed FROM course_enrolment WHERE course_id = $1 AND person_id = $2",
    )
    .bind(course_id)
    .bind(person)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(e) = e else {
        return Err(StoreError::NotFound {
            what: "enrolment",
            key: format!("{course_id}/{person}"),
        });
    };
    let case_id: i64 = e.try_get("case_id")?;
    if e.try_get::<bool, _>("completed")? {
        return Err(Violation::new(
            "person",
            "course.complete.done",
            format!("person #{person} already completed it"),
        )
        .into());
    }
    if issued < c.starts_on {
        return Err(Violation::new(
            "issued",
            "course.issued",
            format!(
                "the certificate is dated {issued}, before the course started {}",
                c.starts_on
            ),
        )
        .into());
    }
    let mut ev = match c.kind {
        CourseKind::Awareness => NewEvent::new(
            issued,
            EventKind::CourseCompleted {
                certificate_no: certificate_no.to_string(),
                issued,
                reserved_class: c.reserved_class,
            },
        ),
        CourseKind::NewMember => NewEvent::new(
            issued,
            EventKind::NewMemberCourseCompleted {
                certificate_no: certificate_no.to_string(),
            },
        ),
    };
    ev.document = Some(DocumentRef {
        form: (c.kind == CourseKind::Awareness).then_some(FormCode::CnNtvd),
        number: certificate_no.to_string(),
        date: Some(issued),
    });
    let rec = super::pipeline::append_in(&mut tx, case_id, &ev, None, actor, &cal).await?;
    sqlx::query(
        "UPDATE course_enrolment SET completed = $1, certificate_no = $2, issued = $3, event_id = $4 \
         WHERE course_id = $5 AND person_id = $6",
    )
    .bind(true)
    .bind(certificate_no)
    .bind(issued)
    .bind(rec.event.id)
    .bind(course_id)
    .bind(person)
    .execute(&mut *tx)
    .await?;
    let detail = json!({"course": course_id, "person": person, "case": case_id, "certificate_no": certificate_no,
        "issued": issued, "event": rec.event.id});
    super::audit::record_in(
        &mut tx,
        actor,
        "course.complete",
        "course",
        &course_id.to_string(),
        &detail.to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(rec)
}

/// Courses of centres of units ever under `root` (all without it), newest first.
pub async fn list(pool: &Pool<DB>, root: Option<OrgId>) -> Result<Vec<Course>> {
    let sql = match root {
        Some(_) => format!(
            "{COURSE_SQL} WHERE k.org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $2) \
             ORDER BY k.starts_on DESC, k.id DESC"
        ),
        None => format!("{COURSE_SQL} ORDER BY k.starts_on DESC, k.id DESC"),
    };
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(true);
    if let Some(r) = root {
        q = q.bind(r);
    }
    q.fetch_all(pool).await?.iter().map(course).collect()
}

/// The people enrolled in a course, in Vietnamese name order.
pub async fn enrolments(pool: &Pool<DB>, course_id: CourseId) -> Result<Vec<Enrolment>> {
    let order = match BACKEND {
        crate::db::Backend::Postgres => "p.sort_key COLLATE \"C\", p.id",
        crate::db::Backend::Sqlite => "p.sort_key, p.id",
    };
    let sql = format!(
        "SELECT e.course_id, e.person_id, e.case_id, e.enrolled_on, e.completed, e.certificate_no, e.issued, e.event_id, \
         p.full_name, p.sex, p.birth_date, p.youth_union FROM course_enrolment e JOIN person p ON p.id = e.person_id \
         WHERE e.course_id = $1 ORDER BY {order}"
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(course_id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            let birth: Date = r.try_get("birth_date")?;
            Ok(Enrolment {
                course_id: r.try_get("course_id")?,
                person: PersonBrief {
                    id: r.try_get("person_id")?,
                    full_name: r.try_get("full_name")?,
                    sex: decode("sex", &r.try_get::<String, _>("sex")?, Sex::parse)?,
                    birth_year: birth.year(),
                    youth_union: r.try_get("youth_union")?,
                },
                case_id: r.try_get("case_id")?,
                enrolled_on: r.try_get("enrolled_on")?,
                completed: r.try_get("completed")?,
                certificate_no: r.try_get("certificate_no")?,
                issued: r.try_get("issued")?,
                event_id: r.try_get("event_id")?,
            })
        })
        .collect()
}
