//! Biểu đồ — charts as inline SVG, drawn on the server (they print, and weigh a few hundred
//! bytes). Text is escaped here: the SVG is inserted into the page unescaped.

/// One bar: a label, the value, an optional mark (the target) and the text printed after it.
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub mark: Option<f64>,
    pub text: String,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Horizontal bars scaled to the largest value or mark; the mark is a dark tick.
pub fn bars(title: &str, rows: &[Bar]) -> String {
    let row_h = 26.0;
    let label_w = 190.0;
    let bar_w = 330.0;
    let width = label_w + bar_w + 120.0;
    let height = row_h * rows.len() as f64 + 8.0;
    let max = rows
        .iter()
        .flat_map(|r| [r.value, r.mark.unwrap_or(0.0)])
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{}" font-family="system-ui,sans-serif" font-size="12">"#,
        esc(title)
    );
    for (i, r) in rows.iter().enumerate() {
        let y = 4.0 + i as f64 * row_h;
        let w = (r.value / max * bar_w).max(0.0);
        let label: String = r.label.chars().take(30).collect();
        s.push_str(&format!(
            r##"<text x="{x}" y="{ty}" text-anchor="end" fill="#1f1f1f">{l}</text><rect x="{bx}" y="{y}" width="{w:.1}" height="{h}" fill="#a50e0e" rx="2"/>"##,
            x = label_w - 6.0,
            ty = y + 15.0,
            l = esc(&label),
            bx = label_w,
            h = row_h - 8.0,
        ));
        if let Some(m) = r.mark {
            let mx = label_w + m / max * bar_w;
            s.push_str(&format!(
                r##"<line x1="{mx:.1}" x2="{mx:.1}" y1="{y1}" y2="{y2}" stroke="#1f1f1f" stroke-width="2"/>"##,
                y1 = y - 2.0,
                y2 = y + row_h - 6.0,
            ));
        }
        s.push_str(&format!(
            r##"<text x="{tx:.1}" y="{ty}" fill="#5f6368">{t}</text>"##,
            tx = label_w + w.max(r.mark.map_or(0.0, |m| m / max * bar_w)) + 6.0,
            ty = y + 15.0,
            t = esc(&r.text),
        ));
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_scales() {
        let svg = bars(
            "t<",
            &[
                Bar {
                    label: "A & B".into(),
                    value: 5.0,
                    mark: Some(10.0),
                    text: "5/10".into(),
                },
                Bar {
                    label: "<x>".into(),
                    value: 10.0,
                    mark: None,
                    text: "10".into(),
                },
            ],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("A &amp; B") && svg.contains("&lt;x&gt;") && !svg.contains("<x>"));
        assert!(svg.contains(r#"width="330.0""#), "{svg}");
    }
}
