//! In biểu mẫu hồ sơ — the dossier forms of a case, pre-filled from what ketnap records.
//!
//! Pure data → text: the store gathers a [`FormSource`] (the case's events, the candidate, the
//! member introducers, and the chain of party organizations above the branch on each date a
//! form needs — [`chain_requests`], [`people_requests`]); [`render`] turns it into a
//! [`Document`] (header, title, paragraphs, signature block) that a writer lays out (DOCX in
//! `ketnap-exchange`), or refuses with the [`FormField`]s that are missing, each with a
//! Vietnamese and an English label. [`statuses`] says which forms are ready.
//!
//! **What is required and what is left to be handwritten.** A form is refused when something
//! ketnap records for every case is not there yet: the event of the step the form records
//! (the branch vote for 6-KNĐ, the admission decision with its number for 9-KNĐ…), the branch
//! and the organizations above it on the date, the place name. What ketnap does not record at
//! all — the chair and the secretary of a meeting, the assessment of the candidate, the counts
//! of a consultation, a birthplace — is printed as a dotted line to be filled in by hand, as on
//! the paper forms. So are numbers of resolutions not recorded (6-KNĐ, 8-KNĐ); the numbers of
//! decisions (9-KNĐ, the recognition decision) are required.
//!
//! **Personal data.** The forms carry the candidate's and the introducer's name and birth date
//! and the candidate's place of residence, nothing else of the sensitive fields (no CCCD,
//! ethnicity or religion); with [`RenderOptions::mask_birth_date`] (roles that see the birth
//! year only) a birth date is printed as "sinh năm 1998".
//!
//! **Layout conventions** (Hướng dẫn 36-HD/VPTW on Party documents **(confirm)**): the issuing
//! organization on the left under its superior, in capitals; "ĐẢNG CỘNG SẢN VIỆT NAM" on the
//! right with the place and date below it, "…, ngày 05 tháng 03 năm 2024" (day and month below
//! 10 with a leading zero); the form's code ("Mẫu 6-KNĐ") above, on the right. The texts follow
//! the structure of the forms of Hướng dẫn 12-HD/BTCTW; the recognition decision is numbered
//! 16-KNĐ **(confirm against the 2022 appendix)**.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Datelike;
use serde::Serialize;

use super::events::{DecisionLevel, Event, EventKind, Introducer, StepKind};
use super::projection::branch_on;
use super::rules::RuleSet;
use super::state::CaseState;
use crate::dates::{Date, Period};
use crate::org::{OrgId, OrgKind};
use crate::person::{PartyStatus, PersonId};
use crate::text::fold;

/// A dotted line left to be filled in by hand.
pub const BLANK: &str = "……………………";

// ---- the forms ----------------------------------------------------------------------------------

/// Biểu mẫu in được — the dossier forms ketnap prints pre-filled (serialized as their code,
/// `"6-KNĐ"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrintForm {
    /// Giấy giới thiệu người vào Đảng — one page per member introducer.
    Knd3,
    /// Tổng hợp ý kiến nhận xét của tổ chức đoàn thể và chi ủy nơi cư trú.
    Knd5,
    /// Nghị quyết đề nghị kết nạp đảng viên của chi bộ.
    Knd6,
    /// Nghị quyết đề nghị kết nạp đảng viên của đảng ủy cơ sở.
    Knd8,
    /// Quyết định kết nạp đảng viên.
    Knd9,
    /// Quyết định công nhận đảng viên chính thức **(confirm the number 16-KNĐ)**.
    Knd16,
}

impl PrintForm {
    pub const ALL: [PrintForm; 6] = [
        PrintForm::Knd3,
        PrintForm::Knd5,
        PrintForm::Knd6,
        PrintForm::Knd8,
        PrintForm::Knd9,
        PrintForm::Knd16,
    ];

    /// The official code, `6-KNĐ`.
    pub fn code(self) -> &'static str {
        match self {
            PrintForm::Knd3 => "3-KNĐ",
            PrintForm::Knd5 => "5-KNĐ",
            PrintForm::Knd6 => "6-KNĐ",
            PrintForm::Knd8 => "8-KNĐ",
            PrintForm::Knd9 => "9-KNĐ",
            PrintForm::Knd16 => "16-KNĐ",
        }
    }

    /// The code in ASCII, for file names and URLs: `6-KND`.
    pub fn slug(self) -> &'static str {
        match self {
            PrintForm::Knd3 => "3-KND",
            PrintForm::Knd5 => "5-KND",
            PrintForm::Knd6 => "6-KND",
            PrintForm::Knd8 => "8-KND",
            PrintForm::Knd9 => "9-KND",
            PrintForm::Knd16 => "16-KND",
        }
    }

    /// Vietnamese title.
    pub fn title_vi(self) -> &'static str {
        match self {
            PrintForm::Knd3 => "Giấy giới thiệu người vào Đảng",
            PrintForm::Knd5 => "Tổng hợp ý kiến nhận xét của tổ chức đoàn thể và chi ủy nơi cư trú",
            PrintForm::Knd6 => "Nghị quyết của chi bộ đề nghị kết nạp đảng viên",
            PrintForm::Knd8 => "Nghị quyết của đảng ủy cơ sở đề nghị kết nạp đảng viên",
            PrintForm::Knd9 => "Quyết định kết nạp đảng viên",
            PrintForm::Knd16 => "Quyết định công nhận đảng viên chính thức",
        }
    }

    /// English title.
    pub fn title_en(self) -> &'static str {
        match self {
            PrintForm::Knd3 => "introduction of the applicant by a member",
            PrintForm::Knd5 => {
                "summary of the comments of mass organizations and the residence branch"
            }
            PrintForm::Knd6 => "branch resolution proposing admission",
            PrintForm::Knd8 => "grassroots committee resolution proposing admission",
            PrintForm::Knd9 => "admission decision",
            PrintForm::Knd16 => "decision recognizing an official member",
        }
    }

    /// The step whose event the form records.
    pub fn step(self) -> StepKind {
        match self {
            PrintForm::Knd3 => StepKind::Introduced,
            PrintForm::Knd5 => StepKind::CommentsCollected,
            PrintForm::Knd6 => StepKind::BranchVoted,
            PrintForm::Knd8 => StepKind::CommitteeResolved,
            PrintForm::Knd9 => StepKind::AdmissionDecided,
            PrintForm::Knd16 => StepKind::RecognitionDecided,
        }
    }

    /// Parses `6-KNĐ`, `6-KND`, `6-knd`, `6 - KNĐ` or `Mẫu 6-KNĐ` (case, diacritics and spaces
    /// ignored).
    pub fn parse(s: &str) -> Option<Self> {
        let key = |t: &str| fold(t).replace(' ', "");
        let k = key(s);
        let k = k.strip_prefix("mau").unwrap_or(&k);
        Self::ALL.into_iter().find(|f| key(f.code()) == k)
    }
}

impl std::fmt::Display for PrintForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for PrintForm {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

// ---- what a form needs --------------------------------------------------------------------------

/// Dữ liệu cần có — one piece of recorded data a form needs (see the module documentation for
/// what is left to be handwritten instead).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FormField {
    /// The branch and the organizations above it on the date (the header).
    Branch,
    /// The place name of the date line.
    Place,
    /// A member's introduction (event `introduced` by an official member).
    Introduction,
    /// The introducer's name and the branch they belong to on the date.
    Introducer,
    /// The comments collected (event `comments_collected`).
    Comments,
    /// The branch's resolution: meeting date, official members, votes (event `branch_voted`).
    BranchVote,
    /// A grassroots committee above the branch (a grassroots branch has none: no 8-KNĐ).
    Committee,
    /// The grassroots committee's resolution (event `committee_resolved`).
    CommitteeResolution,
    /// The admission decision: its date and level (event `admission_decided`).
    AdmissionDecision,
    /// The admission decision's number.
    AdmissionDecisionNumber,
    /// The committee that decides at the recorded level, found above the branch on the date.
    DecidingCommittee,
    /// The admission ceremony (ngày vào Đảng).
    Ceremony,
    /// The branch's recognition resolution (event `recognition_voted`).
    RecognitionVote,
    /// The recognition decision (event `recognition_decided`).
    RecognitionDecision,
    /// The recognition decision's number.
    RecognitionDecisionNumber,
}

impl FormField {
    pub const ALL: [FormField; 15] = [
        FormField::Branch,
        FormField::Place,
        FormField::Introduction,
        FormField::Introducer,
        FormField::Comments,
        FormField::BranchVote,
        FormField::Committee,
        FormField::CommitteeResolution,
        FormField::AdmissionDecision,
        FormField::AdmissionDecisionNumber,
        FormField::DecidingCommittee,
        FormField::Ceremony,
        FormField::RecognitionVote,
        FormField::RecognitionDecision,
        FormField::RecognitionDecisionNumber,
    ];

    /// Stable code (API, CLI).
    pub fn as_str(self) -> &'static str {
        match self {
            FormField::Branch => "branch",
            FormField::Place => "place",
            FormField::Introduction => "introduction",
            FormField::Introducer => "introducer",
            FormField::Comments => "comments",
            FormField::BranchVote => "branch_vote",
            FormField::Committee => "committee",
            FormField::CommitteeResolution => "committee_resolution",
            FormField::AdmissionDecision => "admission_decision",
            FormField::AdmissionDecisionNumber => "admission_decision_number",
            FormField::DecidingCommittee => "deciding_committee",
            FormField::Ceremony => "ceremony",
            FormField::RecognitionVote => "recognition_vote",
            FormField::RecognitionDecision => "recognition_decision",
            FormField::RecognitionDecisionNumber => "recognition_decision_number",
        }
    }

    /// Vietnamese label (what to record so that the form can be printed).
    pub fn label_vi(self) -> &'static str {
        match self {
            FormField::Branch => "Chi bộ và tổ chức đảng cấp trên vào ngày của văn bản",
            FormField::Place => "Địa danh (tên xã, phường hoặc tỉnh của tổ chức đảng)",
            FormField::Introduction => {
                "Giới thiệu của đảng viên chính thức (bước Giới thiệu người vào Đảng)"
            }
            FormField::Introducer => "Họ tên và chi bộ nơi sinh hoạt của người giới thiệu",
            FormField::Comments => "Ngày lấy ý kiến nhận xét (bước Lấy ý kiến nhận xét)",
            FormField::BranchVote => {
                "Nghị quyết của chi bộ: ngày họp, tổng số đảng viên chính thức, số tán thành"
            }
            FormField::Committee => {
                "Đảng ủy cơ sở cấp trên của chi bộ (chi bộ cơ sở không dùng mẫu 8-KNĐ)"
            }
            FormField::CommitteeResolution => {
                "Nghị quyết của đảng ủy cơ sở: ngày họp, số cấp ủy viên, số tán thành"
            }
            FormField::AdmissionDecision => "Quyết định kết nạp: ngày quyết định, cấp quyết định",
            FormField::AdmissionDecisionNumber => "Số quyết định kết nạp",
            FormField::DecidingCommittee => {
                "Cấp ủy có thẩm quyền quyết định (theo cấp quyết định kết nạp)"
            }
            FormField::Ceremony => "Ngày lễ kết nạp (ngày vào Đảng)",
            FormField::RecognitionVote => {
                "Nghị quyết của chi bộ đề nghị công nhận đảng viên chính thức"
            }
            FormField::RecognitionDecision => {
                "Quyết định công nhận đảng viên chính thức: ngày quyết định"
            }
            FormField::RecognitionDecisionNumber => "Số quyết định công nhận đảng viên chính thức",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            FormField::Branch => "the branch and the organizations above it on the document's date",
            FormField::Place => "the place name (commune, ward or province of the organization)",
            FormField::Introduction => "an official member's introduction (step `introduced`)",
            FormField::Introducer => "the introducer's name and branch",
            FormField::Comments => {
                "the date the comments were collected (step `comments_collected`)"
            }
            FormField::BranchVote => {
                "the branch resolution: meeting date, official members, votes in favour"
            }
            FormField::Committee => {
                "a grassroots committee above the branch (a grassroots branch has no 8-KNĐ)"
            }
            FormField::CommitteeResolution => {
                "the grassroots committee resolution: date, members, votes in favour"
            }
            FormField::AdmissionDecision => "the admission decision: date and deciding level",
            FormField::AdmissionDecisionNumber => "the admission decision's number",
            FormField::DecidingCommittee => {
                "the committee competent at the recorded decision level"
            }
            FormField::Ceremony => "the admission ceremony date",
            FormField::RecognitionVote => "the branch resolution proposing recognition",
            FormField::RecognitionDecision => "the recognition decision's date",
            FormField::RecognitionDecisionNumber => "the recognition decision's number",
        }
    }
}

/// A missing field as the API, the CLI and the page show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MissingField {
    pub field: &'static str,
    pub label_vi: &'static str,
    pub label_en: &'static str,
}

impl From<FormField> for MissingField {
    fn from(f: FormField) -> Self {
        MissingField {
            field: f.as_str(),
            label_vi: f.label_vi(),
            label_en: f.label_en(),
        }
    }
}

// ---- the data -----------------------------------------------------------------------------------

/// One party-status spell of a person, with the branch's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormSpell {
    pub status: PartyStatus,
    pub branch: Option<String>,
    pub period: Period,
}

/// A person as the forms name them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormPerson {
    pub id: PersonId,
    pub full_name: String,
    pub birth_date: Date,
    /// Nơi ở hiện nay — the residence locality's name, when recorded.
    pub residence: Option<String>,
    /// Party-status spells, oldest first.
    pub spells: Vec<FormSpell>,
}

impl FormPerson {
    /// Ngày vào Đảng — the start of the first probationary spell, when recorded.
    pub fn admitted_on(&self) -> Option<Date> {
        self.spells
            .iter()
            .filter(|s| s.status == PartyStatus::Probationary)
            .map(|s| s.period.from)
            .min()
    }

    /// The branch of the member spell (probationary or official) in force on `on`.
    pub fn branch_on(&self, on: Date) -> Option<&str> {
        self.spells
            .iter()
            .find(|s| s.status.is_member() && s.period.contains(on))
            .and_then(|s| s.branch.as_deref())
    }
}

/// A party organization as a header names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormUnit {
    pub id: OrgId,
    /// The name in force on the date asked.
    pub name: String,
    pub kind: OrgKind,
}

/// Everything the forms of one case are filled from (gathered by the store side).
#[derive(Clone, Debug)]
pub struct FormSource {
    pub case_id: i64,
    pub candidate: FormPerson,
    /// The branch that put the candidate on its source list (transfers move the case).
    pub origin_branch: OrgId,
    pub state: CaseState,
    /// The date the list of forms is asked for (today).
    pub as_of: Date,
    /// For each `(branch, date)` of [`chain_requests`]: the branch and the organizations above
    /// it on that date, the branch first.
    pub chains: BTreeMap<(OrgId, Date), Vec<FormUnit>>,
    /// The people of [`people_requests`] (member introducers).
    pub people: BTreeMap<PersonId, FormPerson>,
}

/// The events the forms are printed from: the latest effective event of each form's step.
fn form_events(state: &CaseState) -> impl Iterator<Item = &Event> {
    state.effective_events().iter().filter(|e| {
        matches!(
            e.step(),
            StepKind::Introduced
                | StepKind::CommentsCollected
                | StepKind::BranchVoted
                | StepKind::CommitteeResolved
                | StepKind::AdmissionDecided
                | StepKind::RecognitionVoted
                | StepKind::RecognitionDecided
        )
    })
}

/// The `(branch, date)` pairs whose chain of organizations the forms need: the branch of the
/// case on the date of each event a form is printed from, and on `as_of`.
pub fn chain_requests(state: &CaseState, origin: OrgId, as_of: Date) -> Vec<(OrgId, Date)> {
    let mut out: BTreeSet<(OrgId, Date)> = form_events(state)
        .map(|e| (branch_on(state, origin, e.date), e.date))
        .collect();
    out.insert((branch_on(state, origin, as_of), as_of));
    out.into_iter().collect()
}

/// The people the forms name besides the candidate: the member introducers.
pub fn people_requests(state: &CaseState) -> Vec<PersonId> {
    state.member_introducers()
}

// ---- the document -------------------------------------------------------------------------------

/// Căn lề — paragraph alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
    Justify,
}

/// A piece of text with one formatting; a filled-in value is always one whole run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
}

/// A paragraph of the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paragraph {
    pub runs: Vec<Run>,
    pub align: Align,
    /// First-line indent (body text).
    pub indent: bool,
}

impl Paragraph {
    fn new(align: Align, indent: bool) -> Self {
        Paragraph {
            runs: vec![],
            align,
            indent,
        }
    }

    /// A justified, indented body paragraph.
    fn body() -> Self {
        Paragraph::new(Align::Justify, true)
    }

    /// Plain text.
    fn t(mut self, s: impl Into<String>) -> Self {
        self.runs.push(Run {
            text: s.into(),
            bold: false,
            italic: false,
        });
        self
    }

    /// Bold text (names, the deciding body).
    fn b(mut self, s: impl Into<String>) -> Self {
        self.runs.push(Run {
            text: s.into(),
            bold: true,
            italic: false,
        });
        self
    }

    /// The paragraph's text.
    pub fn text(&self) -> String {
        self.runs.iter().map(|r| r.text.as_str()).collect()
    }
}

/// One page of a form: header, title, body, recipients and signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    /// "Mẫu 6-KNĐ", top right.
    pub form_code: String,
    /// The issuing organization's superior, in capitals ("ĐẢNG BỘ XÃ A LÙ"), when there is one.
    pub superior: Option<String>,
    /// The issuing organization, in capitals ("CHI BỘ THÔN PHÌN CHẢI").
    pub issuer: String,
    /// "Số 20-NQ/CB", for resolutions and decisions.
    pub number: Option<String>,
    /// "A Lù, ngày 05 tháng 03 năm 2024".
    pub place_date: String,
    /// "NGHỊ QUYẾT".
    pub title: String,
    /// "Đề nghị kết nạp đảng viên".
    pub subtitle: Vec<String>,
    pub body: Vec<Paragraph>,
    /// "Nơi nhận:" lines (left, under the body).
    pub recipients: Vec<String>,
    /// The signature block's capitalised lines ("T/M CHI BỘ", "BÍ THƯ").
    pub signature: Vec<String>,
    /// "(Ký, ghi rõ họ tên)".
    pub signer_note: String,
    /// The signer's name, when the form is signed by a known person (3-KNĐ).
    pub signer_name: Option<String>,
}

impl Page {
    /// Every text of the page, one line per block (tests, previews).
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![self.form_code.clone()];
        out.extend(self.superior.clone());
        out.push(self.issuer.clone());
        out.extend(self.number.clone());
        out.push("ĐẢNG CỘNG SẢN VIỆT NAM".into());
        out.push(self.place_date.clone());
        out.push(self.title.clone());
        out.extend(self.subtitle.iter().cloned());
        out.extend(self.body.iter().map(Paragraph::text));
        out.extend(self.recipients.iter().cloned());
        out.extend(self.signature.iter().cloned());
        out.push(self.signer_note.clone());
        out.extend(self.signer_name.clone());
        out
    }
}

/// A form ready to be laid out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub form: PrintForm,
    pub case_id: i64,
    pub pages: Vec<Page>,
}

impl Document {
    /// The whole text, one line per block, pages one after the other.
    pub fn text(&self) -> String {
        self.pages
            .iter()
            .flat_map(Page::lines)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The file name a download gets: `ho-so-7-6-KND.docx`.
    pub fn file_name(&self, extension: &str) -> String {
        format!("ho-so-{}-{}.{extension}", self.case_id, self.form.slug())
    }
}

/// How a form is rendered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Print birth dates as the year only ("sinh năm 1998"): for roles that see sensitive
    /// fields masked.
    pub mask_birth_date: bool,
}

// ---- text helpers -------------------------------------------------------------------------------

/// "ngày 05 tháng 03 năm 2024" — the date as Party documents write it (day and month below 10
/// with a leading zero).
pub fn long_date(d: Date) -> String {
    format!(
        "ngày {:02} tháng {:02} năm {}",
        d.day(),
        d.month(),
        d.year()
    )
}

/// "05/03/2024".
fn short(d: Date) -> String {
    crate::text::vi::date(d)
}

/// In favour out of all, in percent with one decimal, truncated (never overstated: 2/3 is
/// `66,6%`), `,0` dropped.
pub fn percent(part: u32, whole: u32) -> String {
    if whole == 0 {
        return "–".into();
    }
    let tenths = u64::from(part) * 1000 / u64::from(whole);
    match tenths % 10 {
        0 => format!("{}%", tenths / 10),
        f => format!("{},{f}%", tenths / 10),
    }
}

/// The territorial levels a committee's name starts with (lower case, with diacritics: "Quân
/// sự" is not "quận"), the two-word ones first.
const LEVELS: [&str; 9] = [
    "thị trấn",
    "thị xã",
    "thành phố",
    "đặc khu",
    "xã",
    "phường",
    "huyện",
    "quận",
    "tỉnh",
];

/// Lower case in composed form, for comparing words with their diacritics.
fn lower(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfc().collect::<String>().to_lowercase()
}

/// Whether `words` start with "Đảng bộ".
fn is_committee(words: &[&str]) -> bool {
    words.len() > 2 && lower(words[0]) == "đảng" && lower(words[1]) == "bộ"
}

/// Whether a word is "ủy" (either accent placement).
fn is_uy(word: &str) -> bool {
    matches!(lower(word).as_str(), "ủy" | "uỷ")
}

/// The territorial level and the place of a committee's name: ("xã", "A Lù") for "Đảng bộ xã
/// A Lù" or "Đảng ủy xã A Lù", ("tỉnh", "Lào Cai") for "Tỉnh ủy Lào Cai".
fn territorial(name: &str) -> Option<(&'static str, String)> {
    let words: Vec<&str> = name.split_whitespace().collect();
    if words.len() >= 4 && lower(words[0]) == "đảng" && (lower(words[1]) == "bộ" || is_uy(words[1]))
    {
        return LEVELS.into_iter().find_map(|level| {
            let n = level.split(' ').count();
            (words.len() > 2 + n && lower(&words[2..2 + n].join(" ")) == level)
                .then(|| (level, words[2 + n..].join(" ")))
        });
    }
    if words.len() >= 3 && is_uy(words[1]) {
        let level = match lower(words[0]).as_str() {
            "tỉnh" => "tỉnh",
            "thành" => "thành phố",
            "huyện" => "huyện",
            "quận" => "quận",
            "thị" => "thị xã",
            _ => return None,
        };
        return Some((level, words[2..].join(" ")));
    }
    None
}

/// The place a committee's documents are dated from: "A Lù" for "Đảng bộ xã A Lù", "Lào Cai"
/// for "Đảng bộ tỉnh Lào Cai"; `None` for names without a territorial level.
pub fn place_of(name: &str) -> Option<String> {
    territorial(name).map(|(_, place)| place)
}

/// The executive committee (cấp ủy) of a party organization, as documents name it: "Đảng ủy
/// xã A Lù" for "Đảng bộ xã A Lù", "Huyện ủy Bát Xát", "Thành ủy Hà Nội", "Tỉnh ủy Lào Cai";
/// a branch keeps its name ("Chi bộ thôn Phìn Chải").
pub fn executive_name(name: &str) -> String {
    if let Some((level, place)) = territorial(name) {
        let head = match level {
            "tỉnh" => "Tỉnh ủy",
            "thành phố" => "Thành ủy",
            "huyện" => "Huyện ủy",
            "quận" => "Quận ủy",
            "thị xã" => "Thị ủy",
            _ => "",
        };
        if !head.is_empty() {
            return format!("{head} {place}");
        }
    }
    let words: Vec<&str> = name.split_whitespace().collect();
    if is_committee(&words) {
        return format!("Đảng ủy {}", words[2..].join(" "));
    }
    name.trim().to_string()
}

/// The regulation a decision cites, without ketnap's "(confirm …)" notes.
fn cited(text: &str) -> &str {
    text.split(" (confirm").next().unwrap_or(text).trim()
}

fn upper(s: &str) -> String {
    s.trim().to_uppercase()
}

fn doc_date(e: &Event) -> Date {
    e.document.as_ref().and_then(|d| d.date).unwrap_or(e.date)
}

fn doc_number(e: &Event) -> Option<String> {
    e.document
        .as_ref()
        .map(|d| d.number.trim().to_string())
        .filter(|n| !n.is_empty())
}

/// The header of a page issued by `chain[issuer]`.
struct Header {
    superior: Option<String>,
    issuer: String,
    place: String,
}

// ---- rendering ----------------------------------------------------------------------------------

struct Render<'a> {
    src: &'a FormSource,
    opts: RenderOptions,
    missing: BTreeSet<FormField>,
}

impl<'a> Render<'a> {
    fn miss(&mut self, f: FormField) {
        self.missing.insert(f);
    }

    fn latest(&self, step: StepKind) -> Option<&'a Event> {
        self.src
            .state
            .effective_events()
            .iter()
            .rev()
            .find(|e| e.step() == step)
    }

    /// The step's event, or the field noted missing.
    fn need(&mut self, step: StepKind, field: FormField) -> Option<&'a Event> {
        let e = self.latest(step);
        if e.is_none() {
            self.miss(field);
        }
        e
    }

    /// The chain of organizations above the case's branch on `date`, branch first.
    fn chain(&mut self, date: Date) -> Option<&'a [FormUnit]> {
        let branch = branch_on(&self.src.state, self.src.origin_branch, date);
        let c = self
            .src
            .chains
            .get(&(branch, date))
            .map(Vec::as_slice)
            .filter(|c| !c.is_empty());
        if c.is_none() {
            self.miss(FormField::Branch);
        }
        c
    }

    /// The header of a document issued by `chain[at]`; the superior line is the organization
    /// above it (none above a provincial committee: the Central Committee is not written).
    fn header(&mut self, chain: &[FormUnit], at: usize, issuer: String) -> Header {
        let superior = chain
            .get(at + 1)
            .filter(|u| u.kind != OrgKind::Central)
            .map(|u| upper(&u.name));
        let place = chain[at.min(chain.len() - 1)..]
            .iter()
            .find_map(|u| place_of(&u.name));
        if place.is_none() {
            self.miss(FormField::Place);
        }
        Header {
            superior,
            issuer,
            place: place.unwrap_or_default(),
        }
    }

    fn born(&self, p: &FormPerson) -> String {
        if self.opts.mask_birth_date {
            format!("sinh năm {}", p.birth_date.year())
        } else {
            format!("sinh ngày {}", short(p.birth_date))
        }
    }

    fn residence(p: &FormPerson) -> String {
        p.residence.clone().unwrap_or_else(|| BLANK.into())
    }

    fn page(form: PrintForm, h: Header, number: Option<String>, date: Date) -> Page {
        Page {
            form_code: format!("Mẫu {}", form.code()),
            superior: h.superior,
            issuer: h.issuer,
            number,
            place_date: format!("{}, {}", h.place, long_date(date)),
            title: String::new(),
            subtitle: vec![],
            body: vec![],
            recipients: vec![],
            signature: vec![],
            signer_note: "(Ký, ghi rõ họ tên)".into(),
            signer_name: None,
        }
    }

    /// The index of the grassroots organization (đảng bộ cơ sở or chi bộ cơ sở) in a chain.
    fn grassroots(chain: &[FormUnit]) -> Option<usize> {
        chain.iter().position(|u| {
            matches!(
                u.kind,
                OrgKind::GrassrootsCommittee | OrgKind::GrassrootsBranch
            )
        })
    }

    /// The grassroots committee above the branch (not for a grassroots branch).
    fn committee(chain: &[FormUnit]) -> Option<usize> {
        chain
            .iter()
            .position(|u| u.kind == OrgKind::GrassrootsCommittee)
            .filter(|i| *i >= 1)
    }

    /// Who decides at `level`, found in the chain.
    fn decider(chain: &[FormUnit], level: DecisionLevel) -> Option<usize> {
        match level {
            DecisionLevel::AuthorisedGrassroots => Self::committee(chain),
            DecisionLevel::DirectSuperior => Self::grassroots(chain)
                .map(|g| g + 1)
                .filter(|i| chain.get(*i).is_some_and(|u| u.kind != OrgKind::Central)),
            DecisionLevel::Provincial => chain
                .iter()
                .position(|u| u.kind == OrgKind::ProvincialCommittee),
        }
    }

    /// "Ban Thường vụ Huyện ủy Bát Xát" / "Thường trực Tỉnh ủy Lào Cai".
    fn deciding_body(level: DecisionLevel, unit: &FormUnit) -> String {
        match level {
            DecisionLevel::Provincial => format!("Thường trực {}", executive_name(&unit.name)),
            _ => format!("Ban Thường vụ {}", executive_name(&unit.name)),
        }
    }

    fn signature_of(level: DecisionLevel) -> Vec<String> {
        let on_behalf = match level {
            DecisionLevel::Provincial => "T/M THƯỜNG TRỰC",
            _ => "T/M BAN THƯỜNG VỤ",
        };
        vec![on_behalf.into(), "BÍ THƯ".into()]
    }

    /// Who the branch sends its resolution to: the grassroots committee, or for a grassroots
    /// branch the committee above it.
    fn next_up(chain: &[FormUnit]) -> String {
        let i = Self::committee(chain).or_else(|| Self::grassroots(chain).map(|g| g + 1));
        i.and_then(|i| chain.get(i))
            .map(|u| executive_name(&u.name))
            .unwrap_or_else(|| "cấp ủy cấp trên".into())
    }

    /// "giấy giới thiệu của đồng chí A và đồng chí B, nghị quyết giới thiệu của Ban Chấp hành
    /// Đoàn cơ sở (số 12-NQ/ĐTN)".
    fn introductions(&self) -> String {
        let mut parts = vec![];
        let members: Vec<String> = self
            .src
            .state
            .member_introducers()
            .into_iter()
            .map(|id| match self.src.people.get(&id) {
                Some(p) => format!("đồng chí {}", p.full_name),
                None => BLANK.to_string(),
            })
            .collect();
        if !members.is_empty() {
            parts.push(format!(
                "giấy giới thiệu của đảng viên chính thức ({})",
                members.join(", ")
            ));
        }
        for i in &self.src.state.introductions {
            match &i.introducer {
                Introducer::YouthUnion { resolution_no } => parts.push(format!(
                    "nghị quyết giới thiệu của Ban Chấp hành Đoàn cơ sở (số {})",
                    resolution_no.trim()
                )),
                Introducer::TradeUnion { resolution_no } => parts.push(format!(
                    "nghị quyết giới thiệu của Ban Chấp hành Công đoàn cơ sở (số {})",
                    resolution_no.trim()
                )),
                Introducer::Member { .. } => {}
            }
        }
        if parts.is_empty() {
            "giấy giới thiệu của người giới thiệu".into()
        } else {
            parts.join("; ")
        }
    }

    fn finish(self, form: PrintForm, pages: Vec<Page>) -> Result<Document, Vec<FormField>> {
        if self.missing.is_empty() && !pages.is_empty() {
            Ok(Document {
                form,
                case_id: self.src.case_id,
                pages,
            })
        } else {
            let mut m: Vec<FormField> = self.missing.into_iter().collect();
            if m.is_empty() {
                m.push(form_step_field(form));
            }
            Err(m)
        }
    }

    // ---- 3-KNĐ ----------------------------------------------------------------------------

    fn knd3(mut self) -> Result<Document, Vec<FormField>> {
        let form = PrintForm::Knd3;
        let c = &self.src.candidate;
        let intros: Vec<(&Event, PersonId, Date, Date)> = self
            .src
            .state
            .effective_events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Introduced {
                    introducer:
                        Introducer::Member {
                            person,
                            official_since,
                            worked_together_since,
                        },
                } => Some((e, *person, *official_since, *worked_together_since)),
                _ => None,
            })
            .collect();
        if intros.is_empty() {
            self.miss(FormField::Introduction);
        }
        let mut pages = vec![];
        for (e, person, official_since, worked_since) in intros {
            let Some(chain) = self.chain(e.date) else {
                continue;
            };
            let h = self.header(chain, 0, upper(&chain[0].name));
            let Some(intro) = self.src.people.get(&person) else {
                self.miss(FormField::Introducer);
                continue;
            };
            let Some(intro_branch) = intro.branch_on(e.date) else {
                self.miss(FormField::Introducer);
                continue;
            };
            let mut p = Self::page(form, h, None, doc_date(e));
            p.title = "GIẤY GIỚI THIỆU NGƯỜI VÀO ĐẢNG".into();
            p.body = vec![
                Paragraph::body()
                    .t("Kính gửi: ")
                    .b(chain[0].name.clone()),
                Paragraph::body()
                    .t("Tôi là: ")
                    .b(intro.full_name.clone())
                    .t(format!(", {}", self.born(intro))),
                Paragraph::body().t(format!(
                    "Vào Đảng ngày {}, chính thức ngày {}",
                    intro.admitted_on().map_or_else(|| BLANK.to_string(), short),
                    short(official_since)
                )),
                Paragraph::body()
                    .t("Đang sinh hoạt tại ")
                    .t(intro_branch.to_string())
                    .t("."),
                Paragraph::body()
                    .t("Tôi giới thiệu quần chúng ")
                    .b(c.full_name.clone())
                    .t(format!(", {}", self.born(c))),
                Paragraph::body()
                    .t("Nơi ở hiện nay: ")
                    .t(Self::residence(c)),
                Paragraph::body().t(format!(
                    "vào Đảng Cộng sản Việt Nam. Tôi đã cùng công tác (học tập) với quần chúng {} từ ngày {}.",
                    c.full_name,
                    short(worked_since)
                )),
                Paragraph::body().t(format!(
                    "Qua thời gian cùng công tác, tôi báo cáo với chi bộ những đặc điểm chính của quần chúng {} như sau:",
                    c.full_name
                )),
                Paragraph::body().t(format!("- Về lý lịch: {BLANK}")),
                Paragraph::body().t(format!(
                    "- Về phẩm chất chính trị, đạo đức, lối sống: {BLANK}"
                )),
                Paragraph::body().t(format!(
                    "- Về năng lực công tác, quan hệ quần chúng: {BLANK}"
                )),
                Paragraph::body().t(format!("- Những ưu điểm, khuyết điểm chính: {BLANK}")),
                Paragraph::body()
                    .t("Tôi xin chịu trách nhiệm trước Đảng về sự giới thiệu của mình."),
            ];
            p.signature = vec!["NGƯỜI GIỚI THIỆU".into()];
            p.signer_name = Some(intro.full_name.clone());
            pages.push(p);
        }
        self.finish(form, pages)
    }

    // ---- 5-KNĐ ----------------------------------------------------------------------------

    fn knd5(mut self) -> Result<Document, Vec<FormField>> {
        let form = PrintForm::Knd5;
        let c = &self.src.candidate;
        let Some(e) = self.need(StepKind::CommentsCollected, FormField::Comments) else {
            return self.finish(form, vec![]);
        };
        let Some(chain) = self.chain(e.date) else {
            return self.finish(form, vec![]);
        };
        let h = self.header(chain, 0, upper(&chain[0].name));
        let mut p = Self::page(form, h, None, doc_date(e));
        p.title = "TỔNG HỢP Ý KIẾN NHẬN XÉT".into();
        p.subtitle = vec![
            "của tổ chức đoàn thể chính trị - xã hội nơi làm việc và chi ủy nơi cư trú".into(),
            format!("đối với quần chúng {} xin vào Đảng", c.full_name),
        ];
        p.body = vec![
            Paragraph::body()
                .t(format!("{} đã tổng hợp ý kiến nhận xét đối với quần chúng ", chain[0].name))
                .b(c.full_name.clone())
                .t(format!(", {}, nơi ở hiện nay: {}, như sau:", self.born(c), Self::residence(c))),
            Paragraph::body().t(format!(
                "1. Ý kiến nhận xét của tổ chức đoàn thể chính trị - xã hội nơi làm việc: tổng số người được hỏi ý kiến {BLANK}; số đồng ý {BLANK}; số không đồng ý {BLANK}."
            )),
            Paragraph::body().t(format!("Những ưu điểm, khuyết điểm chính: {BLANK}")),
            Paragraph::body().t(format!(
                "2. Ý kiến nhận xét của chi ủy (chi bộ) nơi cư trú: {BLANK}"
            )),
            Paragraph::body().t(format!("3. Ý kiến của chi ủy: {BLANK}")),
        ];
        p.signature = vec!["T/M CHI ỦY".into(), "BÍ THƯ".into()];
        self.finish(form, vec![p])
    }

    // ---- 6-KNĐ ----------------------------------------------------------------------------

    fn knd6(mut self) -> Result<Document, Vec<FormField>> {
        let form = PrintForm::Knd6;
        let c = &self.src.candidate;
        let Some(e) = self.need(StepKind::BranchVoted, FormField::BranchVote) else {
            return self.finish(form, vec![]);
        };
        let EventKind::BranchVoted {
            official_members,
            present,
            in_favour,
            against,
        } = e.kind
        else {
            return self.finish(form, vec![]);
        };
        let Some(chain) = self.chain(e.date) else {
            return self.finish(form, vec![]);
        };
        let h = self.header(chain, 0, upper(&chain[0].name));
        let number = format!("Số {}", doc_number(e).unwrap_or_else(|| "…-NQ/CB".into()));
        let mut p = Self::page(form, h, Some(number), doc_date(e));
        p.title = "NGHỊ QUYẾT".into();
        p.subtitle = vec!["Đề nghị kết nạp đảng viên".into()];
        let verification = match self.src.state.verification {
            Some(v) if v.ok => format!(
                "lý lịch đã được thẩm tra, kết luận ngày {}: rõ ràng, đủ điều kiện",
                short(v.date)
            ),
            _ => BLANK.into(),
        };
        let branch = &chain[0].name;
        p.body = vec![
            Paragraph::body()
                .t(format!("{}, {} đã họp xét, đề nghị kết nạp quần chúng ", capitalise(&long_date(e.date)), branch))
                .b(c.full_name.clone())
                .t(format!(", {}, vào Đảng Cộng sản Việt Nam.", self.born(c))),
            Paragraph::body().t(format!(
                "Tổng số đảng viên chính thức của chi bộ: {official_members} đồng chí. Số đảng viên có mặt: {present} đồng chí."
            )),
            Paragraph::body().t(format!(
                "Chủ trì hội nghị: {BLANK}; thư ký hội nghị: {BLANK}."
            )),
            Paragraph::body().t(format!(
                "Căn cứ đơn xin vào Đảng, lý lịch của người xin vào Đảng, {}, tổng hợp ý kiến nhận xét của tổ chức đoàn thể và chi ủy nơi cư trú, chi bộ kết luận:",
                self.introductions()
            )),
            Paragraph::body().t(format!("1. Về lý lịch: {verification}.")),
            Paragraph::body().t(format!(
                "2. Những ưu điểm, khuyết điểm chính về phẩm chất chính trị, đạo đức, lối sống, năng lực công tác, quan hệ quần chúng: {BLANK}"
            )),
            Paragraph::body()
                .t(format!(
                    "3. Số đảng viên chính thức tán thành việc kết nạp quần chúng {} vào Đảng: ",
                    c.full_name
                ))
                .b(format!("{in_favour}/{official_members}"))
                .t(format!(
                    " đồng chí (đạt {} so với tổng số đảng viên chính thức của chi bộ); số không tán thành: {against} đồng chí ({}).",
                    percent(in_favour, official_members),
                    percent(against, official_members)
                )),
            Paragraph::body().t(format!(
                "Chi bộ đề nghị {} xem xét, kết nạp quần chúng {} vào Đảng Cộng sản Việt Nam.",
                Self::next_up(chain),
                c.full_name
            )),
        ];
        p.recipients = vec![
            "Nơi nhận:".into(),
            format!("- {},", Self::next_up(chain)),
            "- Lưu chi bộ.".into(),
        ];
        p.signature = vec!["T/M CHI BỘ".into(), "BÍ THƯ".into()];
        self.finish(form, vec![p])
    }

    // ---- 8-KNĐ ----------------------------------------------------------------------------

    fn knd8(mut self) -> Result<Document, Vec<FormField>> {
        let form = PrintForm::Knd8;
        let c = &self.src.candidate;
        let resolution = self.latest(StepKind::CommitteeResolved);
        let vote = self.latest(StepKind::BranchVoted);
        // Whether a committee exists: on the resolution's date, else the vote's, else today.
        let on = resolution.or(vote).map_or(self.src.as_of, |e| e.date);
        let Some(chain) = self.chain(on) else {
            return self.finish(form, vec![]);
        };
        let Some(ci) = Self::committee(chain) else {
            self.miss(FormField::Committee);
            return self.finish(form, vec![]);
        };
        let resolution = self.need(StepKind::CommitteeResolved, FormField::CommitteeResolution);
        let vote = self.need(StepKind::BranchVoted, FormField::BranchVote);
        let (Some(e), Some(vote)) = (resolution, vote) else {
            return self.finish(form, vec![]);
        };
        let EventKind::CommitteeResolved { members, in_favour } = e.kind else {
            return self.finish(form, vec![]);
        };
        let committee = executive_name(&chain[ci].name);
        let h = self.header(chain, ci, upper(&committee));
        let number = format!("Số {}", doc_number(e).unwrap_or_else(|| "…-NQ/ĐU".into()));
        let mut p = Self::page(form, h, Some(number), doc_date(e));
        p.title = "NGHỊ QUYẾT".into();
        p.subtitle = vec!["Đề nghị kết nạp đảng viên".into()];
        let decision = self.latest(StepKind::AdmissionDecided);
        let up = match decision.map(|d| &d.kind) {
            Some(EventKind::AdmissionDecided { level, .. }) => {
                Self::decider(chain, *level).map(|i| Self::deciding_body(*level, &chain[i]))
            }
            _ => chain
                .get(ci + 1)
                .filter(|u| u.kind != OrgKind::Central)
                .map(|u| Self::deciding_body(DecisionLevel::DirectSuperior, u)),
        }
        .unwrap_or_else(|| "cấp ủy có thẩm quyền".into());
        let vote_number = doc_number(vote)
            .map(|n| format!(" (số {n})"))
            .unwrap_or_default();
        p.body = vec![
            Paragraph::body()
                .t(format!(
                    "{}, {} đã họp xét đề nghị của {} về việc kết nạp quần chúng ",
                    capitalise(&long_date(e.date)),
                    committee,
                    chain[0].name
                ))
                .b(c.full_name.clone())
                .t(format!(", {}, vào Đảng Cộng sản Việt Nam.", self.born(c))),
            Paragraph::body().t(format!("Tổng số cấp ủy viên: {members} đồng chí.")),
            Paragraph::body().t(format!(
                "Căn cứ Nghị quyết đề nghị kết nạp đảng viên của {} ngày {}{vote_number} và hồ sơ của người xin vào Đảng, {} kết luận:",
                chain[0].name,
                short(vote.date),
                committee
            )),
            Paragraph::body().t(format!("1. Những ưu điểm, khuyết điểm chính: {BLANK}")),
            Paragraph::body()
                .t(format!(
                    "2. Số cấp ủy viên tán thành việc kết nạp quần chúng {} vào Đảng: ",
                    c.full_name
                ))
                .b(format!("{in_favour}/{members}"))
                .t(format!(
                    " đồng chí (đạt {}); số không tán thành: {BLANK}.",
                    percent(in_favour, members)
                )),
            Paragraph::body().t(format!(
                "{committee} đề nghị {up} xem xét, quyết định kết nạp quần chúng {} vào Đảng Cộng sản Việt Nam.",
                c.full_name
            )),
        ];
        p.recipients = vec![
            "Nơi nhận:".into(),
            format!("- {up},"),
            format!("- {},", chain[0].name),
            "- Lưu văn phòng đảng ủy.".into(),
        ];
        p.signature = vec!["T/M ĐẢNG ỦY".into(), "BÍ THƯ".into()];
        self.finish(form, vec![p])
    }

    // ---- 9-KNĐ ----------------------------------------------------------------------------

    fn knd9(mut self) -> Result<Document, Vec<FormField>> {
        let form = PrintForm::Knd9;
        let c = &self.src.candidate;
        let e = self.need(StepKind::AdmissionDecided, FormField::AdmissionDecision);
        let vote = self.need(StepKind::BranchVoted, FormField::BranchVote);
        let number = e.and_then(doc_number);
        if e.is_some() && number.is_none() {
            self.miss(FormField::AdmissionDecisionNumber);
        }
        let (Some(e), Some(vote)) = (e, vote) else {
            return self.finish(form, vec![]);
        };
        let EventKind::AdmissionDecided { level, .. } = e.kind else {
            return self.finish(form, vec![]);
        };
        let Some(chain) = self.chain(e.date) else {
            return self.finish(form, vec![]);
        };
        let Some(di) = Self::decider(chain, level) else {
            self.miss(FormField::DecidingCommittee);
            return self.finish(form, vec![]);
        };
        let body_name = Self::deciding_body(level, &chain[di]);
        let h = self.header(chain, di, upper(&executive_name(&chain[di].name)));
        let mut p = Self::page(
            form,
            h,
            Some(format!("Số {}", number.unwrap_or_default())),
            doc_date(e),
        );
        p.title = "QUYẾT ĐỊNH".into();
        p.subtitle = vec!["Kết nạp đảng viên".into()];
        let rules = RuleSet::for_date(e.date);
        let mut basis = format!(
            "- Xét Nghị quyết đề nghị kết nạp đảng viên của {} ngày {}",
            chain[0].name,
            short(vote.date)
        );
        if let (Some(r), Some(ci)) = (
            self.latest(StepKind::CommitteeResolved),
            Self::committee(chain),
        ) {
            basis.push_str(&format!(
                " và của {} ngày {}",
                executive_name(&chain[ci].name),
                short(r.date)
            ));
        }
        basis.push(';');
        let grassroots = Self::committee(chain).map(|i| executive_name(&chain[i].name));
        let mut executors = vec![];
        executors.extend(grassroots.clone());
        executors.push(chain[0].name.clone());
        p.body = vec![
            Paragraph::body().t("- Căn cứ Điều lệ Đảng Cộng sản Việt Nam;"),
            Paragraph::body().t(format!("- Căn cứ {};", cited(rules.implementing))),
            Paragraph::body().t(basis),
            Paragraph::body().t(format!(
                "- Xét đề nghị của ban tổ chức (văn phòng) {},",
                executive_name(&chain[di].name)
            )),
            Paragraph::new(Align::Center, false).b(upper(&body_name)),
            Paragraph::new(Align::Center, false).b("QUYẾT ĐỊNH"),
            Paragraph::body()
                .b("Điều 1. ")
                .t("Kết nạp quần chúng ")
                .b(c.full_name.clone())
                .t(format!(
                    ", {}, nơi ở hiện nay: {}, vào Đảng Cộng sản Việt Nam.",
                    self.born(c),
                    Self::residence(c)
                )),
            Paragraph::body().b("Điều 2. ").t(format!(
                "{} tổ chức lễ kết nạp theo quy định. Thời gian dự bị của đồng chí {} là 12 tháng, kể từ ngày chi bộ tổ chức lễ kết nạp.",
                chain[0].name, c.full_name
            )),
            Paragraph::body().b("Điều 3. ").t(format!(
                "{} và đồng chí {} thi hành quyết định này.",
                executors.join(", "),
                c.full_name
            )),
        ];
        p.recipients = vec![
            "Nơi nhận:".into(),
            "- Như Điều 3,".into(),
            "- Lưu hồ sơ đảng viên.".into(),
        ];
        p.signature = Self::signature_of(level);
        p.signer_note = "(Ký tên, đóng dấu)".into();
        self.finish(form, vec![p])
    }

    // ---- 16-KNĐ ---------------------------------------------------------------------------

    fn knd16(mut self) -> Result<Document, Vec<FormField>> {
        let form = PrintForm::Knd16;
        let c = &self.src.candidate;
        let e = self.need(StepKind::RecognitionDecided, FormField::RecognitionDecision);
        let vote = self.need(StepKind::RecognitionVoted, FormField::RecognitionVote);
        let number = e.and_then(doc_number);
        if e.is_some() && number.is_none() {
            self.miss(FormField::RecognitionDecisionNumber);
        }
        let level = match self.latest(StepKind::AdmissionDecided).map(|d| &d.kind) {
            Some(EventKind::AdmissionDecided { level, .. }) => Some(*level),
            _ => {
                self.miss(FormField::AdmissionDecision);
                None
            }
        };
        let dates = &self.src.state.dates;
        let (ceremony, official_from, party_age) =
            (dates.ceremony, dates.official_from, dates.party_age_from);
        if ceremony.is_none() {
            self.miss(FormField::Ceremony);
        }
        let (Some(e), Some(vote), Some(level), Some(ceremony)) = (e, vote, level, ceremony) else {
            return self.finish(form, vec![]);
        };
        let Some(chain) = self.chain(e.date) else {
            return self.finish(form, vec![]);
        };
        let Some(di) = Self::decider(chain, level) else {
            self.miss(FormField::DecidingCommittee);
            return self.finish(form, vec![]);
        };
        let body_name = Self::deciding_body(level, &chain[di]);
        let h = self.header(chain, di, upper(&executive_name(&chain[di].name)));
        let mut p = Self::page(
            form,
            h,
            Some(format!("Số {}", number.unwrap_or_default())),
            doc_date(e),
        );
        p.title = "QUYẾT ĐỊNH".into();
        p.subtitle = vec!["Công nhận đảng viên chính thức".into()];
        let rules = RuleSet::for_date(e.date);
        let official_from = official_from.unwrap_or(crate::calendar::add_months(ceremony, 12));
        let mut article1 = Paragraph::body()
            .b("Điều 1. ")
            .t("Công nhận đồng chí ")
            .b(c.full_name.clone())
            .t(format!(
                ", {}, vào Đảng ngày {}, là đảng viên chính thức kể từ ngày {}.",
                self.born(c),
                short(ceremony),
                short(official_from)
            ));
        if let Some(age) = party_age {
            article1 = article1.t(format!(" Tuổi đảng tính từ ngày {}.", short(age)));
        }
        let grassroots = Self::committee(chain).map(|i| executive_name(&chain[i].name));
        let mut executors = vec![];
        executors.extend(grassroots);
        executors.push(chain[0].name.clone());
        p.body = vec![
            Paragraph::body().t("- Căn cứ Điều lệ Đảng Cộng sản Việt Nam;"),
            Paragraph::body().t(format!("- Căn cứ {};", cited(rules.implementing))),
            Paragraph::body().t(format!(
                "- Xét Nghị quyết đề nghị công nhận đảng viên chính thức của {} ngày {};",
                chain[0].name,
                short(vote.date)
            )),
            Paragraph::body().t(format!(
                "- Xét đề nghị của ban tổ chức (văn phòng) {},",
                executive_name(&chain[di].name)
            )),
            Paragraph::new(Align::Center, false).b(upper(&body_name)),
            Paragraph::new(Align::Center, false).b("QUYẾT ĐỊNH"),
            article1,
            Paragraph::body().b("Điều 2. ").t(format!(
                "{} và đồng chí {} thi hành quyết định này.",
                executors.join(", "),
                c.full_name
            )),
        ];
        p.recipients = vec![
            "Nơi nhận:".into(),
            "- Như Điều 2,".into(),
            "- Lưu hồ sơ đảng viên.".into(),
        ];
        p.signature = Self::signature_of(level);
        p.signer_note = "(Ký tên, đóng dấu)".into();
        self.finish(form, vec![p])
    }
}

/// The field a form's own step stands for (when nothing else is named).
fn form_step_field(form: PrintForm) -> FormField {
    match form {
        PrintForm::Knd3 => FormField::Introduction,
        PrintForm::Knd5 => FormField::Comments,
        PrintForm::Knd6 => FormField::BranchVote,
        PrintForm::Knd8 => FormField::CommitteeResolution,
        PrintForm::Knd9 => FormField::AdmissionDecision,
        PrintForm::Knd16 => FormField::RecognitionDecision,
    }
}

/// "Ngày 05 tháng 03 năm 2024" at the start of a sentence.
fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The form filled from the case, or the recorded data it still lacks (sorted, no
/// duplicates, never empty).
pub fn render(
    src: &FormSource,
    form: PrintForm,
    opts: RenderOptions,
) -> Result<Document, Vec<FormField>> {
    let r = Render {
        src,
        opts,
        missing: BTreeSet::new(),
    };
    match form {
        PrintForm::Knd3 => r.knd3(),
        PrintForm::Knd5 => r.knd5(),
        PrintForm::Knd6 => r.knd6(),
        PrintForm::Knd8 => r.knd8(),
        PrintForm::Knd9 => r.knd9(),
        PrintForm::Knd16 => r.knd16(),
    }
}

/// Whether a form applies to the case at all: 8-KNĐ only for a branch under a grassroots
/// committee (judged on the resolution's, else the vote's date, else `as_of`).
pub fn applicable(src: &FormSource, form: PrintForm) -> bool {
    if form != PrintForm::Knd8 {
        return true;
    }
    let r = Render {
        src,
        opts: RenderOptions::default(),
        missing: BTreeSet::new(),
    };
    let on = r
        .latest(StepKind::CommitteeResolved)
        .or_else(|| r.latest(StepKind::BranchVoted))
        .map_or(src.as_of, |e| e.date);
    let branch = branch_on(&src.state, src.origin_branch, on);
    match src.chains.get(&(branch, on)) {
        Some(chain) => Render::committee(chain).is_some(),
        // Unknown structure: let the render name what is missing.
        None => true,
    }
}

/// Một biểu mẫu — whether a form can be printed, and if not, what to record first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FormStatus {
    pub form: PrintForm,
    /// ASCII code for file names and URLs (`6-KND`).
    pub slug: &'static str,
    pub title_vi: &'static str,
    pub title_en: &'static str,
    /// False for a form that does not apply to the case (8-KNĐ for a grassroots branch).
    pub applicable: bool,
    pub ready: bool,
    /// Pages (3-KNĐ: one per member introducer).
    pub pages: usize,
    pub missing: Vec<MissingField>,
}

/// The status of every printable form of the case.
pub fn statuses(src: &FormSource) -> Vec<FormStatus> {
    PrintForm::ALL
        .into_iter()
        .map(|form| {
            let applicable = applicable(src, form);
            let (ready, pages, missing) = match render(src, form, RenderOptions::default()) {
                Ok(doc) => (true, doc.pages.len(), vec![]),
                Err(m) => (false, 0, m.into_iter().map(MissingField::from).collect()),
            };
            FormStatus {
                form,
                slug: form.slug(),
                title_vi: form.title_vi(),
                title_en: form.title_en(),
                applicable,
                ready,
                pages,
                missing,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
