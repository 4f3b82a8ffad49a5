//! Test support shared with the web crate's tests: a case advanced to the branch vote, for the
//! dossier forms.

use chrono::NaiveDate;
use ketnap_domain::Date;
use ketnap_domain::org::{NewUnit, Operation, OrgKind, Sector};
use ketnap_domain::person::{
    EthnicGroup, GeneralEducation, Occupation, PartyStatus, Person, PersonId, PoliticalTheory,
    ProfessionalQualification, Religion, Sex,
};
use ketnap_domain::pipeline::{DocumentRef, EventKind, FormCode, Introducer, Proposer};
use ketnap_domain::sensitive::Sensitive;
use ketnap_store::pipeline_api::{NewCase, NewEvent};
use ketnap_store::{Store, StoreError};

/// What [`forms_case`] created.
#[derive(Clone, Debug)]
pub struct FormsCase {
    pub case_id: i64,
    pub candidate: PersonId,
    /// The nine official members of the branch (mentor first, then the two introducers).
    pub members: Vec<PersonId>,
}

fn day(y: i32, m: u32, d: u32) -> Date {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The candidate's name.
pub const CANDIDATE: &str = "Nguyễn Thị Hằng";
/// The second introducer's name: markup characters, to check that every writer escapes them.
pub const ODD_INTRODUCER: &str = "Vàng <A> & Páo";

fn person(name: &str, sex: Sex, birth: Date) -> Person {
    Person {
        id: 0,
        cccd: None,
        full_name: name.into(),
        sex,
        birth_date: Sensitive::new(birth),
        ethnic_group: Sensitive::new(EthnicGroup::parse("Mông").unwrap_or(EthnicGroup::KINH)),
        religion: Sensitive::new(Religion::None),
        education: GeneralEducation::UpperSecondary,
        qualification: ProfessionalQualification::None,
        political_theory: PoliticalTheory::None,
        occupation: Occupation::Farmer,
        youth_union: true,
        residence_locality: None,
    }
}

fn doc(form: Option<FormCode>, number: &str) -> Option<DocumentRef> {
    Some(DocumentRef {
        form,
        number: number.into(),
        date: None,
    })
}

/// TW → Đảng bộ tỉnh Lào Cai (T10) → Đảng bộ huyện Bát Xát (H1) → Đảng bộ xã A Lù (X1) → Chi
/// bộ thôn Phìn Chải (X1.01, nine official members since 2016), and the case of Nguyễn Thị
/// Hằng (born 10/05/1998) from the source list (20/11/2023) to the branch's resolution
/// 20-NQ/CB of 05/03/2024 (8 of 9 in favour), introduced by two members, the second named
/// [`ODD_INTRODUCER`].
pub async fn forms_case(store: &Store) -> Result<FormsCase, StoreError> {
    let start = day(2016, 1, 1);
    let mut parent = None;
    let mut branch = 0;
    for (code, name, kind, sector) in [
        ("TW", "Trung ương", OrgKind::Central, Sector::Nation),
        (
            "T10",
            "Đảng bộ tỉnh Lào Cai",
            OrgKind::ProvincialCommittee,
            Sector::Province,
        ),
        (
            "H1",
            "Đảng bộ huyện Bát Xát",
            OrgKind::DirectCommittee,
            Sector::District,
        ),
        (
            "X1",
            "Đảng bộ xã A Lù",
            OrgKind::GrassrootsCommittee,
            Sector::Commune,
        ),
        (
            "X1.01",
            "Chi bộ thôn Phìn Chải",
            OrgKind::Branch,
            Sector::Village,
        ),
    ] {
        let unit = NewUnit {
            code: code.into(),
            name: name.into(),
            kind,
            sector,
            parent,
        };
        let ids = store
            .org_apply(&Operation::Create { unit, date: start }, "test")
            .await?;
        parent = ids.first().copied();
        branch = parent.unwrap_or_default();
    }
    let mut members = vec![];
    for (i, name) in [
        "Giàng Seo Phử",
        "Sần Thị Mai",
        ODD_INTRODUCER,
        "Lý Văn Sáng",
        "Chảo Thị Dín",
        "Vàng A Sử",
        "Lầu A Chá",
        "Thào Thị Mỷ",
        "Hờ A Dế",
    ]
    .into_iter()
    .enumerate()
    {
        let id = store
            .person_create(&person(name, Sex::Male, day(1970 + i as i32, 3, 1)), "test")
            .await?;
        store
            .person_add_status(id, PartyStatus::Official, Some(branch), start, "test")
            .await?;
        members.push(id);
    }
    let candidate = store
        .person_create(&person(CANDIDATE, Sex::Female, day(1998, 5, 10)), "test")
        .await?;
    let case_id = store
        .case_open(
            &NewCase {
                person_id: candidate,
                branch_code: "X1.01".into(),
                date: day(2023, 11, 20),
                proposed_by: Proposer::YouthUnion,
                document: None,
            },
            "test",
        )
        .await?;
    let introducer = |person: PersonId| EventKind::Introduced {
        introducer: Introducer::Member {
            person,
            official_since: start,
            worked_together_since: day(2015, 1, 1),
        },
    };
    let events = [
        (
            day(2023, 11, 27),
            EventKind::MentorAssigned { mentor: members[0] },
            doc(None, "13-NQ/CB"),
        ),
        (
            day(2023, 12, 27),
            EventKind::CourseCompleted {
                certificate_no: "CN-0457".into(),
                issued: day(2023, 12, 27),
                reserved_class: None,
            },
            None,
        ),
        (
            day(2024, 1, 10),
            EventKind::ApplicationSubmitted,
            doc(Some(FormCode::Knd1), "đơn"),
        ),
        (
            day(2024, 1, 15),
            EventKind::HistorySubmitted,
            doc(Some(FormCode::Knd2), "lý lịch"),
        ),
        (
            day(2024, 2, 1),
            EventKind::HistoryVerified {
                conclusion_ok: true,
            },
            doc(None, "KL-05"),
        ),
        (
            day(2024, 2, 19),
            introducer(members[1]),
            doc(Some(FormCode::Knd3), "GT-1"),
        ),
        (
            day(2024, 2, 19),
            introducer(members[2]),
            doc(Some(FormCode::Knd3), "GT-2"),
        ),
        (
            day(2024, 2, 26),
            EventKind::CommentsCollected,
            doc(Some(FormCode::Knd5), "TH-1"),
        ),
        (
            day(2024, 3, 5),
            EventKind::BranchVoted {
                official_members: 9,
                present: 9,
                in_favour: 8,
                against: 1,
            },
            doc(Some(FormCode::Knd6), "20-NQ/CB"),
        ),
    ];
    for (date, kind, document) in events {
        let mut e = NewEvent::new(date, kind);
        e.document = document;
        store.case_record(case_id, &e, None, "test").await?;
    }
    Ok(FormsCase {
        case_id,
        candidate,
        members,
    })
}
