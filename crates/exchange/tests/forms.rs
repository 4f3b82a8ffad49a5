//! The dossier forms as DOCX on both engines: a case at the branch vote prints 3-, 5- and
//! 6-KNĐ; the file is a WordprocessingML package whose XML parts are well-formed and hold the
//! values exactly (Vietnamese diacritics, the date line, an escaped `<&>`); a form the case is
//! not ready for is refused with its missing fields and neither written nor audited; a print is
//! audited (`case.print`); masked roles get birth years only.

use std::io::Read;

use ketnap_domain::pipeline::forms::PrintForm;
use ketnap_exchange::forms::{self, PrintError};
use ketnap_exchange::testing::{CANDIDATE, ODD_INTRODUCER, forms_case};
use ketnap_store::testing::test_stores;
use quick_xml::Reader;
use quick_xml::events::Event;

type R = Result<(), Box<dyn std::error::Error>>;

fn d(y: i32, m: u32, day: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

/// The parts of a zip file, by name.
fn unzip(bytes: &[u8]) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    let mut out = vec![];
    for i in 0..z.len() {
        let mut f = z.by_index(i)?;
        let name = f.name()?.to_string();
        let mut text = String::new();
        f.read_to_string(&mut text)?;
        out.push((name, text));
    }
    Ok(out)
}

/// Parses `xml` strictly (every tag closed in order, one root, only the predefined entities)
/// and returns the text of each `w:t` element, entities resolved.
fn well_formed_texts(xml: &str) -> Result<Vec<String>, String> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<String> = vec![];
    let mut roots = 0;
    let mut texts = vec![];
    let mut current: Option<String> = None;
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("not well-formed: {e}"))?
        {
            Event::Start(s) => {
                let name = s.name().as_ref().to_string();
                if stack.is_empty() {
                    roots += 1;
                }
                if name == "w:t" {
                    current = Some(String::new());
                }
                stack.push(name);
            }
            Event::Empty(_) if stack.is_empty() => roots += 1,
            Event::End(e) => {
                let name = e.name().as_ref().to_string();
                if stack.pop().as_deref() != Some(name.as_str()) {
                    return Err(format!("</{name}> does not close the open element"));
                }
                if name == "w:t" {
                    texts.extend(current.take());
                }
            }
            Event::Text(t) => {
                if let Some(c) = current.as_mut() {
                    c.push_str(&t);
                }
            }
            Event::GeneralRef(r) => {
                let c = match &*r {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    other => match r.resolve_char_ref() {
                        Ok(Some(c)) => c,
                        _ => return Err(format!("unknown entity &{other};")),
                    },
                };
                if let Some(cur) = current.as_mut() {
                    cur.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed elements: {stack:?}"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(texts)
}

#[test]
fn the_checker_refuses_broken_xml() {
    assert!(well_formed_texts("<a><w:t>x</w:t></a>").is_ok());
    assert!(well_formed_texts("<a><w:t>x & y</w:t></a>").is_err());
    assert!(well_formed_texts("<a><w:t>x</a></w:t>").is_err());
    assert!(well_formed_texts("<a><b></a>").is_err());
    assert!(well_formed_texts("<a/><b/>").is_err());
    assert_eq!(
        well_formed_texts("<a><w:t>x &amp; &lt;y&gt;</w:t></a>"),
        Ok(vec!["x & <y>".to_string()])
    );
}

#[tokio::test]
async fn forms_print_as_well_formed_docx_with_the_values() -> R {
    for db in test_stores().await? {
        let s = &db.store;
        let f = forms_case(s).await?;
        let on = d(2024, 3, 10);

        // Which forms are ready: those of the steps recorded so far.
        let list = forms::list(s, f.case_id, on).await?;
        let ready: Vec<&str> = list
            .iter()
            .filter(|x| x.ready)
            .map(|x| x.form.code())
            .collect();
        assert_eq!(ready, ["3-KNĐ", "5-KNĐ", "6-KNĐ"], "{list:?}");
        let k8 = list.iter().find(|x| x.form == PrintForm::Knd8).ok_or("8")?;
        assert!(k8.applicable);
        assert_eq!(k8.missing[0].field, "committee_resolution");

        // 6-KNĐ: the package, well-formed XML, the values exactly.
        let p = forms::print(s, f.case_id, PrintForm::Knd6, on, false, "chibo").await?;
        assert_eq!(p.file_name, format!("ho-so-{}-6-KND.docx", f.case_id));
        assert_eq!(&p.bytes[..2], b"PK");
        let parts = unzip(&p.bytes)?;
        let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
        for want in [
            "[Content_Types].xml",
            "_rels/.rels",
            "word/document.xml",
            "word/_rels/document.xml.rels",
            "word/styles.xml",
        ] {
            assert!(names.contains(&want), "{want} not in {names:?}");
        }
        for (name, xml) in &parts {
            well_formed_texts(xml).map_err(|e| format!("{name}: {e}"))?;
        }
        let doc = &parts
            .iter()
            .find(|(n, _)| n == "word/document.xml")
            .ok_or("doc")?
            .1;
        let styles = &parts
            .iter()
            .find(|(n, _)| n == "word/styles.xml")
            .ok_or("styles")?
            .1;
        assert!(styles.contains("w:ascii=\"Times New Roman\""), "{styles}");
        assert!(styles.contains("<w:sz w:val=\"28\"/>"), "14 pt: {styles}");
        let texts = well_formed_texts(doc)?;
        for want in [
            "Mẫu 6-KNĐ",
            "ĐẢNG CỘNG SẢN VIỆT NAM",
            "ĐẢNG BỘ XÃ A LÙ",
            "CHI BỘ THÔN PHÌN CHẢI",
            "Số 20-NQ/CB",
            "A Lù, ngày 05 tháng 03 năm 2024",
            CANDIDATE,
            "8/9",
        ] {
            assert!(
                texts.iter().any(|t| t == want),
                "{want:?} not a whole run in {texts:?}"
            );
        }
        let all = texts.concat();
        assert!(all.contains("sinh ngày 10/05/1998"), "{all}");
        assert!(all.contains("(đạt 88,8% so với tổng số"), "{all}");
        assert!(
            all.contains("Chi bộ đề nghị Đảng ủy xã A Lù xem xét"),
            "{all}"
        );
        // The introducer whose name holds markup: escaped in the XML, exact in the text.
        assert!(all.contains(&format!("đồng chí {ODD_INTRODUCER}")), "{all}");
        assert!(doc.contains("Vàng &lt;A&gt; &amp; Páo"), "not escaped");
        assert!(!doc.contains(ODD_INTRODUCER));

        // 3-KNĐ: one page per introducer, the second signed by the odd name.
        let p3 = forms::print(s, f.case_id, PrintForm::Knd3, on, false, "chibo").await?;
        assert_eq!(p3.pages, 2);
        let parts = unzip(&p3.bytes)?;
        let doc3 = &parts
            .iter()
            .find(|(n, _)| n == "word/document.xml")
            .ok_or("doc")?
            .1;
        let texts3 = well_formed_texts(doc3)?;
        assert!(texts3.iter().any(|t| t == ODD_INTRODUCER), "{texts3:?}");
        assert_eq!(doc3.matches("w:type=\"page\"").count(), 1);

        // Deterministic: the same print twice gives the same bytes.
        let again = forms::print(s, f.case_id, PrintForm::Knd6, on, false, "chibo").await?;
        assert_eq!(again.bytes, p.bytes);

        // Masked roles: the birth year only.
        let masked = forms::print(s, f.case_id, PrintForm::Knd6, on, true, "trungtam").await?;
        let parts = unzip(&masked.bytes)?;
        let docm = &parts
            .iter()
            .find(|(n, _)| n == "word/document.xml")
            .ok_or("doc")?
            .1;
        assert!(!docm.contains("10/05/1998") && docm.contains("sinh năm 1998"));

        // Printing is a view of the dossier: audited, with the form.
        let audit = s.audit_person(f.candidate, 50).await?;
        let prints: Vec<_> = audit.iter().filter(|a| a.action == "case.print").collect();
        assert_eq!(prints.len(), 4, "{audit:?}");
        assert!(
            prints
                .iter()
                .any(|a| a.actor == "trungtam" && a.detail.contains("6-KNĐ"))
        );

        // Not ready: refused with the missing fields, nothing audited.
        match forms::print(s, f.case_id, PrintForm::Knd9, on, false, "chibo").await {
            Err(PrintError::Incomplete { form, missing }) => {
                assert_eq!(form, PrintForm::Knd9);
                let fields: Vec<&str> = missing.iter().map(|m| m.field).collect();
                assert_eq!(fields, ["admission_decision"]);
                assert_eq!(
                    missing[0].label_vi,
                    "Quyết định kết nạp: ngày quyết định, cấp quyết định"
                );
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        let after = s.audit_person(f.candidate, 50).await?;
        assert_eq!(
            after.iter().filter(|a| a.action == "case.print").count(),
            4,
            "a refusal is not audited"
        );
    }
    Ok(())
}
