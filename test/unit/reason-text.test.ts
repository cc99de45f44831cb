/**
 * A free-text reason must say something: at least 20 characters and three words of letters, after
 * trimming. Properties of the rule itself, and the decision's and the priority change's fields that
 * carry it, each naming its field in a Norwegian message.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDecision } from "../../functions/domain/decision";
import { priorityChangeSchema } from "../../functions/domain/priority";
import {
  isMeaningfulReason,
  letterWordCount,
  MIN_REASON_CHARS,
  MIN_REASON_WORDS,
} from "../../functions/domain/reason-text";

const LETTERS = "abcdefghijklmnopqrstuvwxyzæøåABCDEFGHIJKLMNOPQRSTUVWXYZÆØÅé".split("");
/** A word of 2 to 12 letters. */
const word = fc.array(fc.constantFrom(...LETTERS), { minLength: 2, maxLength: 12 }).map((cs) => cs.join(""));
const space = fc.constantFrom(" ", "  ", "\n", "\t", " \n ");
/** Text without a single letter: digits, punctuation, spaces. */
const noLetters = fc
  .array(fc.constantFrom(..."0123456789 .,;:-!?/()".split("")), { maxLength: 200 })
  .map((cs) => cs.join(""));

describe("a meaningful reason", () => {
  it("is refused whenever it is shorter than 20 characters once trimmed, whatever it says", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: MIN_REASON_CHARS - 1 }), space, space, (text, before, after) => {
        fc.pre(text.trim().replace(/\s+/g, " ").length < MIN_REASON_CHARS);
        expect(isMeaningfulReason(`${before}${text}${after}`)).toBe(false);
      }),
    );
  });

  it("is refused with fewer than three words of letters, however long", () => {
    fc.assert(
      fc.property(fc.array(word, { maxLength: MIN_REASON_WORDS - 1 }), noLetters, (words, filler) => {
        const text = `${filler} ${words.join(` ${filler} `)} ${filler}`;
        expect(letterWordCount(text)).toBeLessThan(MIN_REASON_WORDS);
        expect(isMeaningfulReason(text)).toBe(false);
      }),
    );
  });

  it("is accepted as three or more words of letters of 20 characters or more, with any whitespace around", () => {
    fc.assert(
      fc.property(
        fc.array(word, { minLength: MIN_REASON_WORDS, maxLength: 30 }),
        space,
        space,
        (words, before, after) => {
          const sentence = `${words.join(" ")}.`;
          fc.pre(sentence.length >= MIN_REASON_CHARS);
          expect(isMeaningfulReason(`${before}${sentence}${after}`)).toBe(true);
        },
      ),
    );
  });

  it("takes the sentences clinicians write, and not the placeholders they might be tempted by", () => {
    for (const reason of [
      "Kan følges opp av fastlege.",
      "Ikke indikasjon for tverrfaglig behandling.",
      "Forverring siste uke",
      "Nærmere bosted for pasienten.",
    ])
      expect(isMeaningfulReason(reason), reason).toBe(true);
    for (const reason of [
      ".",
      "ok",
      "Se journal.",
      "x".repeat(40),
      "1234 5678 9012 3456 7890",
      "Ikke behov.",
      "a b c d e f g h i j k l",
    ])
      expect(isMeaningfulReason(reason), reason).toBe(false);
  });
});

describe("the reasons of a decision and of a priority change", () => {
  const refusal = (justification: string, advice: string) =>
    parseDecision({ outcome: "refused", justification, advice, assessedBy: "1234567" }, "2025-05-02");

  it("refuses a refusal whose justification or advice says nothing, naming the field in Norwegian", () => {
    const result = refusal(".", "ok");

    expect(result).toEqual({
      ok: false,
      issues: [
        {
          path: "justification",
          message: expect.stringMatching(/^Begrunnelsen må ha minst 20 tegn og minst 3 ord/),
        },
        { path: "advice", message: expect.stringMatching(/^Rådet om videre oppfølging må ha minst 20 tegn/) },
      ],
    });
  });

  it("gives an empty justification its own message, once", () => {
    const result = refusal("", "Fysioterapi med gradert aktivitet.");
    expect(result).toEqual({
      ok: false,
      issues: [{ path: "justification", message: "Skriv en faglig begrunnelse" }],
    });
  });

  it("refuses a forward whose justification says nothing", () => {
    const result = parseDecision(
      {
        outcome: "forwarded",
        forwardTo: "Smertesenteret, St. Olavs hospital",
        forwardToContact: "telefon 72 57 30 00",
        justification: "Bosted.",
        assessedBy: "1234567",
      },
      "2025-05-02",
    );
    expect(result.ok ? [] : result.issues.map((issue) => issue.path)).toEqual(["justification"]);
  });

  it("reads a stored decision with a short justification as it is (the rule is for what is submitted)", async () => {
    const { decisionSchema } = await import("../../functions/domain/decision");
    expect(
      decisionSchema.safeParse({ outcome: "refused", justification: "x", advice: "y", assessedBy: "1" })
        .success,
    ).toBe(true);
  });

  it("refuses a priority change whose reason says nothing, naming the field in Norwegian", () => {
    const result = priorityChangeSchema().safeParse({ priority: "urgent", reason: "Haster!" });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        path: ["reason"],
        message: expect.stringMatching(/^Begrunnelsen for endret prioritet må ha minst 20 tegn/),
      }),
    ]);
  });
});
