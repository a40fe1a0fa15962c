//! Plain, text-searchable PDF documents: the organisation's name at the top of every page,
//! a title, and blocks of text that wrap and flow over as many A4 pages as they need.
//!
//! The text is set in the PDF's standard Helvetica with WinAnsiEncoding, which covers Dutch
//! (ë, é, ï, ó …), °, € and the usual quotes, so nothing has to be embedded and `pdftotext`
//! reads back exactly what was written. A character outside that set prints as "?".

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const TOP: f32 = PAGE_HEIGHT - MARGIN - 28.0;
const BOTTOM: f32 = MARGIN + 24.0;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Style {
    Title,
    Heading,
    Meta,
    Body,
}

impl Style {
    fn size(self) -> f32 {
        match self {
            Style::Title => 18.0,
            Style::Heading => 13.0,
            Style::Meta => 9.5,
            Style::Body => 11.0,
        }
    }

    fn bold(self) -> bool {
        matches!(self, Style::Title | Style::Heading)
    }

    fn space_before(self) -> f32 {
        match self {
            Style::Title => 0.0,
            Style::Heading => 14.0,
            Style::Meta => 6.0,
            Style::Body => 2.0,
        }
    }
}

/// A document being put together, block by block.
#[derive(Debug, Clone)]
pub struct TextDocument {
    organisation: String,
    title: String,
    blocks: Vec<(Style, String)>,
}

/// One line placed on a page.
struct Placed {
    style: Style,
    y: f32,
    text: Vec<u8>,
}

impl TextDocument {
    pub fn new(organisation: &str, title: &str) -> Self {
        Self {
            organisation: organisation.to_owned(),
            title: title.to_owned(),
            blocks: vec![(Style::Title, title.to_owned())],
        }
    }

    pub fn heading(&mut self, text: &str) -> &mut Self {
        self.blocks.push((Style::Heading, text.to_owned()));
        self
    }

    /// A small line: a date, an author, a note about the document.
    pub fn meta(&mut self, text: &str) -> &mut Self {
        self.blocks.push((Style::Meta, text.to_owned()));
        self
    }

    /// Running text; line breaks in it are kept.
    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        self.blocks.push((Style::Body, text.to_owned()));
        self
    }

    fn layout(&self) -> Vec<Vec<Placed>> {
        let width = PAGE_WIDTH - 2.0 * MARGIN;
        let mut pages: Vec<Vec<Placed>> = vec![Vec::new()];
        let mut y = TOP;
        for (style, text) in &self.blocks {
            let size = style.size();
            let leading = size * 1.35;
            y -= style.space_before();
            for line in text.lines() {
                for wrapped in wrap(line, width, size, style.bold()) {
                    if y - leading < BOTTOM {
                        pages.push(Vec::new());
                        y = TOP;
                    }
                    y -= leading;
                    if let Some(page) = pages.last_mut() {
                        page.push(Placed { style: *style, y, text: win_ansi(&wrapped) });
                    }
                }
            }
        }
        pages
    }

    /// The finished PDF.
    pub fn render(&self) -> Vec<u8> {
        let pages = self.layout();
        let mut pdf = Pdf::new();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let regular = Ref::new(3);
        let bold = Ref::new(4);
        let info = Ref::new(5);
        let first_page = 10;
        let page_ids: Vec<Ref> = (0..pages.len()).map(|i| Ref::new(first_page + 2 * i as i32)).collect();

        pdf.catalog(catalog).pages(tree).lang(TextStr("nl"));
        pdf.pages(tree).kids(page_ids.iter().copied()).count(pages.len() as i32);
        pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.document_info(info)
            .title(TextStr(&self.title))
            .author(TextStr(&self.organisation))
            .creator(TextStr("Careportal"));

        let total = pages.len();
        for (index, lines) in pages.iter().enumerate() {
            let page_id = page_ids[index];
            let content_id = Ref::new(page_id.get() + 1);
            let mut page = pdf.page(page_id);
            page.parent(tree).media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT)).contents(content_id);
            page.resources().fonts().pair(Name(b"F1"), regular).pair(Name(b"F2"), bold);
            page.finish();

            let mut content = Content::new();
            // The organisation's name on every page, and where this page stands.
            text_at(&mut content, Name(b"F2"), 9.0, MARGIN, PAGE_HEIGHT - MARGIN, &win_ansi(&self.organisation));
            let footer = format!("{} - pagina {} van {}", self.title, index + 1, total);
            text_at(&mut content, Name(b"F1"), 8.5, MARGIN, MARGIN - 8.0, &win_ansi(&footer));
            content.set_line_width(0.5).move_to(MARGIN, PAGE_HEIGHT - MARGIN - 8.0);
            content.line_to(PAGE_WIDTH - MARGIN, PAGE_HEIGHT - MARGIN - 8.0).stroke();
            for line in lines {
                let font = if line.style.bold() { Name(b"F2") } else { Name(b"F1") };
                text_at(&mut content, font, line.style.size(), MARGIN, line.y, &line.text);
            }
            pdf.stream(content_id, &content.finish());
        }
        pdf.finish()
    }
}

fn text_at(content: &mut Content, font: Name, size: f32, x: f32, y: f32, text: &[u8]) {
    content.begin_text();
    content.set_font(font, size);
    content.next_line(x, y);
    content.show(Str(text));
    content.end_text();
}

/// Breaks a line into pieces that fit `width` at `size`, at spaces where it can.
fn wrap(line: &str, width: f32, size: f32, bold: bool) -> Vec<String> {
    let fits = |text: &str| text_width(text, size, bold) <= width;
    let mut out = Vec::new();
    let mut current = String::new();
    for word in line.split(' ') {
        let candidate = if current.is_empty() { word.to_owned() } else { format!("{current} {word}") };
        if fits(&candidate) {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        // A word longer than the line is cut where it must be.
        let mut piece = String::new();
        for c in word.chars() {
            piece.push(c);
            if !fits(&piece) {
                piece.pop();
                out.push(std::mem::take(&mut piece));
                piece.push(c);
            }
        }
        current = piece;
    }
    out.push(current);
    out
}

/// Helvetica's advance widths, by class of character, in thousandths of the size; close
/// enough to wrap lines without running past the margin.
fn char_width(c: char, bold: bool) -> f32 {
    let width = match c {
        ' ' | '.' | ',' | ':' | ';' | '!' | '\'' | '|' | 'i' | 'j' | 'l' => 278.0,
        'f' | 't' | 'I' | '(' | ')' | '[' | ']' | '/' | '-' => 333.0,
        'r' => 333.0,
        'm' | 'M' => 833.0,
        'w' => 722.0,
        'W' => 944.0,
        'A'..='Z' => 722.0,
        '@' | '%' => 889.0,
        _ => 556.0,
    };
    if bold { width * 1.06 } else { width }
}

fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    text.chars().map(|c| char_width(c, bold)).sum::<f32>() * size / 1000.0
}

/// Text in WinAnsiEncoding (Windows-1252): Latin-1 as is, the typographic extras at their
/// own codes, anything else as "?".
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '€' => 0x80,
            '‚' => 0x82,
            '„' => 0x84,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '\t' => b' ',
            c if (' '..='~').contains(&c) => c as u8,
            c if ('\u{a0}'..='\u{ff}').contains(&c) => c as u32 as u8,
            _ => b'?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_text_is_encoded_for_the_standard_fonts() {
        assert_eq!(win_ansi("Cliënt 39,1 °C – €5"), b"Cli\xebnt 39,1 \xb0C \x96 \x805".to_vec());
        assert_eq!(win_ansi("日本"), b"??".to_vec());
    }

    #[test]
    fn long_lines_wrap_within_the_margins_and_long_words_are_cut() {
        let width = PAGE_WIDTH - 2.0 * MARGIN;
        let line = "Thomas heeft goed geslapen en is vrolijk aan de dag begonnen. ".repeat(8);
        let pieces = wrap(line.trim(), width, 11.0, false);
        assert!(pieces.len() > 2);
        assert!(pieces.iter().all(|p| text_width(p, 11.0, false) <= width));
        let word = "W".repeat(200);
        assert!(wrap(&word, width, 11.0, true).iter().all(|p| text_width(p, 11.0, true) <= width));
    }

    #[test]
    fn many_blocks_flow_onto_more_pages() {
        let mut doc = TextDocument::new("Siloah", "Rapportages");
        for n in 0..120 {
            doc.meta(&format!("Ma 24 apr 2023 | 06:{n:02}")).paragraph("Een regel tekst.");
        }
        let pages = doc.layout();
        assert!(pages.len() >= 3, "{}", pages.len());
        let bytes = doc.render();
        assert!(bytes.starts_with(b"%PDF-"));
    }
}
