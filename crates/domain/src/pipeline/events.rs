//! Sự kiện của hồ sơ phát triển đảng viên — the dated, append-only events of a candidate's case.
//!
//! Every step of the procedure (domain spec §4) is one [`Event`] with its date, the document that
//! records it and who entered it. Nothing is edited: a correction is a new event whose
//! `corrects` names the event it replaces, and [`EventKind::Retracted`] voids one without
//! replacement; both carry a reason.

use serde::{Deserialize, Serialize};

use crate::dates::Date;
use crate::org::OrgId;
use crate::person::PersonId;

/// Surrogate key of an event.
pub type EventId = i64;

/// Sự kiện — one dated event of a case (hồ sơ phát triển đảng viên).
///
/// `seq` is the insertion order the store assigns; together with `date` it orders the events
/// (`(date, seq)`), so the derived state never depends on the order events are handed over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub id: EventId,
    pub seq: i64,
    /// The date of the act (the meeting, the decision, the ceremony…), not of data entry.
    pub date: Date,
    #[serde(flatten)]
    pub kind: EventKind,
    /// The document that records the step (form code, number, date), when there is one.
    pub document: Option<DocumentRef>,
    /// Who recorded the event (user name or import batch).
    pub actor: String,
    /// For a correction or a retraction: the event it replaces or voids.
    pub corrects: Option<EventId>,
    /// Why a correction or retraction was made (required for both).
    pub reason: Option<String>,
}

impl Event {
    /// A plain event (no document, not a correction).
    pub fn new(id: EventId, seq: i64, date: Date, kind: EventKind, actor: &str) -> Self {
        Self {
            id,
            seq,
            date,
            kind,
            document: None,
            actor: actor.to_string(),
            corrects: None,
            reason: None,
        }
    }

    /// The same event with a document reference.
    pub fn with_document(mut self, form: Option<FormCode>, number: &str) -> Self {
        self.document = Some(DocumentRef {
            form,
            number: number.to_string(),
            date: Some(self.date),
        });
        self
    }

    /// The same event turned into a correction of `target`, with its reason.
    pub fn correcting(mut self, target: EventId, reason: &str) -> Self {
        self.corrects = Some(target);
        self.reason = Some(reason.to_string());
        self
    }

    /// The procedural step this event records.
    pub fn step(&self) -> StepKind {
        self.kind.step()
    }

    /// Whether this event replaces or voids another one.
    pub fn is_correction(&self) -> bool {
        self.corrects.is_some()
    }

    /// Whether the event carries the document its step is recorded by: a document number, or
    /// for the kinds that carry their own number (certificate, Youth Union / trade-union
    /// resolution) that number.
    pub fn has_document(&self) -> bool {
        let doc = self
            .document
            .as_ref()
            .is_some_and(|d| !d.number.trim().is_empty());
        match &self.kind {
            EventKind::CourseCompleted { certificate_no, .. }
            | EventKind::NewMemberCourseCompleted { certificate_no } => {
                !certificate_no.trim().is_empty() || doc
            }
            EventKind::Introduced {
                introducer:
                    Introducer::YouthUnion { resolution_no } | Introducer::TradeUnion { resolution_no },
            } => !resolution_no.trim().is_empty() || doc,
            _ => doc,
        }
    }
}

/// Văn bản — the document that records a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRef {
    pub form: Option<FormCode>,
    /// Số văn bản — the document's number (e.g. "15-NQ/CB").
    pub number: String,
    /// Ngày văn bản — the date written on the document.
    pub date: Option<Date>,
}

/// What happened, with the data the rules need (serde tag `kind`, snake_case).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// Đưa vào danh sách quần chúng ưu tú (nguồn phát triển đảng viên) — put on the source list.
    SourceListed { proposed_by: Proposer },
    /// Phân công đảng viên chính thức theo dõi, giúp đỡ — mentor assigned (or replaced).
    MentorAssigned { mentor: PersonId },
    /// Hoàn thành lớp bồi dưỡng nhận thức về Đảng — awareness course, certificate CN-NTVĐ.
    CourseCompleted {
        certificate_no: String,
        /// Ngày cấp — the date the certificate was issued (its validity counts from it).
        issued: Date,
        /// Lớp dành riêng — a class reserved for upper-secondary pupils or private-sector workers.
        reserved_class: Option<ReservedClass>,
    },
    /// Đơn xin vào Đảng — application (1-KNĐ).
    ApplicationSubmitted,
    /// Lý lịch của người xin vào Đảng — personal history (2-KNĐ).
    HistorySubmitted,
    /// Thẩm tra lý lịch — verification of the history, with its conclusion.
    HistoryVerified { conclusion_ok: bool },
    /// Giới thiệu người vào Đảng — one introduction (3-KNĐ by a member, 4-KNĐ by the Youth
    /// Union, or the trade union's resolution).
    Introduced { introducer: Introducer },
    /// Lấy ý kiến nhận xét — comments of the residence branch committee and mass organizations
    /// (5-KNĐ summary).
    CommentsCollected,
    /// Chi bộ xét, đề nghị kết nạp — the branch's resolution proposing admission (6-KNĐ).
    /// Only a passing vote produces a resolution, so only a passing vote is recorded.
    BranchVoted {
        /// Số đảng viên chính thức của chi bộ — all official members on the date.
        official_members: u32,
        present: u32,
        in_favour: u32,
        against: u32,
    },
    /// Đảng ủy cơ sở xét, đề nghị — the grassroots committee's resolution (8-KNĐ); not for a
    /// grassroots branch (chi bộ cơ sở), which has no committee above it inside the grassroots
    /// organization.
    CommitteeResolved { members: u32, in_favour: u32 },
    /// Quyết định kết nạp — the admission decision (9-KNĐ); the event date is the date of the
    /// decision (party age counts from it).
    AdmissionDecided {
        level: DecisionLevel,
        /// Ngày chi bộ nhận quyết định — when the branch received it (the ceremony's time limit
        /// counts from it); the decision date when unknown.
        received: Option<Date>,
    },
    /// Lễ kết nạp — the admission ceremony; probation (12 months) starts on its date.
    CeremonyHeld,
    /// Hoàn thành lớp bồi dưỡng lý luận chính trị cho đảng viên mới — the new-member course.
    NewMemberCourseCompleted { certificate_no: String },
    /// Nộp tài liệu — a dossier document that is not itself a step (the probationary member's
    /// self-review 10-KNĐ, the mentor's comments 11-KNĐ, the comments summary 12-KNĐ).
    DocumentFiled { doc: DossierDoc },
    /// Chi bộ xét công nhận đảng viên chính thức — the branch's recognition resolution.
    RecognitionVoted {
        official_members: u32,
        present: u32,
        in_favour: u32,
        against: u32,
    },
    /// Quyết định công nhận đảng viên chính thức — recognition decided.
    RecognitionDecided,
    /// Không công nhận đảng viên chính thức, xóa tên — not recognized; removed from the rolls.
    NotRecognized { grounds: String },
    /// Rút khỏi danh sách nguồn — the candidate withdrew or was taken off the list.
    Withdrawn,
    /// Tạm dừng (đi làm ăn xa) — paused: moved away to work.
    Paused,
    /// Tiếp tục — resumed after a pause.
    Resumed,
    /// Chuyển đi — transferred to another branch.
    TransferredOut { to_branch: OrgId },
    /// Chuyển đến — transferred back in (continues a case that was transferred out).
    TransferredIn { from_branch: OrgId },
    /// Chấp thuận kết nạp lại — re-admission of a former member approved (special case: only
    /// once; party age then counts from the first admission decision).
    ReAdmissionApproved { first_decision: Option<Date> },
    /// Cho phép ngoại lệ — an exception the regulations allow, with who approved it.
    ExceptionGranted {
        /// The rule the exception is for (e.g. `age.max`).
        rule_id: String,
        /// Who approved it (the committee or official, as written on the approval).
        approved_by: String,
        /// The level of the approving committee.
        level: CommitteeLevel,
        /// Căn cứ — the basis (document number, guidance point).
        basis: String,
    },
    /// Từ trần — the candidate or probationary member died.
    Deceased,
    /// Hủy bỏ — voids the event named in `corrects`, without replacement.
    Retracted,
}

impl EventKind {
    /// The step this kind records.
    pub fn step(&self) -> StepKind {
        use EventKind as K;
        match self {
            K::SourceListed { .. } => StepKind::SourceListed,
            K::MentorAssigned { .. } => StepKind::MentorAssigned,
            K::CourseCompleted { .. } => StepKind::CourseCompleted,
            K::ApplicationSubmitted => StepKind::ApplicationSubmitted,
            K::HistorySubmitted => StepKind::HistorySubmitted,
            K::HistoryVerified { .. } => StepKind::HistoryVerified,
            K::Introduced { .. } => StepKind::Introduced,
            K::CommentsCollected => StepKind::CommentsCollected,
            K::BranchVoted { .. } => StepKind::BranchVoted,
            K::CommitteeResolved { .. } => StepKind::CommitteeResolved,
            K::AdmissionDecided { .. } => StepKind::AdmissionDecided,
            K::CeremonyHeld => StepKind::CeremonyHeld,
            K::NewMemberCourseCompleted { .. } => StepKind::NewMemberCourseCompleted,
            K::DocumentFiled { .. } => StepKind::DocumentFiled,
            K::RecognitionVoted { .. } => StepKind::RecognitionVoted,
            K::RecognitionDecided => StepKind::RecognitionDecided,
            K::NotRecognized { .. } => StepKind::NotRecognized,
            K::Withdrawn => StepKind::Withdrawn,
            K::Paused => StepKind::Paused,
            K::Resumed => StepKind::Resumed,
            K::TransferredOut { .. } => StepKind::TransferredOut,
            K::TransferredIn { .. } => StepKind::TransferredIn,
            K::ReAdmissionApproved { .. } => StepKind::ReAdmissionApproved,
            K::ExceptionGranted { .. } => StepKind::ExceptionGranted,
            K::Deceased => StepKind::Deceased,
            K::Retracted => StepKind::Retracted,
        }
    }
}

crate::code_enum!(
    /// Bước — the kind of an event without its data (the `kind` tag of [`EventKind`]).
    StepKind {
        SourceListed = "source_listed" / "Đưa vào danh sách nguồn",
        MentorAssigned = "mentor_assigned" / "Phân công đảng viên giúp đỡ",
        CourseCompleted = "course_completed" / "Học lớp bồi dưỡng nhận thức về Đảng",
        ApplicationSubmitted = "application_submitted" / "Đơn xin vào Đảng",
        HistorySubmitted = "history_submitted" / "Lý lịch người xin vào Đảng",
        HistoryVerified = "history_verified" / "Thẩm tra lý lịch",
        Introduced = "introduced" / "Giới thiệu người vào Đảng",
        CommentsCollected = "comments_collected" / "Lấy ý kiến nhận xét",
        BranchVoted = "branch_voted" / "Chi bộ xét, đề nghị kết nạp",
        CommitteeResolved = "committee_resolved" / "Đảng ủy cơ sở xét, đề nghị kết nạp",
        AdmissionDecided = "admission_decided" / "Quyết định kết nạp",
        CeremonyHeld = "ceremony_held" / "Lễ kết nạp",
        NewMemberCourseCompleted = "new_member_course_completed" / "Lớp bồi dưỡng lý luận chính trị cho đảng viên mới",
        DocumentFiled = "document_filed" / "Nộp tài liệu",
        RecognitionVoted = "recognition_voted" / "Chi bộ xét công nhận đảng viên chính thức",
        RecognitionDecided = "recognition_decided" / "Quyết định công nhận đảng viên chính thức",
        NotRecognized = "not_recognized" / "Không công nhận, xóa tên",
        Withdrawn = "withdrawn" / "Rút khỏi danh sách nguồn",
        Paused = "paused" / "Tạm dừng (đi làm ăn xa)",
        Resumed = "resumed" / "Tiếp tục",
        TransferredOut = "transferred_out" / "Chuyển đi",
        TransferredIn = "transferred_in" / "Chuyển đến",
        ReAdmissionApproved = "re_admission_approved" / "Chấp thuận kết nạp lại",
        ExceptionGranted = "exception_granted" / "Cho phép ngoại lệ",
        Deceased = "deceased" / "Từ trần",
        Retracted = "retracted" / "Hủy bỏ sự kiện",
    }
);

impl StepKind {
    /// English label.
    pub fn label_en(self) -> &'static str {
        use StepKind as S;
        match self {
            S::SourceListed => "put on the source list",
            S::MentorAssigned => "mentor assigned",
            S::CourseCompleted => "party-awareness course",
            S::ApplicationSubmitted => "application",
            S::HistorySubmitted => "personal history",
            S::HistoryVerified => "history verification",
            S::Introduced => "introduction",
            S::CommentsCollected => "comments collected",
            S::BranchVoted => "branch vote",
            S::CommitteeResolved => "grassroots committee resolution",
            S::AdmissionDecided => "admission decision",
            S::CeremonyHeld => "admission ceremony",
            S::NewMemberCourseCompleted => "new-member course",
            S::DocumentFiled => "document filed",
            S::RecognitionVoted => "recognition vote",
            S::RecognitionDecided => "recognition decision",
            S::NotRecognized => "not recognized (removal)",
            S::Withdrawn => "withdrawal",
            S::Paused => "pause (moved away to work)",
            S::Resumed => "resumption",
            S::TransferredOut => "transfer out",
            S::TransferredIn => "transfer in",
            S::ReAdmissionApproved => "re-admission approved",
            S::ExceptionGranted => "exception granted",
            S::Deceased => "death",
            S::Retracted => "retraction",
        }
    }

    /// The form the step is recorded by, where there is one.
    pub fn form(self) -> Option<FormCode> {
        use StepKind as S;
        match self {
            S::CourseCompleted => Some(FormCode::CnNtvd),
            S::ApplicationSubmitted => Some(FormCode::Knd1),
            S::HistorySubmitted => Some(FormCode::Knd2),
            S::Introduced => Some(FormCode::Knd3),
            S::CommentsCollected => Some(FormCode::Knd5),
            S::BranchVoted => Some(FormCode::Knd6),
            S::CommitteeResolved => Some(FormCode::Knd8),
            S::AdmissionDecided => Some(FormCode::Knd9),
            S::RecognitionVoted => Some(FormCode::Knd13),
            _ => None,
        }
    }
}

crate::code_enum!(
    /// Tổ chức giới thiệu vào nguồn — who proposed the candidate for the source list.
    Proposer {
        /// Đoàn Thanh niên Cộng sản Hồ Chí Minh.
        YouthUnion = "youth_union" / "Đoàn Thanh niên",
        /// Hội Liên hiệp Phụ nữ.
        WomensUnion = "womens_union" / "Hội Liên hiệp Phụ nữ",
        /// Hội Nông dân.
        FarmersUnion = "farmers_union" / "Hội Nông dân",
        /// Hội Cựu chiến binh.
        Veterans = "veterans" / "Hội Cựu chiến binh",
        /// Công đoàn.
        TradeUnion = "trade_union" / "Công đoàn",
        /// Dân quân tự vệ.
        Militia = "militia" / "Dân quân tự vệ",
        /// Nhà trường.
        School = "school" / "Nhà trường",
        /// Doanh nghiệp.
        Enterprise = "enterprise" / "Doanh nghiệp",
        /// Phong trào thi đua.
        EmulationMovement = "emulation_movement" / "Phong trào thi đua",
        Other = "other" / "Khác",
    }
);

crate::code_enum!(
    /// Lớp dành riêng — an awareness-course class reserved for one group.
    ReservedClass {
        /// Học sinh trung học phổ thông.
        UpperSecondaryPupils = "upper_secondary_pupils" / "Học sinh trung học phổ thông",
        /// Người lao động ở đơn vị kinh tế tư nhân.
        PrivateSectorWorkers = "private_sector_workers" / "Người lao động ở đơn vị kinh tế tư nhân",
    }
);

crate::code_enum!(
    /// Cấp quyết định kết nạp — the level of the committee that decided admission.
    ///
    /// Until 30/6/2025 the usual decider was the standing committee of the district level (or
    /// its equivalents); from 1/7/2025 (Quy định 294-QĐ/TW) the district level is gone and the
    /// decision lies with the provincial standing committee or the commune/grassroots committee
    /// it authorises **(confirm)**.
    DecisionLevel {
        /// Đảng ủy cơ sở được ủy quyền kết nạp đảng viên.
        AuthorisedGrassroots = "authorised_grassroots" / "Đảng ủy cơ sở được ủy quyền",
        /// Ban thường vụ cấp ủy cấp trên trực tiếp của tổ chức cơ sở đảng.
        DirectSuperior = "direct_superior" / "Ban thường vụ cấp ủy cấp trên trực tiếp",
        /// Thường trực cấp ủy trực thuộc Trung ương (tỉnh ủy, thành ủy…).
        Provincial = "provincial" / "Thường trực cấp ủy trực thuộc Trung ương",
    }
);

crate::code_enum!(
    /// Cấp phê duyệt — the level of a committee that approves an exception (ordered from the
    /// branch up to the Central Committee).
    CommitteeLevel {
        /// Chi bộ.
        Branch = "branch" / "Chi bộ",
        /// Đảng ủy cơ sở.
        GrassrootsCommittee = "grassroots_committee" / "Đảng ủy cơ sở",
        /// Cấp ủy cấp trên trực tiếp của tổ chức cơ sở đảng.
        DirectSuperior = "direct_superior" / "Cấp ủy cấp trên trực tiếp",
        /// Cấp ủy trực thuộc Trung ương (tỉnh ủy, thành ủy, đảng ủy trực thuộc Trung ương).
        Provincial = "provincial" / "Cấp ủy trực thuộc Trung ương",
        /// Trung ương (Ban Bí thư).
        Central = "central" / "Trung ương",
    }
);

/// Người giới thiệu — who introduces the applicant (Charter Art. 4, clause 1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Introducer {
    /// Đảng viên chính thức giới thiệu (3-KNĐ) — an official member who has worked or studied
    /// with the applicant in the same unit for at least 12 months.
    Member {
        person: PersonId,
        /// As declared on the form; the store's own record wins when it has one.
        official_since: Date,
        worked_together_since: Date,
    },
    /// Nghị quyết giới thiệu của Ban Chấp hành Đoàn cơ sở (4-KNĐ) — for a Youth Union member.
    YouthUnion { resolution_no: String },
    /// Nghị quyết giới thiệu của Ban Chấp hành Công đoàn cơ sở — for a trade-union member where
    /// there is no Youth Union organization.
    TradeUnion { resolution_no: String },
}

impl Introducer {
    /// Whether an organization (not a member) introduces.
    pub fn is_organization(&self) -> bool {
        !matches!(self, Introducer::Member { .. })
    }
}

/// Mẫu biểu — the dossier forms of Hướng dẫn 12-HD/BTCTW (2012; replaced 18/01/2022).
/// The recognition forms 10–13 follow the published lists **(confirm numbering against the
/// 2022 appendix)**.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum FormCode {
    /// Giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng.
    CnNtvd,
    /// Đơn xin vào Đảng.
    Knd1,
    /// Lý lịch của người xin vào Đảng.
    Knd2,
    /// Giấy giới thiệu người vào Đảng (of a member).
    Knd3,
    /// Nghị quyết giới thiệu đoàn viên ưu tú vào Đảng (Youth Union executive).
    Knd4,
    /// Tổng hợp ý kiến nhận xét của tổ chức đoàn thể và chi ủy nơi cư trú.
    Knd5,
    /// Nghị quyết đề nghị kết nạp đảng viên (branch).
    Knd6,
    /// Nghị quyết đề nghị kết nạp đảng viên (grassroots committee).
    Knd8,
    /// Quyết định kết nạp đảng viên.
    Knd9,
    /// Bản tự kiểm điểm của đảng viên dự bị.
    Knd10,
    /// Bản nhận xét đảng viên dự bị của đảng viên được phân công giúp đỡ.
    Knd11,
    /// Tổng hợp ý kiến nhận xét đối với đảng viên dự bị.
    Knd12,
    /// Nghị quyết đề nghị công nhận đảng viên chính thức (branch).
    Knd13,
}

impl FormCode {
    pub const ALL: &'static [FormCode] = &[
        FormCode::CnNtvd,
        FormCode::Knd1,
        FormCode::Knd2,
        FormCode::Knd3,
        FormCode::Knd4,
        FormCode::Knd5,
        FormCode::Knd6,
        FormCode::Knd8,
        FormCode::Knd9,
        FormCode::Knd10,
        FormCode::Knd11,
        FormCode::Knd12,
        FormCode::Knd13,
    ];

    /// The official code, e.g. `1-KNĐ`.
    pub fn as_str(self) -> &'static str {
        match self {
            FormCode::CnNtvd => "CN-NTVĐ",
            FormCode::Knd1 => "1-KNĐ",
            FormCode::Knd2 => "2-KNĐ",
            FormCode::Knd3 => "3-KNĐ",
            FormCode::Knd4 => "4-KNĐ",
            FormCode::Knd5 => "5-KNĐ",
            FormCode::Knd6 => "6-KNĐ",
            FormCode::Knd8 => "8-KNĐ",
            FormCode::Knd9 => "9-KNĐ",
            FormCode::Knd10 => "10-KNĐ",
            FormCode::Knd11 => "11-KNĐ",
            FormCode::Knd12 => "12-KNĐ",
            FormCode::Knd13 => "13-KNĐ",
        }
    }

    /// Vietnamese title of the form.
    pub fn label_vi(self) -> &'static str {
        match self {
            FormCode::CnNtvd => "Giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng",
            FormCode::Knd1 => "Đơn xin vào Đảng",
            FormCode::Knd2 => "Lý lịch của người xin vào Đảng",
            FormCode::Knd3 => "Giấy giới thiệu người vào Đảng",
            FormCode::Knd4 => "Nghị quyết giới thiệu đoàn viên ưu tú vào Đảng",
            FormCode::Knd5 => "Tổng hợp ý kiến nhận xét của tổ chức đoàn thể và chi ủy nơi cư trú",
            FormCode::Knd6 => "Nghị quyết đề nghị kết nạp đảng viên của chi bộ",
            FormCode::Knd8 => "Nghị quyết đề nghị kết nạp đảng viên của đảng ủy cơ sở",
            FormCode::Knd9 => "Quyết định kết nạp đảng viên",
            FormCode::Knd10 => "Bản tự kiểm điểm của đảng viên dự bị",
            FormCode::Knd11 => "Bản nhận xét đảng viên dự bị của đảng viên được phân công giúp đỡ",
            FormCode::Knd12 => "Tổng hợp ý kiến nhận xét đối với đảng viên dự bị",
            FormCode::Knd13 => "Nghị quyết đề nghị công nhận đảng viên chính thức của chi bộ",
        }
    }

    /// Parses the code, ignoring case, diacritics (`KND` = `KNĐ`) and spaces.
    pub fn parse(s: &str) -> Option<Self> {
        let key = |t: &str| crate::text::fold(t).replace(' ', "");
        let k = key(s);
        Self::ALL.iter().copied().find(|f| key(f.as_str()) == k)
    }
}

impl std::fmt::Display for FormCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for FormCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        FormCode::parse(&s).ok_or_else(|| format!("{s:?} is not a dossier form code"))
    }
}

impl From<FormCode> for String {
    fn from(f: FormCode) -> String {
        f.as_str().to_string()
    }
}

crate::code_enum!(
    /// Tài liệu trong hồ sơ — one document of the dossier, with the form it uses where there is
    /// one ([`DossierDoc::form`]).
    DossierDoc {
        /// CN-NTVĐ.
        AwarenessCertificate = "awareness_certificate" / "Giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng",
        /// 1-KNĐ.
        Application = "application" / "Đơn xin vào Đảng",
        /// 2-KNĐ.
        History = "history" / "Lý lịch của người xin vào Đảng",
        /// Kết luận thẩm tra lý lịch (no numbered form).
        VerificationRecord = "verification_record" / "Kết luận thẩm tra lý lịch",
        /// 3-KNĐ (one per member introducer).
        MemberIntroduction = "member_introduction" / "Giấy giới thiệu của đảng viên chính thức",
        /// 4-KNĐ.
        YouthUnionIntroduction = "youth_union_introduction" / "Nghị quyết giới thiệu của Ban Chấp hành Đoàn cơ sở",
        /// Trade-union executive's resolution (no numbered form).
        TradeUnionIntroduction = "trade_union_introduction" / "Nghị quyết giới thiệu của Ban Chấp hành Công đoàn cơ sở",
        /// 5-KNĐ.
        Comments = "comments" / "Tổng hợp ý kiến nhận xét",
        /// 6-KNĐ.
        BranchResolution = "branch_resolution" / "Nghị quyết đề nghị kết nạp của chi bộ",
        /// 8-KNĐ.
        CommitteeResolution = "committee_resolution" / "Nghị quyết đề nghị kết nạp của đảng ủy cơ sở",
        /// 9-KNĐ.
        AdmissionDecision = "admission_decision" / "Quyết định kết nạp đảng viên",
        /// Certificate of the new-member political-theory course.
        NewMemberCertificate = "new_member_certificate" / "Giấy chứng nhận lớp bồi dưỡng lý luận chính trị cho đảng viên mới",
        /// 10-KNĐ.
        SelfReview = "self_review" / "Bản tự kiểm điểm của đảng viên dự bị",
        /// 11-KNĐ.
        MentorReview = "mentor_review" / "Bản nhận xét của đảng viên giúp đỡ",
        /// 12-KNĐ.
        RecognitionComments = "recognition_comments" / "Tổng hợp ý kiến nhận xét đối với đảng viên dự bị",
        /// 13-KNĐ.
        RecognitionResolution = "recognition_resolution" / "Nghị quyết đề nghị công nhận đảng viên chính thức",
    }
);

impl DossierDoc {
    /// The numbered form, where there is one.
    pub fn form(self) -> Option<FormCode> {
        use DossierDoc as D;
        match self {
            D::AwarenessCertificate => Some(FormCode::CnNtvd),
            D::Application => Some(FormCode::Knd1),
            D::History => Some(FormCode::Knd2),
            D::MemberIntroduction => Some(FormCode::Knd3),
            D::YouthUnionIntroduction => Some(FormCode::Knd4),
            D::Comments => Some(FormCode::Knd5),
            D::BranchResolution => Some(FormCode::Knd6),
            D::CommitteeResolution => Some(FormCode::Knd8),
            D::AdmissionDecision => Some(FormCode::Knd9),
            D::SelfReview => Some(FormCode::Knd10),
            D::MentorReview => Some(FormCode::Knd11),
            D::RecognitionComments => Some(FormCode::Knd12),
            D::RecognitionResolution => Some(FormCode::Knd13),
            D::VerificationRecord | D::TradeUnionIntroduction | D::NewMemberCertificate => None,
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        use DossierDoc as D;
        match self {
            D::AwarenessCertificate => "party-awareness course certificate",
            D::Application => "application",
            D::History => "personal history",
            D::VerificationRecord => "history verification conclusion",
            D::MemberIntroduction => "member's introduction",
            D::YouthUnionIntroduction => "Youth Union executive's introduction",
            D::TradeUnionIntroduction => "trade-union executive's introduction",
            D::Comments => "summary of comments",
            D::BranchResolution => "branch resolution proposing admission",
            D::CommitteeResolution => "grassroots committee resolution",
            D::AdmissionDecision => "admission decision",
            D::NewMemberCertificate => "new-member course certificate",
            D::SelfReview => "probationary member's self-review",
            D::MentorReview => "mentor's comments",
            D::RecognitionComments => "summary of comments on the probationary member",
            D::RecognitionResolution => "branch resolution proposing recognition",
        }
    }

    /// Documents recorded by a [`EventKind::DocumentFiled`] event rather than by a step.
    pub fn is_filed_separately(self) -> bool {
        matches!(
            self,
            DossierDoc::SelfReview | DossierDoc::MentorReview | DossierDoc::RecognitionComments
        )
    }

    /// "1-KNĐ Đơn xin vào Đảng" / "verification record" — code and label for messages.
    pub fn describe_vi(self) -> String {
        match self.form() {
            Some(f) => format!("{} ({})", self.label_vi(), f.as_str()),
            None => self.label_vi().to_string(),
        }
    }

    /// English counterpart of [`DossierDoc::describe_vi`].
    pub fn describe_en(self) -> String {
        match self.form() {
            Some(f) => format!("{} ({})", self.label_en(), f.as_str()),
            None => self.label_en().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_codes_parse_with_or_without_diacritics() {
        assert_eq!(FormCode::parse("1-KNĐ"), Some(FormCode::Knd1));
        assert_eq!(FormCode::parse("1-knd"), Some(FormCode::Knd1));
        assert_eq!(FormCode::parse("CN-NTVD"), Some(FormCode::CnNtvd));
        assert_eq!(FormCode::parse("13 - KNĐ"), Some(FormCode::Knd13));
        assert_eq!(FormCode::parse("7-KNĐ"), None);
        for f in FormCode::ALL {
            assert_eq!(FormCode::parse(f.as_str()), Some(*f));
        }
    }

    #[test]
    fn step_codes_match_the_serde_tags() {
        // The code of each step is the `kind` tag its event serializes with (snake_case).
        for s in StepKind::ALL {
            let code = s.as_str();
            assert!(
                code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{code}"
            );
            assert!(!s.label_en().is_empty());
        }
        assert_eq!(
            EventKind::BranchVoted {
                official_members: 9,
                present: 9,
                in_favour: 6,
                against: 3
            }
            .step(),
            StepKind::BranchVoted
        );
    }

    #[test]
    fn documents_count_their_own_numbers() {
        let d = crate::pipeline::testkit::d;
        let e = Event::new(
            1,
            1,
            d(2024, 1, 2),
            EventKind::CourseCompleted {
                certificate_no: "123/CN".into(),
                issued: d(2024, 1, 2),
                reserved_class: None,
            },
            "x",
        );
        assert!(e.has_document());
        let e = Event::new(2, 2, d(2024, 1, 2), EventKind::ApplicationSubmitted, "x");
        assert!(!e.has_document());
        assert!(e.with_document(Some(FormCode::Knd1), "—").has_document());
        let intro = Event::new(
            3,
            3,
            d(2024, 1, 2),
            EventKind::Introduced {
                introducer: Introducer::YouthUnion {
                    resolution_no: " ".into(),
                },
            },
            "x",
        );
        assert!(!intro.has_document());
    }

    #[test]
    fn levels_are_ordered_upwards() {
        assert!(CommitteeLevel::Provincial > CommitteeLevel::DirectSuperior);
        assert!(CommitteeLevel::Branch < CommitteeLevel::GrassrootsCommittee);
        for d in DossierDoc::ALL {
            assert!(!d.label_en().is_empty());
        }
    }
}
