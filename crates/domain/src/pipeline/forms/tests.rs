use std::collections::BTreeMap;

use chrono::Days;
use proptest::prelude::*;

use super::*;
use crate::pipeline::events::FormCode;
use crate::pipeline::testkit::{INTRO_A, d, happy_path, step_index};

const BRANCH: OrgId = 10;

fn unit(id: OrgId, name: &str, kind: OrgKind) -> FormUnit {
    FormUnit {
        id,
        name: name.into(),
        kind,
    }
}

/// Chi bộ thôn Phìn Chải → Đảng bộ xã A Lù → Đảng bộ huyện Bát Xát → Đảng bộ tỉnh Lào Cai → TW.
fn chain() -> Vec<FormUnit> {
    vec![
        unit(BRANCH, "Chi bộ thôn Phìn Chải", OrgKind::Branch),
        unit(20, "Đảng bộ xã A Lù", OrgKind::GrassrootsCommittee),
        unit(30, "Đảng bộ huyện Bát Xát", OrgKind::DirectCommittee),
        unit(40, "Đảng bộ tỉnh Lào Cai", OrgKind::ProvincialCommittee),
        unit(1, "Trung ương", OrgKind::Central),
    ]
}

fn member(id: PersonId, name: &str) -> FormPerson {
    FormPerson {
        id,
        full_name: name.into(),
        birth_date: d(1975, 6, 1),
        residence: None,
        spells: vec![
            FormSpell {
                status: PartyStatus::Probationary,
                branch: Some("Chi bộ thôn Phìn Chải".into()),
                period: Period {
                    from: d(2009, 1, 1),
                    to: Some(d(2010, 1, 1)),
                },
            },
            FormSpell {
                status: PartyStatus::Official,
                branch: Some("Chi bộ thôn Phìn Chải".into()),
                period: Period {
                    from: d(2010, 1, 1),
                    to: None,
                },
            },
        ],
    }
}

/// A source for `events` with the same chain on every date asked.
fn source_with(events: &[Event], chain: Vec<FormUnit>, name: &str) -> FormSource {
    let state = CaseState::derive(events);
    let as_of = d(2026, 1, 1);
    let chains = chain_requests(&state, BRANCH, as_of)
        .into_iter()
        .map(|k| (k, chain.clone()))
        .collect();
    let people: BTreeMap<PersonId, FormPerson> = people_requests(&state)
        .into_iter()
        .map(|id| {
            let name = if id == INTRO_A {
                "Giàng Thị Sú"
            } else {
                "Vàng A Páo"
            };
            (id, member(id, name))
        })
        .collect();
    FormSource {
        case_id: 7,
        candidate: FormPerson {
            id: 1,
            full_name: name.into(),
            birth_date: d(1990, 4, 10),
            residence: Some("Thôn Phìn Chải".into()),
            spells: vec![],
        },
        origin_branch: BRANCH,
        state,
        as_of,
        chains,
        people,
    }
}

/// The happy path shifted so that the branch votes on `vote`.
fn happy_voting_on(vote: Date) -> Vec<Event> {
    let probe = happy_path(d(2023, 1, 1));
    let i = step_index(&probe, StepKind::BranchVoted);
    let offset = probe[i].date - d(2023, 1, 1);
    happy_path(vote - offset)
}

fn source(events: &[Event]) -> FormSource {
    source_with(events, chain(), "Nguyễn Thị Hằng")
}

fn text(src: &FormSource, form: PrintForm) -> String {
    match render(src, form, RenderOptions::default()) {
        Ok(doc) => doc.text(),
        Err(m) => panic!("{form} refused: {m:?}"),
    }
}

fn missing(src: &FormSource, form: PrintForm) -> Vec<FormField> {
    render(src, form, RenderOptions::default())
        .err()
        .unwrap_or_default()
}

#[test]
fn dates_percentages_places_and_committees() {
    assert_eq!(long_date(d(2024, 3, 5)), "ngày 05 tháng 03 năm 2024");
    assert_eq!(long_date(d(2024, 11, 25)), "ngày 25 tháng 11 năm 2024");
    assert_eq!(percent(8, 9), "88,8%");
    assert_eq!(percent(2, 3), "66,6%");
    assert_eq!(percent(6, 6), "100%");
    assert_eq!(percent(0, 9), "0%");
    assert_eq!(percent(1, 0), "–");
    assert_eq!(place_of("Đảng bộ xã A Lù").as_deref(), Some("A Lù"));
    assert_eq!(
        place_of("Đảng bộ thị trấn Bát Xát").as_deref(),
        Some("Bát Xát")
    );
    assert_eq!(
        place_of("Đảng bộ Thành phố Hà Nội").as_deref(),
        Some("Hà Nội")
    );
    assert_eq!(place_of("Đảng bộ tỉnh Lào Cai").as_deref(), Some("Lào Cai"));
    assert_eq!(place_of("Đảng bộ Quân sự tỉnh Lào Cai"), None);
    assert_eq!(place_of("Chi bộ thôn Phìn Chải"), None);
    // Units named after their executive committee.
    assert_eq!(place_of("Đảng ủy xã Y Tý").as_deref(), Some("Y Tý"));
    assert_eq!(place_of("Tỉnh ủy Lào Cai").as_deref(), Some("Lào Cai"));
    assert_eq!(place_of("Thành uỷ Hà Nội").as_deref(), Some("Hà Nội"));
    assert_eq!(executive_name("Đảng ủy xã Y Tý"), "Đảng ủy xã Y Tý");
    assert_eq!(executive_name("Đảng ủy huyện Bát Xát"), "Huyện ủy Bát Xát");
    assert_eq!(executive_name("Tỉnh ủy Lào Cai"), "Tỉnh ủy Lào Cai");
    assert_eq!(executive_name("Đảng bộ xã A Lù"), "Đảng ủy xã A Lù");
    assert_eq!(executive_name("Đảng bộ huyện Bát Xát"), "Huyện ủy Bát Xát");
    assert_eq!(executive_name("Đảng bộ tỉnh Lào Cai"), "Tỉnh ủy Lào Cai");
    assert_eq!(
        executive_name("Đảng bộ Thành phố Hà Nội"),
        "Thành ủy Hà Nội"
    );
    assert_eq!(executive_name("Đảng bộ thị xã Sa Pa"), "Thị ủy Sa Pa");
    assert_eq!(
        executive_name("Đảng bộ Quân sự tỉnh Lào Cai"),
        "Đảng ủy Quân sự tỉnh Lào Cai"
    );
    assert_eq!(
        executive_name("Chi bộ thôn Phìn Chải"),
        "Chi bộ thôn Phìn Chải"
    );
    assert_eq!(
        cited("Quy định 294-QĐ/TW (26/5/2025) thi hành Điều lệ Đảng (confirm point numbering)"),
        "Quy định 294-QĐ/TW (26/5/2025) thi hành Điều lệ Đảng"
    );
}

#[test]
fn form_codes_parse_with_or_without_diacritics() {
    for f in PrintForm::ALL {
        assert_eq!(PrintForm::parse(f.code()), Some(f));
        assert_eq!(PrintForm::parse(f.slug()), Some(f));
        assert_eq!(PrintForm::parse(&f.slug().to_lowercase()), Some(f));
    }
    assert_eq!(PrintForm::parse("6 - KND"), Some(PrintForm::Knd6));
    assert_eq!(PrintForm::parse("Mẫu 9-KNĐ"), Some(PrintForm::Knd9));
    assert_eq!(PrintForm::parse("7-KNĐ"), None);
    assert_eq!(PrintForm::parse("1-KNĐ"), None);
    assert_eq!(
        serde_json::to_string(&PrintForm::Knd6).unwrap_or_default(),
        "\"6-KNĐ\""
    );
    // The printable forms are the dossier's own where the dossier has a code for them.
    assert_eq!(FormCode::Knd6.as_str(), PrintForm::Knd6.code());
}

#[test]
fn the_branch_resolution_is_filled_from_the_vote() {
    let src = source(&happy_voting_on(d(2024, 3, 5)));
    let t = text(&src, PrintForm::Knd6);
    for want in [
        "Mẫu 6-KNĐ",
        "ĐẢNG BỘ XÃ A LÙ",
        "CHI BỘ THÔN PHÌN CHẢI",
        "Số 20-NQ/CB",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "A Lù, ngày 05 tháng 03 năm 2024",
        "NGHỊ QUYẾT",
        "Ngày 05 tháng 03 năm 2024, Chi bộ thôn Phìn Chải đã họp xét, đề nghị kết nạp quần chúng Nguyễn Thị Hằng, sinh ngày 10/04/1990",
        "Tổng số đảng viên chính thức của chi bộ: 9 đồng chí. Số đảng viên có mặt: 9 đồng chí.",
        "(đồng chí Giàng Thị Sú, đồng chí Vàng A Páo)",
        "8/9 đồng chí (đạt 88,8% so với tổng số đảng viên chính thức của chi bộ); số không tán thành: 1 đồng chí (11,1%)",
        "Chi bộ đề nghị Đảng ủy xã A Lù xem xét",
        "T/M CHI BỘ",
    ] {
        assert!(t.contains(want), "{want:?} not in\n{t}");
    }
    // Only the name, birth date and residence of the candidate: no sensitive fields.
    assert!(!t.contains("dân tộc") && !t.contains("tôn giáo"), "{t}");
}

#[test]
fn committee_resolution_and_decisions_name_the_right_committees() {
    let src = source(&happy_voting_on(d(2024, 3, 5)));
    let t8 = text(&src, PrintForm::Knd8);
    for want in [
        "ĐẢNG BỘ HUYỆN BÁT XÁT",
        "ĐẢNG ỦY XÃ A LÙ",
        "Số 31-NQ/ĐU",
        "A Lù, ngày 12 tháng 03 năm 2024",
        "Tổng số cấp ủy viên: 7 đồng chí.",
        "6/7 đồng chí (đạt 85,7%)",
        "của Chi bộ thôn Phìn Chải ngày 05/03/2024 (số 20-NQ/CB)",
        "Đảng ủy xã A Lù đề nghị Ban Thường vụ Huyện ủy Bát Xát xem xét",
        "T/M ĐẢNG ỦY",
    ] {
        assert!(t8.contains(want), "{want:?} not in\n{t8}");
    }
    let t9 = text(&src, PrintForm::Knd9);
    for want in [
        "Mẫu 9-KNĐ",
        "ĐẢNG BỘ TỈNH LÀO CAI",
        "HUYỆN ỦY BÁT XÁT",
        "Số 1234-QĐ/HU",
        "Bát Xát, ngày 26 tháng 03 năm 2024",
        "BAN THƯỜNG VỤ HUYỆN ỦY BÁT XÁT",
        "Điều 1. Kết nạp quần chúng Nguyễn Thị Hằng, sinh ngày 10/04/1990, nơi ở hiện nay: Thôn Phìn Chải",
        "Quy định 24-QĐ/TW (30/7/2021) thi hành Điều lệ Đảng",
        "và của Đảng ủy xã A Lù ngày 12/03/2024",
        "T/M BAN THƯỜNG VỤ",
    ] {
        assert!(t9.contains(want), "{want:?} not in\n{t9}");
    }
    assert!(!t9.contains("TRUNG ƯƠNG"), "{t9}");
    let t16 = text(&src, PrintForm::Knd16);
    for want in [
        "Mẫu 16-KNĐ",
        "Số 77-QĐ/HU",
        "Công nhận đảng viên chính thức",
        "vào Đảng ngày 05/04/2024, là đảng viên chính thức kể từ ngày 05/04/2025",
        "Tuổi đảng tính từ ngày 26/03/2024",
    ] {
        assert!(t16.contains(want), "{want:?} not in\n{t16}");
    }
}

#[test]
fn every_member_introducer_gets_a_page() {
    let src = source(&happy_voting_on(d(2024, 3, 5)));
    let doc = render(&src, PrintForm::Knd3, RenderOptions::default()).unwrap_or_else(|m| {
        panic!("{m:?}");
    });
    assert_eq!(doc.pages.len(), 2);
    let first = doc.pages[0].lines().join("\n");
    for want in [
        "Kính gửi: Chi bộ thôn Phìn Chải",
        "Tôi là: Giàng Thị Sú, sinh ngày 01/06/1975",
        "Vào Đảng ngày 01/01/2009, chính thức ngày 01/01/2010",
        "Đang sinh hoạt tại Chi bộ thôn Phìn Chải.",
        "Tôi giới thiệu quần chúng Nguyễn Thị Hằng, sinh ngày 10/04/1990",
        "từ ngày 01/01/2015",
        "NGƯỜI GIỚI THIỆU",
    ] {
        assert!(first.contains(want), "{want:?} not in\n{first}");
    }
    assert_eq!(doc.pages[1].signer_name.as_deref(), Some("Vàng A Páo"));
    assert_eq!(doc.file_name("docx"), "ho-so-7-3-KND.docx");
}

#[test]
fn masked_roles_get_the_birth_year_only() {
    let src = source(&happy_voting_on(d(2024, 3, 5)));
    let opts = RenderOptions {
        mask_birth_date: true,
    };
    for form in PrintForm::ALL {
        let doc = render(&src, form, opts).unwrap_or_else(|m| panic!("{form}: {m:?}"));
        let t = doc.text();
        assert!(!t.contains("10/04/1990"), "{form}: {t}");
        assert!(!t.contains("01/06/1975"), "{form}: {t}");
        if form != PrintForm::Knd8 {
            assert!(t.contains("sinh năm 1990"), "{form}: {t}");
        }
    }
}

#[test]
fn missing_data_is_named() {
    let events = happy_voting_on(d(2024, 3, 5));
    let vote = step_index(&events, StepKind::BranchVoted);
    let src = source(&events[..vote]);
    assert_eq!(missing(&src, PrintForm::Knd6), vec![FormField::BranchVote]);
    assert_eq!(
        missing(&src, PrintForm::Knd8),
        vec![FormField::BranchVote, FormField::CommitteeResolution]
    );
    assert_eq!(
        missing(&src, PrintForm::Knd9),
        vec![FormField::BranchVote, FormField::AdmissionDecision]
    );
    assert_eq!(
        missing(&src, PrintForm::Knd16),
        vec![
            FormField::AdmissionDecision,
            FormField::Ceremony,
            FormField::RecognitionVote,
            FormField::RecognitionDecision
        ]
    );
    assert!(missing(&src, PrintForm::Knd3).is_empty());
    assert!(missing(&src, PrintForm::Knd5).is_empty());
    // A decision without its number.
    let mut events = events.clone();
    let i = step_index(&events, StepKind::AdmissionDecided);
    events[i].document = None;
    let src = source(&events);
    assert_eq!(
        missing(&src, PrintForm::Knd9),
        vec![FormField::AdmissionDecisionNumber]
    );
    let st = statuses(&src);
    let s9 = st.iter().find(|s| s.form == PrintForm::Knd9);
    let s9 = s9.unwrap_or_else(|| panic!("no 9-KNĐ"));
    assert!(!s9.ready);
    assert_eq!(s9.missing[0].field, "admission_decision_number");
    assert_eq!(s9.missing[0].label_vi, "Số quyết định kết nạp");
    // An unknown structure on the date, and a place name that cannot be found.
    let mut src = source(&happy_voting_on(d(2024, 3, 5)));
    src.chains.clear();
    assert_eq!(missing(&src, PrintForm::Knd6), vec![FormField::Branch]);
    let odd = vec![
        unit(BRANCH, "Chi bộ Văn phòng", OrgKind::Branch),
        unit(20, "Đảng bộ Khối các cơ quan", OrgKind::GrassrootsCommittee),
        unit(1, "Trung ương", OrgKind::Central),
    ];
    let src = source_with(&happy_voting_on(d(2024, 3, 5)), odd, "Nguyễn Thị Hằng");
    assert_eq!(missing(&src, PrintForm::Knd6), vec![FormField::Place]);
    // At the direct-superior level there is nothing between the committee and the Centre.
    assert_eq!(
        missing(&src, PrintForm::Knd9),
        vec![FormField::DecidingCommittee]
    );
}

#[test]
fn a_grassroots_branch_has_no_committee_resolution() {
    let gb = vec![
        unit(BRANCH, "Chi bộ xã Y Tý", OrgKind::GrassrootsBranch),
        unit(30, "Đảng bộ huyện Bát Xát", OrgKind::DirectCommittee),
        unit(40, "Đảng bộ tỉnh Lào Cai", OrgKind::ProvincialCommittee),
    ];
    let mut events = happy_voting_on(d(2024, 3, 5));
    events.retain(|e| e.step() != StepKind::CommitteeResolved);
    let src = source_with(&events, gb, "Nguyễn Thị Hằng");
    assert!(!applicable(&src, PrintForm::Knd8));
    assert_eq!(missing(&src, PrintForm::Knd8), vec![FormField::Committee]);
    let t6 = text(&src, PrintForm::Knd6);
    assert!(t6.contains("ĐẢNG BỘ HUYỆN BÁT XÁT"), "{t6}");
    assert!(t6.contains("Bát Xát, ngày 05 tháng 03 năm 2024"), "{t6}");
    assert!(
        t6.contains("Chi bộ đề nghị Huyện ủy Bát Xát xem xét"),
        "{t6}"
    );
    let t9 = text(&src, PrintForm::Knd9);
    assert!(!t9.contains(" và của "), "{t9}");
}

#[test]
fn the_provincial_level_decides_from_the_province() {
    let mut events = happy_voting_on(d(2024, 3, 5));
    let i = step_index(&events, StepKind::AdmissionDecided);
    events[i].kind = EventKind::AdmissionDecided {
        level: DecisionLevel::Provincial,
        received: None,
    };
    let src = source(&events);
    let doc = render(&src, PrintForm::Knd9, RenderOptions::default());
    let doc = doc.unwrap_or_else(|m| panic!("{m:?}"));
    let p = &doc.pages[0];
    assert_eq!(p.superior, None, "nothing above a province is written");
    assert_eq!(p.issuer, "TỈNH ỦY LÀO CAI");
    assert!(
        p.place_date.starts_with("Lào Cai, ngày"),
        "{}",
        p.place_date
    );
    assert_eq!(p.signature, ["T/M THƯỜNG TRỰC", "BÍ THƯ"]);
    assert!(doc.text().contains("THƯỜNG TRỰC TỈNH ỦY LÀO CAI"));
}

#[test]
fn the_document_date_wins_over_the_event_date() {
    let mut events = happy_voting_on(d(2024, 3, 5));
    let i = step_index(&events, StepKind::BranchVoted);
    if let Some(doc) = events[i].document.as_mut() {
        doc.date = Some(d(2024, 3, 6));
    }
    let t = text(&source(&events), PrintForm::Knd6);
    assert!(t.contains("A Lù, ngày 06 tháng 03 năm 2024"), "{t}");
    assert!(t.contains("Ngày 05 tháng 03 năm 2024, Chi bộ"), "{t}");
}

fn field_of_step(form: PrintForm) -> FormField {
    form_step_field(form)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any subset of the happy path: a form is ready exactly when rendering succeeds, the
    /// missing list is sorted, without duplicates and non-empty otherwise, and a form whose own
    /// step has no event is never ready and says so.
    #[test]
    fn ready_exactly_when_nothing_is_missing(
        keep in proptest::collection::vec(any::<bool>(), 24),
        shift in 0u64..2000,
    ) {
        let all = happy_path(d(2017, 1, 1) + Days::new(shift));
        let events: Vec<Event> = all
            .iter()
            .zip(keep.iter().chain(std::iter::repeat(&true)))
            .filter(|(_, k)| **k)
            .map(|(e, _)| e.clone())
            .collect();
        let src = source(&events);
        for s in statuses(&src) {
            let r = render(&src, s.form, RenderOptions::default());
            prop_assert_eq!(s.ready, r.is_ok());
            match r {
                Ok(doc) => {
                    prop_assert!(s.missing.is_empty());
                    prop_assert_eq!(s.pages, doc.pages.len());
                    prop_assert!(src.state.has_step(s.form.step()));
                    for p in &doc.pages {
                        prop_assert!(p.place_date.contains(", ngày "));
                        prop_assert!(!p.issuer.is_empty());
                    }
                }
                Err(m) => {
                    prop_assert!(!m.is_empty());
                    let mut sorted = m.clone();
                    sorted.sort();
                    sorted.dedup();
                    prop_assert_eq!(&sorted, &m);
                    prop_assert_eq!(s.missing.len(), m.len());
                    if !src.state.has_step(s.form.step()) {
                        prop_assert!(m.contains(&field_of_step(s.form)));
                    }
                }
            }
        }
    }

    /// Whatever a name holds, it reaches the document whole, in one run.
    #[test]
    fn names_reach_the_document_verbatim(name in "[A-Za-zÀ-ỹ<>&\"' ]{1,30}") {
        let src = source_with(&happy_voting_on(d(2024, 3, 5)), chain(), &name);
        for form in PrintForm::ALL {
            let doc = render(&src, form, RenderOptions::default());
            prop_assert!(doc.is_ok());
            if let Ok(doc) = doc {
                let whole = doc.pages.iter().flat_map(|p| p.body.iter()).any(|para| {
                    para.runs.iter().any(|r| r.text == name)
                });
                prop_assert!(whole || form == PrintForm::Knd8 || form == PrintForm::Knd3,
                    "{} has no run with the name", form);
                prop_assert!(doc.text().contains(&name));
            }
        }
    }
}
