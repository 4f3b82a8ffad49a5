//! Shared by the exchange suites: a small tree and spreadsheets with Vietnamese headers.
#![allow(dead_code)]

use ketnap_exchange::mapping::{MappedKind, MappedOptions, MappedReport, import_mapped};
use ketnap_exchange::{ExchangeError, ImportOptions};
use ketnap_store::Store;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

pub const ORGS_VI: &str = "Mã,Tên,Loại,Lĩnh vực,Mã cấp trên,Từ ngày\n\
TW,Trung ương,central,nation,,2016-01-01\n\
T01,Đảng bộ tỉnh Một,Đảng bộ tỉnh/thành phố,\"Tỉnh, thành phố\",TW,2016-01-01\n\
H01,Đảng bộ huyện Một,direct_committee,district,T01,2016-01-01\n\
X01,Đảng bộ xã Một,grassroots_committee,commune,H01,2016-01-01\n\
X01.01,Chi bộ thôn Một,branch,village,X01,2016-01-01\n";

pub fn opts(dry_run: bool) -> MappedOptions {
    MappedOptions {
        import: ImportOptions {
            dry_run,
            actor: "test".into(),
            source: "test.xlsx".into(),
        },
        ..MappedOptions::default()
    }
}

pub async fn run(
    s: &Store,
    kind: MappedKind,
    data: &[u8],
    dry_run: bool,
) -> Result<MappedReport, ExchangeError> {
    import_mapped(s, kind, data, &opts(dry_run)).await
}

/// A members sheet as a committee keeps it: a title row, an ordinal column, Vietnamese headers,
/// CCCDs typed as numbers (the leading zero lost) and real date cells.
/// (name, CCCD as a number, sex, birth date as (year, month, day)).
pub type MemberRow<'a> = (&'a str, f64, &'a str, (u16, u8, u8));

pub fn members_xlsx(rows: &[MemberRow<'_>]) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let headers = [
        "STT",
        "Họ và tên",
        "Số CCCD",
        "Giới tính",
        "Ngày sinh",
        "Dân tộc",
        "Tôn giáo",
        "Giáo dục phổ thông",
        "Trình độ chuyên môn",
        "Lý luận chính trị",
        "Nghề nghiệp",
        "Chi bộ",
        "Từ ngày",
        "Ghi chú",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(1, c as u16, *h)?;
    }
    ws.write_string(0, 0, "DANH SÁCH ĐẢNG VIÊN")?;
    for (i, (name, cccd, sex, (y, m, d))) in rows.iter().enumerate() {
        let r = i as u32 + 2;
        ws.write_number(r, 0, (i + 1) as f64)?;
        ws.write_string(r, 1, *name)?;
        ws.write_number(r, 2, *cccd)?;
        ws.write_string(r, 3, *sex)?;
        ws.write_datetime_with_format(r, 4, ExcelDateTime::from_ymd(*y, *m, *d)?, &date)?;
        ws.write_string(r, 5, "Kinh")?;
        ws.write_string(r, 6, "Không")?;
        ws.write_string(r, 7, "Trung học phổ thông")?;
        ws.write_string(r, 8, "Đại học")?;
        ws.write_string(r, 9, "Sơ cấp")?;
        ws.write_string(r, 10, "Nông dân")?;
        ws.write_string(r, 11, "X01.01")?;
        ws.write_string(r, 12, "01/01/2020")?;
    }
    Ok(wb.save_to_buffer()?)
}
