/**
 * The referrer's letter as a PDF (the Status på henvisning's attachment): read back with PDF.js
 * (unpdf), it says word for word what the letter page says, Norwegian letters included, for every
 * outcome and any free text an assessor types.
 */

import fc from "fast-check";
import { extractText, getDocumentProxy } from "unpdf";
import { describe, expect, it } from "vitest";
import type { Decision } from "../../functions/domain/decision";
import type { DecisionLetterInput } from "../../functions/domain/rendering";
import { renderDecisionLetterPdf } from "../../functions/views/letter-pdf";
import { renderDecisionLetter } from "../../functions/views/letters";
import { LETTER_TEST_CLINIC } from "../support/fakes";

const clinic = LETTER_TEST_CLINIC;

const DECISIONS: Record<Decision["outcome"], Decision> = {
  granted: {
    outcome: "granted",
    careForm: "team",
    startOfCareDeadline: "2025-07-25",
    plannedStart: "2025-06-10",
    assessedBy: "ingrid.lie@example.no",
  },
  refused: {
    outcome: "refused",
    justification:
      "Smertene kan følges opp i primærhelsetjenesten.\nDet er ikke behov for tverrfaglig utredning nå.",
    advice: "Gradert aktivitetsøkning med støtte fra fysioterapeut.",
    assessedBy: "ingrid.lie@example.no",
  },
  forwarded: {
    outcome: "forwarded",
    forwardTo: "Smertesenteret, St. Olavs hospital",
    justification: "Pasienten bor nærmere St. Olavs hospital, som har tilbud for denne tilstanden.",
    assessedBy: "ingrid.lie@example.no",
  },
};

function letterInput(decision: Decision): DecisionLetterInput {
  return {
    referralId: "R-2025-0001",
    recipientRole: "referrer",
    receivedDate: "2025-04-22",
    patient: {
      name: "Kåre Ødegård Æsøy",
      birthDate: "1985-03-15",
      postalAddress: { line1: "Storgata 1", postalCode: "0150", city: "Oslo" },
    },
    referrer: { name: "Lege Legesen", organisation: "Sentrum legekontor" },
    gp: { name: "Fastlege Fastlegesen" },
    decision,
    decidedDate: "2025-05-02",
    assessment: {
      track: "intake-meeting",
      participantRoles: ["physician", "psychologist"],
      responsible: { name: "Ingrid Lie", role: "physician" },
    },
    assessmentDueDate: "2025-05-07",
    clinic,
  };
}

/** The text PDF.js reads out of the document. */
async function pdfText(bytes: Uint8Array): Promise<string> {
  const { text } = await extractText(await getDocumentProxy(bytes), { mergePages: true });
  return text;
}

/** Words in order, case aside (the plain-text letter capitalises its headings). */
const words = (text: string) => text.toLocaleLowerCase("nb-NO").split(/\s+/).filter(Boolean);

/** The PDF's words without its page footers ("Vår referanse: … – side 1 av 1"). */
const bodyWords = (text: string) =>
  words(
    text
      .split("\n")
      .filter((line) => !/– side \d+ av \d+$/.test(line))
      .join("\n"),
  );

describe("the referrer's letter as a PDF", () => {
  for (const [outcome, decision] of Object.entries(DECISIONS)) {
    it(`says word for word what the ${outcome} letter page says`, async () => {
      const input = letterInput(decision);

      const pdf = await renderDecisionLetterPdf(input);

      expect(Buffer.from(pdf.subarray(0, 5)).toString("latin1")).toBe("%PDF-");
      expect(bodyWords(await pdfText(pdf))).toEqual(words(renderDecisionLetter(input).text));
    });
  }

  it("draws æ, ø, å and § as they are written", async () => {
    const pdf = await renderDecisionLetterPdf(letterInput(DECISIONS.refused));

    // Lines wrap where the page ends: the sentences are compared with their spaces made one.
    const text = (await pdfText(pdf)).replace(/\s+/g, " ");
    expect(text).toContain("Kåre Ødegård Æsøy, født 15. mars 1985");
    expect(text).toContain("pasient- og brukerrettighetsloven § 7-2");
    expect(text).toContain("Statsforvalteren i Østfold, Buskerud, Oslo og Akershus");
  });

  it("numbers every page when the letter runs over more than one", async () => {
    const long = { ...DECISIONS.refused, justification: "Lang begrunnelse. ".repeat(600) } as Decision;

    const text = await pdfText(await renderDecisionLetterPdf(letterInput(long)));

    const footers = text.split("\n").filter((line) => /– side \d+ av \d+$/.test(line));
    expect(footers.length).toBeGreaterThan(1);
    expect(footers.at(-1)).toBe(`Vår referanse: R-2025-0001 – side ${footers.length} av ${footers.length}`);
  });

  it("draws a character its font lacks as a question mark instead of failing the letter", async () => {
    const decision = { ...DECISIONS.refused, justification: "Smerte → 8/10 😀 etter trening." } as Decision;

    const text = await pdfText(await renderDecisionLetterPdf(letterInput(decision)));

    expect(text).toContain("Smerte ? 8/10 ? etter trening.");
  });

  it("is the same bytes for the same letter (no creation time in it)", async () => {
    const first = await renderDecisionLetterPdf(letterInput(DECISIONS.granted));
    const second = await renderDecisionLetterPdf(letterInput(DECISIONS.granted));

    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(true);
  });

  it("carries any Norwegian justification and advice an assessor types, word for word", async () => {
    const norwegianWord = fc.stringMatching(/^[a-zA-ZæøåÆØÅé§0-9.,:;()«»–-]{1,14}$/);
    const text = fc.array(norwegianWord, { minLength: 1, maxLength: 40 }).map((w) => w.join(" "));
    await fc.assert(
      fc.asyncProperty(text, text, async (justification, advice) => {
        const input = letterInput({ ...DECISIONS.refused, justification, advice } as Decision);

        const pdf = await renderDecisionLetterPdf(input);

        expect(bodyWords(await pdfText(pdf))).toEqual(words(renderDecisionLetter(input).text));
      }),
      { numRuns: 25 },
    );
  });
});
