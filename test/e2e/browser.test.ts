/**
 * A clinician in a real browser: headless Chromium (Debian's package) driven by playwright-core
 * opens the task link from the local mailbox, signs in through the local OpenID provider's form,
 * lands back on the task, fills in each outcome's form, submits it and sees the confirmation. Then
 * the patient opens the link in the granted letter's notice email, signs in by national ID through
 * the same provider (as with ID-porten's test users) and reads the letter; another patient, signed in
 * with their own national ID, is refused. A screenshot per step is kept in test-results/browser/ as
 * a test artifact.
 */
import { mkdirSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isWorkingDay } from "../../functions/domain/calendar";
import type { LocalStack } from "../../lib/local/local-stack";
import { launchChromium } from "../support/browser";
import {
  assessor,
  awaitFile,
  daysFromNow,
  patientEmail,
  patientNationalId,
  submitAndAwaitTask,
  workingDayFromNow,
} from "../support/e2e";
import { eventually, letterLinkIn, mailbox, sampleReferral } from "../support/http";
import { sharedLocalStack } from "../support/shared-stack";

const SCREENSHOTS = new URL("../../test-results/browser/", import.meta.url);

let stack: LocalStack;
let browser: Browser;
/** The assessor's browser profile: signed in once, through the provider's form, like a person. */
let assessorContext: BrowserContext;
/** The referrals decided in the browser, by outcome. */
const decided = new Map<string, string>();

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  stack = await sharedLocalStack();
  browser = await launchChromium();
});

afterAll(async () => {
  await assessorContext?.close();
  await browser?.close();
});

/**
 * Submits a referral and returns its id and its own task link (found by the task id its workflow
 * recorded, not as the next email to arrive: the previous referral's other task emails may still be
 * on their way).
 */
async function taskLinkForNewReferral(key: string): Promise<{ referralId: string; link: string }> {
  const { referralId, taskLink } = await submitAndAwaitTask(stack, sampleReferral(), key);
  return { referralId, link: taskLink };
}

/**
 * Opens a link; when it lands on the local provider's sign-in form, signs in there (identifier and
 * password, no JavaScript needed) and follows the redirects back to the page asked for.
 */
async function openSignedIn(page: Page, link: string, identifier: string, screenshot?: string) {
  await page.goto(link);
  if (page.url().startsWith(stack.signIn.issuer)) {
    await page.getByLabel(/E-post|fødselsnummer/).fill(identifier);
    await page.getByLabel("Passord").fill(stack.signIn.password);
    if (screenshot)
      await page.screenshot({ path: new URL(screenshot, SCREENSHOTS).pathname, fullPage: true });
    await Promise.all([
      page.waitForURL((url) => url.href.startsWith(link)),
      page.getByRole("button", { name: "Logg inn" }).click(),
    ]);
  }
}

async function decide(outcome: string, fill: (page: Page) => Promise<void>, button: string) {
  assessorContext ??= await browser.newContext();
  const page = await assessorContext.newPage();
  try {
    const { referralId, link } = await taskLinkForNewReferral(`browser-${outcome}`);
    decided.set(outcome, referralId);
    await openSignedIn(page, link, assessor, "sign-in.png");
    expect(page.url()).toBe(link);
    expect(await page.getByText("Vurderingen registreres på deg").textContent()).toContain("Ola Haugen");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Vurdering av henvisning");
    await fill(page);
    await page.getByRole("button", { name: button }).click();
    await page.waitForLoadState("domcontentloaded");
    await page.screenshot({ path: new URL(`${outcome}.png`, SCREENSHOTS).pathname, fullPage: true });
    return (await page.getByRole("heading", { level: 1 }).textContent()) ?? "";
  } finally {
    await page.close();
  }
}

describe("a clinician decides in the browser", () => {
  it("grants a right through the task page's form", async () => {
    const heading = await decide(
      "granted",
      async (page) => {
        await page.getByLabel("Tverrfaglig utredning i team").check();
        await page.locator("#granted-startOfCareDeadline").fill(workingDayFromNow(8 * 7));
        await page.locator("#granted-plannedStart").fill(daysFromNow(4 * 7));
      },
      "Registrer rett til helsehjelp",
    );
    expect(heading).toBe("Vurderingen er registrert");
  });

  it("refuses with justification and advice", async () => {
    const heading = await decide(
      "refused",
      async (page) => {
        await page.locator("#refused-justification").fill("Kan følges opp hos fastlegen.");
        await page.locator("#refused-advice").fill("Gradert aktivitet og fysioterapi.");
      },
      "Registrer avslag",
    );
    expect(heading).toBe("Vurderingen er registrert");
  });

  it("forwards to another clinic", async () => {
    const heading = await decide(
      "forwarded",
      async (page) => {
        await page.locator("#forwarded-forwardTo").fill("Regionalt smertesenter, St. Olavs hospital");
        await page.locator("#forwarded-forwardToContact").fill("telefon 72 57 30 00");
        await page.locator("#forwarded-justification").fill("Trenger regional kompetanse.");
      },
      "Registrer videresending",
    );
    expect(heading).toBe("Vurderingen er registrert");
  });

  it("asks the referrer for more information and keeps the task open", async () => {
    const heading = await decide(
      "information-requested",
      async (page) => {
        await page.locator("#information-requested-question").fill("Hvilke medisiner har vært forsøkt?");
      },
      "Send forespørsel",
    );
    expect(heading).toBe("Forespørselen er sendt");
  });

  it("picks the condition from the priority guide, sees right and date prefilled, and gives a reason for another date", async () => {
    assessorContext ??= await browser.newContext();
    const page = await assessorContext.newPage();
    try {
      const { referralId, link } = await taskLinkForNewReferral("browser-guide");
      await openSignedIn(page, link, assessor);
      const listed = await page
        .locator("#guide-conditions option")
        .evaluateAll((options) => options.map((option) => (option as unknown as { value: string }).value));
      expect(listed).toContain("Ansiktssmerter");

      // Act: the assessor searches the guide's list and asks for its suggestion.
      await page.getByLabel("Tilstand", { exact: true }).fill("Ansiktssmerter");
      await page.getByRole("button", { name: "Vis veilederens forslag" }).click();
      await page.waitForLoadState("domcontentloaded");
      await page.screenshot({ path: new URL("guide-suggestion.png", SCREENSHOTS).pathname, fullPage: true });

      // Assess: the advised right and the latest start (26 weeks, a working day) are prefilled.
      const suggestion = (await page.locator("#guide-suggestion").textContent()) ?? "";
      expect(suggestion).toContain("Forslag: Ansiktssmerter");
      expect(suggestion).toContain("rett til nødvendig helsehjelp");
      const prefilled = await page.locator("#granted-startOfCareDeadline").inputValue();
      expect(isWorkingDay(prefilled)).toBe(true);
      expect(prefilled > daysFromNow(0) && prefilled <= daysFromNow(26 * 7)).toBe(true);
      expect(prefilled >= daysFromNow(26 * 7 - 6)).toBe(true);

      // Act: the assessor sets an earlier date of their own and submits.
      const ownDate = workingDayFromNow(8 * 7);
      await page.getByLabel("Tverrfaglig utredning i team").check();
      await page.locator("#granted-startOfCareDeadline").fill(ownDate);
      await page.locator("#granted-plannedStart").fill(daysFromNow(4 * 7));
      await page.getByRole("button", { name: "Registrer rett til helsehjelp" }).click();
      await page.waitForLoadState("domcontentloaded");
      await page.screenshot({
        path: new URL("guide-reason-asked.png", SCREENSHOTS).pathname,
        fullPage: true,
      });

      // Assess: nothing recorded; the reason is asked for, the chosen date kept.
      expect(await page.getByRole("heading", { name: "Vurderingen ble ikke registrert" }).count()).toBe(1);
      expect(await page.locator("#granted-deviationReason").getAttribute("aria-invalid")).toBe("true");
      expect(await page.locator("#granted-startOfCareDeadline").inputValue()).toBe(ownDate);

      // Act: the reason, and submit again.
      const reason =
        "Ung pasient i risiko for å falle ut av arbeid: kortere frist etter individuell vurdering.";
      await page.locator("#granted-deviationReason").fill(reason);
      await page.getByRole("button", { name: "Registrer rett til helsehjelp" }).click();
      await page.waitForLoadState("domcontentloaded");
      expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Vurderingen er registrert");

      // Assess: the decision on the referral carries condition, suggestion and reason.
      const file = await awaitFile(
        stack,
        referralId,
        (body) => (body.decision as { guide?: unknown } | undefined)?.guide !== undefined,
        "the decision recorded with its guide",
      );
      expect((file.decision as Record<string, unknown>).startOfCareDeadline).toBe(ownDate);
      expect((file.decision as Record<string, unknown>).guide).toMatchObject({
        conditionId: "ansiktssmerter",
        suggestion: { advisedRight: "granted", latestStart: prefilled },
        deviates: true,
        deviationReason: reason,
      });
      const submitted = (file.events as { type: string; details?: Record<string, unknown> }[]).find(
        (event) => event.type === "decision-submitted",
      );
      expect(submitted?.details).toMatchObject({ condition: "ansiktssmerter", deviatesFromGuide: true });
    } finally {
      await page.close();
    }
  });

  it("shows a form error per field and records nothing when a required field is empty", async () => {
    assessorContext ??= await browser.newContext();
    const page = await assessorContext.newPage();
    try {
      const { link } = await taskLinkForNewReferral("browser-invalid");
      await openSignedIn(page, link, assessor);
      await page.getByRole("button", { name: "Registrer avslag" }).click();
      await page.waitForLoadState("domcontentloaded");
      await page.screenshot({ path: new URL("invalid.png", SCREENSHOTS).pathname, fullPage: true });

      expect(await page.getByRole("heading", { name: "Vurderingen ble ikke registrert" }).count()).toBe(1);
      expect(await page.locator("#refused-justification").getAttribute("aria-invalid")).toBe("true");
      expect((await page.request.get(link, { maxRedirects: 0 })).status()).toBe(200);
    } finally {
      await page.close();
    }
  });
});

describe("the patient reads the letter in the browser", () => {
  /** The link in the patient's notice email about the granted referral. */
  async function patientsLetterLink(): Promise<string> {
    const referralId = decided.get("granted");
    if (!referralId) throw new Error("the granted referral was not decided");
    const notice = await eventually(async () => {
      const emails = await mailbox(stack.mailboxJsonUrl);
      return emails.find(
        (email) => email.destination.to.includes(patientEmail) && email.subject.includes(referralId),
      );
    }, "the patient's notice email");
    expect(`${notice.subject}${notice.body.text}`).not.toContain("Kari");
    return letterLinkIn(notice);
  }

  it("signs in by national ID from the email's link and reads the granted letter", async () => {
    const link = await patientsLetterLink();
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(link);
      expect(page.url().startsWith(stack.signIn.issuer)).toBe(true);
      await openSignedIn(page, link, patientNationalId, "patient-sign-in.png");
      expect(page.url()).toBe(link);
      await page.screenshot({
        path: new URL("patient-letter.png", SCREENSHOTS).pathname,
        fullPage: true,
      });
      expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe(
        "Svar på henvisning – rett til nødvendig helsehjelp",
      );
      const letter = (await page.locator("article.letter").textContent()) ?? "";
      expect(letter).toContain("Kopi til pasient");
      expect(letter).toContain("Kari Nordmann, født 15. mars 1985");
      expect(letter).toContain("Du har rett til nødvendig helsehjelp i spesialisthelsetjenesten");
      expect(letter).not.toContain(patientNationalId);
    } finally {
      await context.close();
    }
  });

  it("refuses another patient, signed in with their own national ID, with a page that reveals nothing", async () => {
    const link = await patientsLetterLink();
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(link);
      await page.getByLabel(/fødselsnummer/).fill("01010112345");
      await page.getByLabel("Passord").fill(stack.signIn.password);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url() === link),
        page.getByRole("button", { name: "Logg inn" }).click(),
      ]);
      await page.waitForLoadState("domcontentloaded");
      await page.screenshot({
        path: new URL("other-patient-refused.png", SCREENSHOTS).pathname,
        fullPage: true,
      });
      expect(response.status()).toBe(404);
      expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Fant ikke brevet");
      const body = (await page.locator("body").textContent()) ?? "";
      for (const secret of ["Kari", "Nordmann", "rett til nødvendig helsehjelp", "Kopi til pasient"]) {
        expect(body).not.toContain(secret);
      }
    } finally {
      await context.close();
    }
  });
});
