/**
 * The staff home in a real browser, as browser.test.ts drives one (headless Chromium through
 * playwright-core, the local provider's sign-in form): the lead signs in at /staff, sees the three
 * open referrals in deadline order with the one near its deadline flagged at risk, opens one, decides
 * it on its task page and is back on the home with it gone from the open list; the clerk sees the
 * patient's letter to post, prints it, marks it sent and sees the count drop; an assessor sees the
 * intake meetings with their referrals and opens one; the lead finds a referral by national ID with
 * the keyboard, which leaves exactly one access-log entry. The home must read at 320 px without
 * sideways scrolling. With every follow-up list filled in (a start of care due with an expected breach,
 * an information request, a letter to post, meetings, and for operations a stopped workflow and what
 * the reconciler did about it) the homes and the lists they link to are checked again, at full width
 * and at 320 px. Every page opened is checked with axe-core against WCAG 2.1 A and AA (0
 * violations). The screenshots the README shows are written to test/screenshots/.
 */
import { mkdirSync } from "node:fs";
import { SFNClient, StopExecutionCommand } from "@aws-sdk/client-sfn";
import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assessmentDueDate,
  defaultCalendarRules,
  osloDate,
  osloInstant,
} from "../../functions/domain/calendar";
import { addDays } from "../../functions/domain/decision-labels";
import { workingDaysLeft } from "../../functions/domain/legal-clock";
import { makeNationalId } from "../../functions/domain/national-id";
import type { LocalStack } from "../../lib/local/local-stack";
import { executionArnFor } from "../../lib/local/stepfunctions/endpoint";
import { launchChromium } from "../support/browser";
import {
  assessor,
  awaitFile,
  daysFromNow,
  eventTypes,
  lead,
  postForm,
  signInAsAssessor,
  submitAndAwaitTask,
  withPatient,
  workingDayFromNow,
} from "../support/e2e";
import { fetchAs } from "../support/http";
import { sharedLocalStack } from "../support/shared-stack";

/** The README's screenshots: kept in the repository, remade by every run. */
const SCREENSHOTS = new URL("../screenshots/", import.meta.url);
const CLERK = "kari.dahl@smerteklinikk.example";
const OPERATIONS = "per.berg@smerteklinikk.example";

let stack: LocalStack;
let browser: Browser;
/** The three referrals in deadline order: the forwarded one (near its deadline, postal patient) first. */
const referrals: string[] = [];

/** A valid national ID no other referral of this run has. */
const NATIONAL_ID = (() => {
  for (let individual = 420; individual < 500; individual++) {
    const id = makeNationalId("1988-09-23", individual);
    if (id) return id;
  }
  throw new Error("no national ID");
})();

/** An ansiennitetsdato whose assessment falls due one or two working days from today. */
function originalDateNearItsDeadline(): string {
  const today = osloDate(new Date());
  for (let back = 1; back < 40; back++) {
    const date = addDays(today, -back);
    const due = assessmentDueDate(osloInstant(date, 12, 0), defaultCalendarRules);
    const left = workingDaysLeft(today, due, defaultCalendarRules);
    if (left >= 1 && left <= 2) return date;
  }
  throw new Error("no date found");
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  stack = await sharedLocalStack({ empty: true });
  browser = await launchChromium();
  // The forwarded referral's patient has no email: the answer to her goes by post.
  const base = withPatient("Frida Frist");
  const { email: _email, ...postalPatient } = base.patient as Record<string, unknown>;
  const forwarded = {
    ...base,
    patient: { ...postalPatient, nationalId: NATIONAL_ID },
    kind: "forwarded",
    originalReceivedDate: originalDateNearItsDeadline(),
    previousInstitution: "Sykehuset Innlandet",
  };
  const submitted = await Promise.all([
    submitAndAwaitTask(stack, forwarded, "browser-home-forwarded"),
    submitAndAwaitTask(stack, withPatient("Nora Ny"), "browser-home-new-1"),
    submitAndAwaitTask(stack, { ...withPatient("Ulla Urgent"), priority: "urgent" }, "browser-home-new-2"),
  ]);
  const [first, ...rest] = submitted.map((s) => s.referralId);
  referrals.push(first as string, ...rest.sort());
}, 300_000);

afterAll(async () => {
  await browser?.close();
});

/** Opens /staff in a new browser profile and signs in there through the provider's form. */
async function signInAtHome(identifier: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const home = `${stack.apiUrl}/staff`;
  await page.goto(home);
  expect(page.url().startsWith(stack.signIn.issuer)).toBe(true);
  await page.getByLabel("E-post").fill(identifier);
  await page.getByLabel("Passord").fill(stack.signIn.password);
  await Promise.all([
    page.waitForURL((url) => url.href === home),
    page.getByRole("button", { name: "Logg inn" }).click(),
  ]);
  return page;
}

/** The referral ids of the open list, top to bottom. */
const openList = (page: Page) => page.locator("tr.referral-row th a").allTextContents();

/** Reloads until `done` holds (the workflow finishes behind the page), with a generous deadline. */
async function reloadUntil(page: Page, done: () => Promise<boolean>, what: string, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(500);
    await page.reload();
  }
}

/**
 * Every page the test opens is checked against WCAG 2.1 A and AA (axe-core's rules with those tags).
 * Only violations are asserted, so axe details the other results (passes, incomplete) for one node
 * each: half its CPU on these pages. `options` comes first because it replaces the tags.
 */
async function expectAccessible(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page })
    .options({ resultTypes: ["violations"] })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  expect(
    violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target).join(" ")}`),
    `WCAG 2.1 A/AA violations on ${new URL(page.url()).pathname}`,
  ).toEqual([]);
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: new URL(name, SCREENSHOTS).pathname, fullPage: true });

// Each test may wait up to reloadUntil's 90 s for the workflow, and then still click and check.
describe("the staff home in the browser", { timeout: 180_000 }, () => {
  it("the lead sees the open referrals in deadline order, the one at risk flagged, decides one and is back with it gone", async () => {
    const page = await signInAtHome(lead);
    expect(await openList(page)).toEqual(referrals);
    const firstRow = page.locator("tr.referral-row").first();
    expect(await firstRow.textContent()).toContain("Fristen er i fare");
    await expectAccessible(page);
    expect(await page.locator("tr.referral-row").nth(1).textContent()).not.toContain("Fristen er i fare");
    await shot(page, "staff-home.png");

    // Open the first, go to its task, refuse it with justification and advice.
    await firstRow.getByRole("link").click();
    await expectAccessible(page);
    await page.getByRole("link", { name: "Vurder henvisningen" }).click();
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Vurdering av henvisning");
    await shot(page, "task-page.png");
    await expectAccessible(page);
    await page.locator("#refused-justification").fill("Kan følges opp hos fastlegen.");
    await page.locator("#refused-advice").fill("Gradert aktivitet og fysioterapi.");
    await page.getByRole("button", { name: "Registrer avslag" }).click();
    await page.waitForLoadState("domcontentloaded");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Vurderingen er registrert");
    await expectAccessible(page);

    // Back on the home through the navigation bar: the decided referral leaves the open list.
    await page.getByRole("navigation", { name: "Hovedmeny" }).getByRole("link", { name: "Oversikt" }).click();
    await reloadUntil(
      page,
      async () => JSON.stringify(await openList(page)) === JSON.stringify(referrals.slice(1)),
      "the decided referral to leave the open list",
    );
    await page.context().close();
  });

  it("the clerk sees the patient's letter to post, prints it, marks it sent, and the home counts one less", async () => {
    const page = await signInAtHome(CLERK);
    await expectAccessible(page);
    const count = () => page.locator("#letters-title + p strong.count").textContent();
    await reloadUntil(page, async () => (await count()) === "1", "the refusal's postal letter");
    await page.getByRole("link", { name: "Åpne listen over brev til postlegging" }).click();
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Brev til postlegging");
    await expectAccessible(page);
    // The print link opens the letter in the same tab (waiting for a new tab would only time out).
    const print = page.getByRole("link", { name: "Skriv ut" }).first();
    const letterUrl = new URL((await print.getAttribute("href")) ?? "", page.url()).toString();
    await Promise.all([page.waitForURL(letterUrl), print.click()]);
    expect(await page.content()).toContain("Frida Frist");
    await shot(page, "patient-letter.png");
    await expectAccessible(page);
    await page.goBack();
    await page.getByRole("button", { name: "Merk som sendt" }).first().click();
    await page.waitForLoadState("domcontentloaded");
    await page.getByRole("navigation", { name: "Hovedmeny" }).getByRole("link", { name: "Oversikt" }).click();
    expect(await count()).toBe("0");
    await page.context().close();
  });

  it("an assessor sees the intake meetings with their referrals, and opens one", async () => {
    const page = await signInAtHome(assessor);
    const meetings = page.locator("ul.meetings > li");
    expect(await meetings.count()).toBeGreaterThan(0);
    await expectAccessible(page);
    const onMeetings = await page.locator("ul.meetings a[href*='/staff/referrals/']").allTextContents();
    for (const referralId of referrals.slice(1)) expect(onMeetings).toContain(referralId);
    await page.locator("ul.meetings a[href*='/staff/referrals/']").first().click();
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toMatch(/^Henvisning /);
    await expectAccessible(page);
    await page.context().close();
  });

  it("the lead finds a referral by national ID with the keyboard alone, which leaves one access-log entry", async () => {
    const page = await signInAtHome(lead);
    // The first Tab reaches the skip link, the way past the navigation bar.
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement && document.activeElement.textContent")).toBe(
      "Hopp til innholdet",
    );
    await page.locator("#search-query").focus();
    await page.keyboard.type(NATIONAL_ID);
    await Promise.all([page.waitForURL(`${stack.apiUrl}/staff/search`), page.keyboard.press("Enter")]);
    expect(await page.getByRole("heading", { level: 2, name: "Én henvisning passer søket" }).count()).toBe(1);
    expect(page.url()).not.toContain(NATIONAL_ID);
    await expectAccessible(page);

    const log = (await (
      await page.request.get(`${stack.apiUrl}/access-log/${referrals[0]}`, {
        headers: { accept: "application/json" },
      })
    ).json()) as { events: { what: string; who: string; searched?: { term: string } }[] };
    expect(log.events.filter((event) => event.what === "search")).toEqual([
      expect.objectContaining({ who: lead, searched: { by: "national-id", term: NATIONAL_ID } }),
    ]);
    await page.context().close();
  });

  it("opens the follow-up lists non-empty (starts of care, information requests, breaches and Helfo notices, letters to post, meetings, operations' findings), each with 0 WCAG 2.1 A/AA violations, at full width and at 320 px", async () => {
    // Prepare: a right granted to a patient without email (its letter waits for post), its start due
    // within the reminder window and recorded as an expected breach (a Helfo notice to report); a
    // referral whose assessor asked the referrer for more; a referral whose execution stopped, which
    // the reconciler resumes (only this test's run, so no scheduled run replaces its findings).
    await stack.recovery?.stop();
    const base = withPatient("Per Post");
    const { email: _email, ...postalPatient } = base.patient as Record<string, unknown>;
    const [toGrant, toAsk, toStrand] = await Promise.all([
      submitAndAwaitTask(stack, { ...base, patient: postalPatient }, "browser-home-grant"),
      submitAndAwaitTask(stack, withPatient("Ida Spurt"), "browser-home-ask"),
      submitAndAwaitTask(stack, withPatient("Siri Strandet"), "browser-home-strand"),
    ]);
    const staff = await signInAsAssessor(stack);
    const granted = await postForm(
      toGrant.taskLink,
      {
        outcome: "granted",
        careForm: "team",
        startOfCareDeadline: workingDayFromNow(3),
        plannedStart: daysFromNow(1),
      },
      staff,
    );
    expect(granted.status).toBe(200);
    const asked = await postForm(
      toAsk.taskLink,
      { outcome: "information-requested", question: "Hvilke legemidler er prøvd?", assessedBy: "1234567" },
      staff,
    );
    expect(asked.status).toBe(200);
    await awaitFile(
      stack,
      toGrant.referralId,
      (file) => eventTypes(file).includes("workflow-completed"),
      "the grant recorded and its letters out",
    );
    const view = await fetchAs(staff, `${stack.apiUrl}/staff/referrals/${toGrant.referralId}`, {
      headers: { accept: "application/json" },
    });
    const { csrfToken } = (await view.json()) as { csrfToken: string };
    const expected = await fetchAs(staff, `${stack.apiUrl}/referrals/${toGrant.referralId}/start-of-care`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrfToken },
      body: JSON.stringify({ breach: "expected", reason: "Ingen ledige timer før fristen" }),
    });
    expect(expected.status).toBe(200);
    const sfn = new SFNClient({
      endpoint: stack.sfnEndpoint,
      region: stack.region,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    const stranded = executionArnFor(stack.stateMachineArn, toStrand.referralId);
    await sfn.send(new StopExecutionCommand({ executionArn: stranded }));
    sfn.destroy();
    await stack.stepFunctions.engine.waitForExecution(stranded);
    await stack.recovery?.run();

    // Act and assess: the lead's home with every follow-up list filled in.
    const page = await signInAtHome(lead);
    const rowsOf = (selector: string) => page.locator(selector).allTextContents();
    await reloadUntil(
      page,
      async () =>
        (await rowsOf("tr.start-row th")).includes(toGrant.referralId) &&
        (await rowsOf("tr.request-row th")).includes(toAsk.referralId) &&
        Number(await page.locator("#letters-title + p strong.count").textContent()) > 0 &&
        Number(await page.locator("#helfo-title + p strong.count").textContent()) > 0,
      "the start of care, the request, the letter to post and the Helfo notice on the home",
    );
    expect(await page.locator("#helfo-title + p").textContent()).toContain("1 forventet");
    expect(await page.locator("ul.meetings > li").count()).toBeGreaterThan(0);
    await expectAccessible(page);
    await page.setViewportSize({ width: 320, height: 800 });
    await expectAccessible(page);
    await page.setViewportSize({ width: 1280, height: 800 });

    // The lists the home links to, non-empty too.
    await page.getByRole("link", { name: "Åpne listen over fristbrudd" }).click();
    expect(await page.locator("tbody tr").count()).toBeGreaterThan(0);
    await expectAccessible(page);
    await page.goBack();
    await page.getByRole("link", { name: "Åpne listen over brev til postlegging" }).click();
    expect(await page.getByRole("button", { name: "Merk som sendt" }).count()).toBeGreaterThan(0);
    await expectAccessible(page);
    await page.context().close();

    // Operations: the stopped workflow and what the reconciler found and did.
    const operations = await signInAtHome(OPERATIONS);
    expect(await operations.locator("#recovery-title + p + div tbody tr").allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining(toStrand.referralId)]),
    );
    await expectAccessible(operations);
    await operations.setViewportSize({ width: 320, height: 800 });
    await expectAccessible(operations);
    await operations.context().close();
  });

  it("reads at 320 px: the home needs no sideways scrolling", async () => {
    const page = await signInAtHome(lead);
    await page.setViewportSize({ width: 320, height: 800 });
    const overflow = await page.evaluate<number>("document.documentElement.scrollWidth");
    expect(overflow).toBeLessThanOrEqual(320);
    await shot(page, "staff-home-320.png");
    await page.context().close();
  });
});
