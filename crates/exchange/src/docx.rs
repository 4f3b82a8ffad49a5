//! A dossier form as a Word document (DOCX): the [`Document`] the domain renders
//! (`ketnap_domain::pipeline::forms`) laid out as WordprocessingML, zipped with the `zip` crate.
//!
//! The package holds only what Word, LibreOffice and Google Docs need: `[Content_Types].xml`,
//! `_rels/.rels`, `word/document.xml`, `word/_rels/document.xml.rels` and `word/styles.xml`.
//! Layout as Vietnamese official documents have it: A4, margins 2 cm top and bottom, 3 cm left,
//! 1,5 cm right; Times New Roman 14 pt (13 pt for the recipients, 12 pt for the form's code);
//! the header as a borderless two-column table (issuing organization on the left, "ĐẢNG CỘNG
//! SẢN VIỆT NAM" and the place and date on the right); the signature block likewise under the
//! body. Every value is XML-escaped (and characters XML 1.0 cannot carry are dropped), so a
//! name holding `<&>` is printed as typed. The output is deterministic: the same document gives
//! the same bytes.

use std::io::Write;

use ketnap_domain::pipeline::forms::{Align, Document, Page, Paragraph, Run};

/// The MIME type of a DOCX file.
pub const CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

const FONT: &str = "Times New Roman";
/// Body text: 14 pt (half-points).
const SIZE: u32 = 28;
/// The recipients ("Nơi nhận"): 12 pt.
const SIZE_SMALL: u32 = 24;
/// The text width on A4 with 3 cm + 1,5 cm margins, in twentieths of a point.
const TEXT_WIDTH: u32 = 11906 - 1701 - 850;
const LEFT_COL: u32 = 4300;

/// Escapes text for XML content and attribute values; drops characters XML 1.0 forbids
/// (control characters other than tab, line feed and carriage return, which become spaces).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Formatting of a run.
#[derive(Clone, Copy, Default)]
struct Fmt {
    bold: bool,
    italic: bool,
    underline: bool,
    size: Option<u32>,
}

impl Fmt {
    fn b() -> Self {
        Fmt {
            bold: true,
            ..Fmt::default()
        }
    }
}

fn run(out: &mut String, text: &str, f: Fmt) {
    out.push_str("<w:r>");
    if f.bold || f.italic || f.underline || f.size.is_some() {
        out.push_str("<w:rPr>");
        if f.bold {
            out.push_str("<w:b/><w:bCs/>");
        }
        if f.italic {
            out.push_str("<w:i/><w:iCs/>");
        }
        if f.underline {
            out.push_str("<w:u w:val=\"single\"/>");
        }
        if let Some(sz) = f.size {
            out.push_str(&format!("<w:sz w:val=\"{sz}\"/><w:szCs w:val=\"{sz}\"/>"));
        }
        out.push_str("</w:rPr>");
    }
    out.push_str("<w:t xml:space=\"preserve\">");
    out.push_str(&escape(text));
    out.push_str("</w:t></w:r>");
}

fn jc(a: Align) -> &'static str {
    match a {
        Align::Left => "left",
        Align::Center => "center",
        Align::Right => "right",
        Align::Justify => "both",
    }
}

/// A paragraph of one run.
fn line(out: &mut String, text: &str, align: Align, f: Fmt, after: u32) {
    out.push_str(&format!(
        "<w:p><w:pPr><w:spacing w:before=\"0\" w:after=\"{after}\"/><w:jc w:val=\"{}\"/></w:pPr>",
        jc(align)
    ));
    if !text.is_empty() {
        run(out, text, f);
    }
    out.push_str("</w:p>");
}

fn paragraph(out: &mut String, p: &Paragraph) {
    out.push_str("<w:p><w:pPr><w:spacing w:before=\"0\" w:after=\"120\"/>");
    if p.indent {
        out.push_str("<w:ind w:firstLine=\"567\"/>");
    }
    out.push_str(&format!("<w:jc w:val=\"{}\"/></w:pPr>", jc(p.align)));
    for Run { text, bold, italic } in &p.runs {
        run(
            out,
            text,
            Fmt {
                bold: *bold,
                italic: *italic,
                ..Fmt::default()
            },
        );
    }
    out.push_str("</w:p>");
}

/// A borderless table of two cells side by side; `left` and `right` write the cells' paragraphs.
fn two_columns(out: &mut String, left: impl FnOnce(&mut String), right: impl FnOnce(&mut String)) {
    let right_w = TEXT_WIDTH - LEFT_COL;
    out.push_str(&format!(
        "<w:tbl><w:tblPr><w:tblW w:w=\"{TEXT_WIDTH}\" w:type=\"dxa\"/><w:tblLayout w:type=\"fixed\"/>\
         <w:tblBorders><w:top w:val=\"nil\"/><w:left w:val=\"nil\"/><w:bottom w:val=\"nil\"/>\
         <w:right w:val=\"nil\"/><w:insideH w:val=\"nil\"/><w:insideV w:val=\"nil\"/></w:tblBorders>\
         <w:tblCellMar><w:left w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"0\" w:type=\"dxa\"/></w:tblCellMar>\
         </w:tblPr><w:tblGrid><w:gridCol w:w=\"{LEFT_COL}\"/><w:gridCol w:w=\"{right_w}\"/></w:tblGrid><w:tr>"
    ));
    out.push_str(&format!(
        "<w:tc><w:tcPr><w:tcW w:w=\"{LEFT_COL}\" w:type=\"dxa\"/></w:tcPr>"
    ));
    let before = out.len();
    left(out);
    if out.len() == before {
        // A cell must hold at least one paragraph.
        out.push_str("<w:p/>");
    }
    out.push_str("</w:tc>");
    out.push_str(&format!(
        "<w:tc><w:tcPr><w:tcW w:w=\"{right_w}\" w:type=\"dxa\"/></w:tcPr>"
    ));
    let before = out.len();
    right(out);
    if out.len() == before {
        out.push_str("<w:p/>");
    }
    out.push_str("</w:tc></w:tr></w:tbl>");
}

fn page(out: &mut String, p: &Page) {
    line(
        out,
        &p.form_code,
        Align::Right,
        Fmt {
            size: Some(SIZE_SMALL),
            ..Fmt::default()
        },
        60,
    );
    two_columns(
        out,
        |o| {
            if let Some(s) = &p.superior {
                line(o, s, Align::Center, Fmt::default(), 0);
            }
            line(o, &p.issuer, Align::Center, Fmt::b(), 0);
            line(o, "*", Align::Center, Fmt::default(), 0);
            if let Some(n) = &p.number {
                line(o, n, Align::Center, Fmt::default(), 0);
            }
        },
        |o| {
            line(
                o,
                "ĐẢNG CỘNG SẢN VIỆT NAM",
                Align::Center,
                Fmt {
                    bold: true,
                    underline: true,
                    ..Fmt::default()
                },
                120,
            );
            line(
                o,
                &p.place_date,
                Align::Center,
                Fmt {
                    italic: true,
                    ..Fmt::default()
                },
                0,
            );
        },
    );
    line(out, "", Align::Center, Fmt::default(), 120);
    line(
        out,
        &p.title,
        Align::Center,
        Fmt {
            bold: true,
            size: Some(30),
            ..Fmt::default()
        },
        0,
    );
    for s in &p.subtitle {
        line(out, s, Align::Center, Fmt::b(), 0);
    }
    line(out, "-----", Align::Center, Fmt::default(), 240);
    for para in &p.body {
        paragraph(out, para);
    }
    line(out, "", Align::Left, Fmt::default(), 0);
    two_columns(
        out,
        |o| {
            for (i, r) in p.recipients.iter().enumerate() {
                let f = Fmt {
                    bold: i == 0,
                    italic: i == 0,
                    underline: i == 0,
                    size: Some(SIZE_SMALL),
                };
                line(o, r, Align::Left, f, 0);
            }
        },
        |o| {
            for s in &p.signature {
                line(o, s, Align::Center, Fmt::b(), 0);
            }
            line(
                o,
                &p.signer_note,
                Align::Center,
                Fmt {
                    italic: true,
                    ..Fmt::default()
                },
                1200,
            );
            if let Some(n) = &p.signer_name {
                line(o, n, Align::Center, Fmt::b(), 0);
            }
        },
    );
}

/// `word/document.xml` of a form.
pub fn document_xml(doc: &Document) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" \
         xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><w:body>",
    );
    for (i, p) in doc.pages.iter().enumerate() {
        if i > 0 {
            out.push_str("<w:p><w:r><w:br w:type=\"page\"/></w:r></w:p>");
        }
        page(&mut out, p);
    }
    out.push_str(
        "<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/>\
         <w:pgMar w:top=\"1134\" w:right=\"850\" w:bottom=\"1134\" w:left=\"1701\" \
         w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/></w:sectPr></w:body></w:document>",
    );
    out
}

const CONTENT_TYPES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>\
<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
<Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>\
</Types>";

const RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>\
</Relationships>";

const DOCUMENT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>\
</Relationships>";

/// `word/styles.xml`: Times New Roman 14 pt for every script, Vietnamese language, single
/// line spacing.
pub fn styles_xml() -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
<w:docDefaults><w:rPrDefault><w:rPr>\
<w:rFonts w:ascii=\"{FONT}\" w:hAnsi=\"{FONT}\" w:eastAsia=\"{FONT}\" w:cs=\"{FONT}\"/>\
<w:sz w:val=\"{SIZE}\"/><w:szCs w:val=\"{SIZE}\"/><w:lang w:val=\"vi-VN\" w:eastAsia=\"vi-VN\" w:bidi=\"ar-SA\"/>\
</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after=\"0\" w:line=\"264\" w:lineRule=\"auto\"/></w:pPr></w:pPrDefault>\
</w:docDefaults>\
<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/></w:style>\
<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/>\
<w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/>\
<w:left w:w=\"108\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/>\
</w:tblCellMar></w:tblPr></w:style>\
</w:styles>"
    )
}

/// The DOCX file of a form.
pub fn write(doc: &Document) -> std::io::Result<Vec<u8>> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let parts: [(&str, String); 5] = [
        ("[Content_Types].xml", CONTENT_TYPES.to_string()),
        ("_rels/.rels", RELS.to_string()),
        ("word/document.xml", document_xml(doc)),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS.to_string()),
        ("word/styles.xml", styles_xml()),
    ];
    for (name, text) in parts {
        w.start_file(name, options).map_err(std::io::Error::other)?;
        w.write_all(text.as_bytes())?;
    }
    Ok(w.finish().map_err(std::io::Error::other)?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(escape("<Lò & Mai>"), "&lt;Lò &amp; Mai&gt;");
        assert_eq!(escape("a\"b'c"), "a&quot;b&apos;c");
        assert_eq!(escape("x\u{0}y\u{1b}z\tw"), "xyz w");
        assert_eq!(escape("Nguyễn Thị Hằng"), "Nguyễn Thị Hằng");
    }
}
