//! Ngôn ngữ — the one catalog of the pages' own words: Vietnamese first, English with `?lang=en`
//! (remembered in the `ketnap_lang` cookie). Domain labels (stages, steps, forms) come from the
//! domain's `label_vi` / `label_en`.

/// The language of a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

/// The cookie that remembers the language.
pub const LANG_COOKIE: &str = "ketnap_lang";

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim() {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The other language (for the switch in the header).
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    /// The catalog's text for `key` (the key itself when missing, which a test forbids).
    pub fn t(self, key: &'static str) -> &'static str {
        match CATALOG.iter().find(|(k, _, _)| *k == key) {
            Some((_, vi, en)) => match self {
                Lang::Vi => vi,
                Lang::En => en,
            },
            None => key,
        }
    }

    /// Picks between a Vietnamese and an English label given by the domain.
    pub fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }
}

/// (key, Vietnamese, English).
pub const CATALOG: &[(&str, &str, &str)] = &[
    (
        "app.title",
        "Phát triển đảng viên",
        "Party-member development",
    ),
    ("nav.todo", "Việc cần làm", "To do"),
    ("nav.candidates", "Quần chúng", "Candidates"),
    ("nav.board", "Bảng theo bước", "Board"),
    ("nav.orgs", "Tổ chức", "Organizations"),
    ("nav.targets", "Chỉ tiêu", "Targets"),
    ("nav.dashboard", "Tổng quan", "Dashboard"),
    ("nav.reports", "Báo cáo", "Reports"),
    ("nav.search", "Tìm kiếm", "Search"),
    ("nav.courses", "Lớp bồi dưỡng", "Courses"),
    ("nav.users", "Người dùng", "Users"),
    ("nav.audit", "Nhật ký", "Audit trail"),
    ("nav.logout", "Đăng xuất", "Sign out"),
    ("nav.menu", "Danh mục", "Menu"),
    ("lang.switch", "English", "Tiếng Việt"),
    ("common.unit", "Đơn vị", "Unit"),
    ("common.as_of", "Tính đến ngày", "As of"),
    ("common.show", "Xem", "Show"),
    ("common.save", "Lưu", "Save"),
    ("common.name", "Họ và tên", "Full name"),
    ("common.branch", "Chi bộ", "Branch"),
    ("common.stage", "Giai đoạn", "Stage"),
    ("common.date", "Ngày", "Date"),
    ("common.all", "Tất cả", "All"),
    ("common.none", "Không có", "None"),
    ("common.code", "Mã", "Code"),
    ("common.count", "Số lượng", "Count"),
    ("common.period", "Kỳ", "Period"),
    ("common.print", "In", "Print"),
    ("common.back", "Quay lại", "Back"),
    ("common.year_born", "Năm sinh", "Born"),
    ("common.filter", "Lọc", "Filter"),
    ("common.kind", "Loại", "Kind"),
    ("todo.title", "Việc cần làm", "What is due"),
    (
        "todo.empty",
        "Không có việc nào đến hạn.",
        "Nothing is due.",
    ),
    ("todo.open", "Mở bước tiếp theo", "Next step"),
    ("todo.due_on", "Hạn", "Due"),
    (
        "cand.title",
        "Quần chúng ưu tú và hồ sơ kết nạp",
        "Candidates and their cases",
    ),
    ("cand.add", "Thêm quần chúng", "Add a candidate"),
    ("cand.opened", "Vào nguồn", "Listed"),
    ("cand.last_event", "Sự kiện gần nhất", "Last event"),
    ("cand.deadline", "Hạn gần nhất", "Next deadline"),
    ("cand.empty", "Chưa có hồ sơ nào.", "No cases yet."),
    (
        "cand.search",
        "Tên (không dấu cũng được)",
        "Name (diacritics optional)",
    ),
    (
        "new.title",
        "Thêm quần chúng vào danh sách nguồn",
        "Put a person on the source list",
    ),
    ("new.person", "Thông tin cá nhân", "The person"),
    ("new.case", "Đưa vào danh sách nguồn", "Source listing"),
    ("new.sex", "Giới tính", "Sex"),
    (
        "new.birth",
        "Ngày sinh (dd/mm/yyyy)",
        "Birth date (dd/mm/yyyy)",
    ),
    (
        "new.cccd",
        "Số CCCD (12 chữ số, nếu có)",
        "CCCD (12 digits, if known)",
    ),
    ("new.ethnic", "Dân tộc", "Ethnic group"),
    ("new.religion", "Tôn giáo", "Religion"),
    ("new.education", "Giáo dục phổ thông", "General education"),
    ("new.qualification", "Chuyên môn", "Qualification"),
    ("new.occupation", "Nghề nghiệp", "Occupation"),
    ("new.youth", "Đoàn viên", "Youth Union member"),
    ("new.proposed_by", "Tổ chức giới thiệu", "Proposed by"),
    (
        "new.listed_on",
        "Ngày đưa vào nguồn (dd/mm/yyyy)",
        "Listing date (dd/mm/yyyy)",
    ),
    ("new.submit", "Thêm và mở hồ sơ", "Add and open the case"),
    ("case.title", "Hồ sơ", "Case"),
    ("case.timeline", "Diễn biến", "Timeline"),
    ("case.checklist", "Danh mục hồ sơ", "Dossier checklist"),
    ("case.due", "Việc đến hạn", "What is due"),
    ("case.next", "Bước tiếp theo", "Next step"),
    ("case.step", "Bước", "Step"),
    ("case.doc_no", "Số văn bản", "Document number"),
    ("case.record", "Ghi nhận", "Record"),
    (
        "case.refused",
        "Không ghi nhận được: vi phạm quy định",
        "Refused by the rules",
    ),
    ("case.rule", "Quy định", "Rule"),
    ("case.article", "Điều khoản", "Article"),
    ("case.facts", "Dữ kiện", "Facts"),
    ("case.recorded", "Đã ghi nhận.", "Recorded."),
    ("case.actor", "Người ghi", "Recorded by"),
    ("case.present", "Có", "Present"),
    ("case.missing", "Thiếu", "Missing"),
    ("case.forms", "In biểu mẫu", "Print forms"),
    (
        "case.forms_hint",
        "Tệp Word (DOCX) điền sẵn từ hồ sơ; phần nhận xét để viết tay.",
        "Word files (DOCX) pre-filled from the case; assessments are left to be handwritten.",
    ),
    ("case.form_missing", "Còn thiếu", "Still needs"),
    ("case.mentor", "Đảng viên giúp đỡ", "Mentor"),
    ("case.step_fields", "Thông tin của bước", "Step details"),
    (
        "case.certificate_no",
        "Số giấy chứng nhận",
        "Certificate number",
    ),
    ("case.issued", "Ngày cấp", "Issued on"),
    (
        "case.conclusion_ok",
        "Kết luận thẩm tra: đạt",
        "Verification passed",
    ),
    (
        "case.introducer",
        "Người / tổ chức giới thiệu",
        "Introduced by",
    ),
    (
        "case.introducer_person",
        "Đảng viên giới thiệu",
        "Introducing member",
    ),
    (
        "case.worked_since",
        "Cùng công tác từ ngày",
        "Worked together since",
    ),
    (
        "case.resolution_no",
        "Số nghị quyết giới thiệu",
        "Introduction resolution number",
    ),
    (
        "case.present_count",
        "Số đảng viên có mặt",
        "Members present",
    ),
    ("case.in_favour", "Số tán thành", "In favour"),
    ("case.against", "Số không tán thành", "Against"),
    (
        "case.committee_members",
        "Số cấp ủy viên",
        "Committee members",
    ),
    ("case.level", "Cấp quyết định", "Deciding level"),
    (
        "case.received",
        "Ngày chi bộ nhận quyết định",
        "Received by the branch on",
    ),
    ("case.grounds", "Lý do", "Grounds"),
    (
        "case.reason",
        "Lý do (đính chính, hủy bỏ)",
        "Reason (corrections, retractions)",
    ),
    ("case.rule_set", "Quy định áp dụng", "Rules in force"),
    ("case.person", "Người", "Person"),
    ("board.title", "Bảng theo giai đoạn", "Board by stage"),
    ("org.title", "Cây tổ chức", "Organization tree"),
    ("org.depth", "Số cấp", "Levels"),
    ("org.members", "Đảng viên", "Members"),
    ("org.localities", "Địa bàn", "Localities"),
    (
        "org.lineage",
        "Lịch sử (hợp nhất, chia tách)",
        "Lineage (mergers, splits)",
    ),
    ("org.names", "Tên qua các thời kỳ", "Names over time"),
    ("org.parents", "Trực thuộc", "Superiors"),
    ("org.predecessors", "Tiền thân", "Predecessors"),
    ("org.successors", "Kế thừa", "Successors"),
    ("org.children", "Tổ chức trực thuộc", "Units below"),
    ("org.ops", "Thao tác cơ cấu tổ chức", "Structure operations"),
    ("org.rename", "Đổi tên", "Rename"),
    ("org.new_name", "Tên mới", "New name"),
    (
        "org.effective",
        "Có hiệu lực từ (dd/mm/yyyy)",
        "Effective from (dd/mm/yyyy)",
    ),
    ("org.coverage", "Phủ sóng địa bàn", "Coverage"),
    (
        "org.done",
        "Đã thực hiện thao tác cơ cấu.",
        "The structure operation was done.",
    ),
    (
        "org.create",
        "Thành lập tổ chức trực thuộc",
        "Create a unit below (thành lập)",
    ),
    ("org.new_code", "Mã đơn vị mới", "New unit's code"),
    ("org.unit_name", "Tên đơn vị", "Unit name"),
    ("org.sector", "Loại hình", "Sector"),
    ("org.move", "Điều chuyển", "Move (điều chuyển)"),
    (
        "org.new_parent",
        "Mã tổ chức cấp trên mới",
        "New superior's code",
    ),
    (
        "org.merge",
        "Hợp nhất, sáp nhập",
        "Merge (hợp nhất, sáp nhập)",
    ),
    (
        "org.merge_others",
        "Mã các đơn vị hợp nhất cùng đơn vị này (cách nhau bởi dấu phẩy)",
        "Codes of the units merged with this one (comma-separated)",
    ),
    (
        "org.merge_into",
        "Vào đơn vị đã có (mã; có thể là một trong các đơn vị trên)",
        "Into an existing unit (code; may be one of the above)",
    ),
    (
        "org.merge_new",
        "Hoặc vào đơn vị mới (cùng loại, cùng cấp trên)",
        "Or into a new unit (same kind and superior)",
    ),
    ("org.split", "Chia tách", "Split (chia tách)"),
    ("org.split_part", "Đơn vị mới", "New unit"),
    (
        "org.split_children",
        "Mã các tổ chức trực thuộc chuyển sang (cách nhau bởi dấu phẩy)",
        "Codes of the units below that go to it (comma-separated)",
    ),
    (
        "org.split_primary",
        "Kế thừa lịch sử của đơn vị bị chia tách",
        "Inherits the history of the unit split",
    ),
    (
        "org.split_continues",
        "Đơn vị bị chia tách vẫn tiếp tục hoạt động",
        "The unit split continues to exist",
    ),
    ("org.dissolve", "Giải thể", "Dissolve (giải thể)"),
    (
        "org.dissolve_note",
        "Chỉ giải thể được khi không còn tổ chức trực thuộc.",
        "Only a unit with no units left below it can be dissolved.",
    ),
    (
        "form.refused",
        "Không thực hiện được, chưa ghi gì:",
        "Refused, nothing was written:",
    ),
    ("person.title", "Hồ sơ cá nhân", "Person"),
    ("person.identity", "Thông tin cá nhân", "Identity"),
    ("person.birth", "Ngày sinh", "Birth date"),
    ("person.cccd", "Số CCCD", "CCCD (citizen ID)"),
    (
        "person.masked",
        "Số CCCD, ngày sinh, dân tộc và tôn giáo được che theo vai trò của bạn.",
        "The CCCD, birth date, ethnic group and religion are masked for your role.",
    ),
    ("person.theory", "Lý luận chính trị", "Political theory"),
    (
        "person.cases",
        "Hồ sơ phát triển đảng viên",
        "Admission cases",
    ),
    (
        "person.statuses",
        "Quá trình sinh hoạt đảng",
        "Party status history",
    ),
    ("person.from", "Từ ngày", "From"),
    ("person.to", "Đến ngày", "Until"),
    (
        "person.audit",
        "Nhật ký: sửa đổi và lượt xem hồ sơ",
        "Audit trail: changes and dossier views",
    ),
    ("status.candidate", "Quần chúng ưu tú", "Candidate"),
    (
        "status.probationary",
        "Đảng viên dự bị",
        "Probationary member",
    ),
    ("status.official", "Đảng viên chính thức", "Official member"),
    (
        "status.transferred_out",
        "Đã chuyển sinh hoạt đi",
        "Transferred out",
    ),
    ("status.removed", "Đã xóa tên", "Removed"),
    ("status.deceased", "Từ trần", "Deceased"),
    ("tgt.title", "Chỉ tiêu kết nạp", "Admission targets"),
    ("tgt.assigned", "Giao", "Assigned"),
    ("tgt.registered", "Đăng ký", "Registered"),
    ("tgt.admitted", "Đã kết nạp", "Admitted"),
    ("tgt.rate", "Đạt", "Achieved"),
    ("tgt.rank", "Hạng", "Rank"),
    (
        "tgt.reconciliation",
        "Đối chiếu chỉ tiêu giao",
        "Reconciliation of assigned targets",
    ),
    ("tgt.set", "Đặt chỉ tiêu", "Set targets"),
    ("tgt.saved", "Đã lưu chỉ tiêu.", "Targets saved."),
    ("dash.title", "Tổng quan", "Dashboard"),
    ("dash.achievement", "Kết quả", "Achievement"),
    ("dash.pace", "Tiến độ", "Pace"),
    ("dash.forecast", "Dự báo", "Forecast"),
    (
        "dash.ranking",
        "Xếp hạng đơn vị trực thuộc",
        "Ranking of the units below",
    ),
    (
        "dash.breakdown",
        "Cơ cấu đảng viên mới",
        "New members by characteristic",
    ),
    (
        "dash.chart",
        "Kết nạp so với chỉ tiêu",
        "Admitted against target",
    ),
    ("rep.title", "Báo cáo", "Reports"),
    ("rep.structure", "Cơ cấu tổ chức", "Structure"),
    ("rep.as_was", "Như tại thời điểm", "As it was"),
    (
        "rep.rebased",
        "Quy đổi theo hiện nay",
        "Re-based onto today",
    ),
    ("rep.export", "Tải về", "Download"),
    ("rep.print", "Bản in", "Print view"),
    (
        "search.title",
        "Tìm người và đơn vị",
        "Find people and units",
    ),
    (
        "search.q",
        "Họ tên, số CCCD hoặc tên đơn vị",
        "Name, CCCD or unit name",
    ),
    ("search.people", "Người", "People"),
    ("search.units", "Đơn vị", "Units"),
    ("search.status", "Tình trạng", "Status"),
    ("courses.title", "Lớp bồi dưỡng", "Courses"),
    ("courses.new", "Mở lớp", "New course"),
    ("courses.enrolled", "Học viên", "Enrolled"),
    ("courses.completed", "Hoàn thành", "Completed"),
    ("courses.starts", "Khai giảng", "Starts"),
    ("courses.ends", "Bế giảng", "Ends"),
    ("courses.done", "Đã ghi nhận.", "Recorded."),
    ("courses.name", "Tên lớp", "Course name"),
    ("courses.enrolments", "Học viên", "Enrolments"),
    ("courses.course", "Lớp", "Course"),
    ("courses.person", "Học viên", "Person"),
    ("courses.enrolled_on", "Ngày ghi danh", "Enrolled on"),
    ("courses.certificate", "Giấy chứng nhận", "Certificate"),
    ("courses.pending", "Đang học", "Not completed"),
    ("courses.enrol", "Ghi danh học viên", "Enrol a person"),
    (
        "courses.complete",
        "Ghi nhận hoàn thành và giấy chứng nhận",
        "Record completion and the certificate",
    ),
    ("users.title", "Người dùng", "Users"),
    ("users.new", "Tạo người dùng", "New user"),
    ("users.username", "Tên đăng nhập", "Username"),
    (
        "users.password",
        "Mật khẩu (ít nhất 10 ký tự)",
        "Password (10 characters or more)",
    ),
    ("users.role", "Vai trò", "Role"),
    ("users.disable", "Khóa", "Disable"),
    ("users.disabled", "Đã khóa", "Disabled"),
    ("users.active", "Đang dùng", "Active"),
    ("users.enable", "Mở khóa", "Enable"),
    (
        "users.enabled",
        "Đã mở khóa tài khoản.",
        "The account is enabled.",
    ),
    ("users.state", "Trạng thái", "State"),
    ("users.created", "Tạo lúc", "Created"),
    ("users.every_unit", "Mọi đơn vị", "Every unit"),
    (
        "users.no_password",
        "chưa có mật khẩu (chỉ dùng mã API)",
        "no password (API tokens only)",
    ),
    (
        "users.password_reset",
        "Đặt lại mật khẩu",
        "Reset the password",
    ),
    (
        "users.password_reset_note",
        "Mọi phiên đăng nhập của người này sẽ kết thúc; hãy báo mật khẩu mới cho họ trực tiếp.",
        "Every session of this user ends; give them the new password in person.",
    ),
    (
        "users.password_reset_done",
        "Đã đặt lại mật khẩu; các phiên đăng nhập cũ đã kết thúc.",
        "The password is reset; the old sessions have ended.",
    ),
    ("users.tokens", "Mã API", "API tokens"),
    ("users.token_name", "Tên mã", "Token name"),
    ("users.token_new", "Cấp mã API mới", "Create an API token"),
    (
        "users.token_once",
        "Mã API mới — chỉ hiển thị một lần, hãy sao chép ngay (gửi kèm: Authorization: Bearer …):",
        "The new API token — shown once, copy it now (send it as Authorization: Bearer …):",
    ),
    (
        "users.no_tokens",
        "Chưa có mã API nào.",
        "No API token yet.",
    ),
    ("users.last_used", "Dùng lần cuối", "Last used"),
    ("users.revoke", "Thu hồi", "Revoke"),
    ("users.revoked", "Đã thu hồi", "Revoked"),
    (
        "users.token_revoked",
        "Đã thu hồi mã API; các mã khác vẫn dùng được.",
        "The token is revoked; the others still work.",
    ),
    (
        "users.openapi",
        "Tài liệu API (OpenAPI)",
        "API documentation (OpenAPI)",
    ),
    (
        "audit.title",
        "Nhật ký thao tác và xem hồ sơ",
        "Audit trail",
    ),
    ("audit.at", "Thời điểm", "When"),
    ("audit.actor", "Người thực hiện", "Who"),
    ("audit.action", "Thao tác", "Action"),
    ("audit.entity", "Đối tượng", "Entity"),
    (
        "err.not_found",
        "Không tìm thấy trang hoặc hồ sơ này.",
        "This page or record was not found.",
    ),
    (
        "err.forbidden",
        "Bạn không có quyền xem trang này.",
        "You may not see this page.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_both_languages_filled() {
        for (i, (k, vi, en)) in CATALOG.iter().enumerate() {
            assert!(!vi.is_empty() && !en.is_empty(), "{k}");
            assert!(
                CATALOG.iter().skip(i + 1).all(|(k2, _, _)| k2 != k),
                "duplicate {k}"
            );
        }
        assert_eq!(Lang::En.t("nav.todo"), "To do");
        assert_eq!(Lang::Vi.t("nav.todo"), "Việc cần làm");
    }

    #[test]
    fn every_key_used_in_the_templates_is_in_the_catalog() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/ui");
        let mut missing = vec![];
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for part in text.split("t(\"").skip(1) {
                let key = part.split('"').next().unwrap_or("");
                if !CATALOG.iter().any(|(k, _, _)| *k == key) {
                    missing.push(key.to_string());
                }
            }
        }
        assert!(missing.is_empty(), "not in the catalog: {missing:?}");
    }
}
