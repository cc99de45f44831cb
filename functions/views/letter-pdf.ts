/**
 * A letter as a PDF (A4), drawn from the same letter view the page and the email render
 * (letter-layout.ts), so the PDF attached to a Status på henvisning (HIS 1206: a copy of the letter,
 * PDF only) cannot say something the letter page does not.
 *
 * Drawn with pdf-lib's standard Helvetica, whose WinAnsi encoding has æ, ø, å, §, – and the quotes
 * Norwegian letters use; nothing is embedded, so the bundle stays small. A character the encoding
 * lacks (an emoji typed into a justification) is drawn as "?", never dropped silently and never a
 * failure to answer the referrer. The document carries no creation time or producer, so the same
 * letter is the same bytes.
 */
import { PDFDocument, type PDFFont, type PDFPage, rgb, StandardFonts } from "pdf-lib";
import type { DecisionLetterInput } from "../domain/rendering";
import { decisionLetterView } from "./decision-letter";
import type { LetterView, Paragraph } from "./letter-layout";

/** A4 in PDF points, with 2 cm margins. */
const PAGE = { width: 595.28, height: 841.89, margin: 56.7 } as const;
const SIZES = { body: 10.5, heading: 12, title: 14, footer: 8.5 } as const;
const LEADING = 1.35;

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
}

/** A run of text in one font: what a line is made of. */
interface Run {
  text: string;
  bold: boolean;
}

/** Text the font can draw: each character WinAnsi lacks becomes "?". */
function drawable(font: PDFFont, text: string): string {
  const charset = new Set(font.getCharacterSet());
  let out = "";
  for (const char of text.replace(/\t/g, " ")) {
    const code = char.codePointAt(0) ?? 0;
    out += charset.has(code) ? char : "?";
  }
  return out;
}

/** Lays text out top to bottom, starting a new page when the current one is full. */
class Writer {
  private page: PDFPage;
  private y: number;
  readonly pages: PDFPage[] = [];

  constructor(
    private readonly doc: PDFDocument,
    private readonly fonts: Fonts,
  ) {
    this.page = this.newPage();
    this.y = PAGE.height - PAGE.margin;
  }

  private newPage(): PDFPage {
    const page = this.doc.addPage([PAGE.width, PAGE.height]);
    this.pages.push(page);
    return page;
  }

  private ensureRoom(height: number): void {
    if (this.y - height >= PAGE.margin + SIZES.footer * 2) return;
    this.page = this.newPage();
    this.y = PAGE.height - PAGE.margin;
  }

  space(points: number): void {
    this.y -= points;
  }

  /** Runs wrapped to the text width; a line break in a run starts a new line. */
  paragraph(runs: Run[], size: number = SIZES.body): void {
    const maxWidth = PAGE.width - PAGE.margin * 2;
    const lineHeight = size * LEADING;
    let line: Run[] = [];
    let width = 0;
    const flush = () => {
      this.ensureRoom(lineHeight);
      this.y -= size;
      let x = PAGE.margin;
      for (const run of line) {
        const font = run.bold ? this.fonts.bold : this.fonts.regular;
        this.page.drawText(run.text, { x, y: this.y, size, font, color: rgb(0, 0, 0) });
        x += font.widthOfTextAtSize(run.text, size);
      }
      this.y -= lineHeight - size;
      line = [];
      width = 0;
    };
    for (const run of runs) {
      const font = run.bold ? this.fonts.bold : this.fonts.regular;
      const lines = run.text.split(/\r?\n/).map((text) => drawable(font, text));
      lines.forEach((text, index) => {
        if (index > 0) flush();
        for (const word of text.split(/(?<= )/)) {
          const wordWidth = font.widthOfTextAtSize(word, size);
          if (width + wordWidth > maxWidth && width > 0) flush();
          const last = line.at(-1);
          if (last && last.bold === run.bold) last.text += word;
          else line.push({ text: word, bold: run.bold });
          width += wordWidth;
        }
      });
    }
    if (line.length > 0) flush();
  }

  /** "Side n av m" at the foot of every page. */
  footer(referralId: string): void {
    this.pages.forEach((page, index) => {
      page.drawText(
        `Vår referanse: ${drawable(this.fonts.regular, referralId)} – side ${index + 1} av ${this.pages.length}`,
        {
          x: PAGE.margin,
          y: PAGE.margin - SIZES.footer,
          size: SIZES.footer,
          font: this.fonts.regular,
          color: rgb(0.3, 0.3, 0.3),
        },
      );
    });
  }
}

function runsOf(paragraph: Paragraph): Run[] {
  return paragraph.map((part) =>
    typeof part === "string" ? { text: part, bold: false } : { text: part.text, bold: part.strong === true },
  );
}

/** The letter view as a PDF, in the order the page shows it. */
export async function renderLetterPdf(view: LetterView): Promise<Uint8Array> {
  // No producer, creator or dates: the same letter is the same bytes (and says nothing of the software).
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.setTitle(view.title);
  doc.setLanguage("nb-NO");
  const fonts = {
    regular: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
  };
  const writer = new Writer(doc, fonts);
  const plain = (text: string): Run[] => [{ text, bold: false }];
  if (view.copyNote) {
    writer.paragraph([{ text: view.copyNote.toLocaleUpperCase("nb-NO"), bold: true }]);
    writer.space(6);
  }
  view.letterhead.forEach((line, index) => {
    writer.paragraph([{ text: line, bold: index === 0 }]);
  });
  writer.space(10);
  for (const line of view.to) writer.paragraph(plain(line));
  if (view.copyList) writer.paragraph(plain(`Kopi til: ${view.copyList}`));
  writer.space(6);
  writer.paragraph(plain(`Dato: ${view.letterDate}`));
  writer.paragraph(plain(`Vår referanse: ${view.referralId}`));
  writer.space(10);
  writer.paragraph([{ text: view.title, bold: true }], SIZES.title);
  writer.space(4);
  writer.paragraph([
    { text: "Gjelder: ", bold: true },
    { text: view.regarding, bold: false },
  ]);
  for (const section of view.sections) {
    writer.space(8);
    if (section.heading) {
      writer.paragraph([{ text: section.heading, bold: true }], SIZES.heading);
      writer.space(2);
    }
    section.paragraphs.forEach((paragraph, index) => {
      if (index > 0) writer.space(5);
      writer.paragraph(runsOf(paragraph));
    });
  }
  writer.space(12);
  for (const line of view.signature) writer.paragraph(plain(line));
  writer.footer(view.referralId);
  return doc.save();
}

/** One recipient's answer to the referral as a PDF: the same words as its letter page. */
export function renderDecisionLetterPdf(input: DecisionLetterInput): Promise<Uint8Array> {
  return renderLetterPdf(decisionLetterView(input));
}
