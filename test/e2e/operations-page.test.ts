/**
 * The local operations page on a running stack, after a fortnight of simulated time: executions by
 * state, a referral past its deadline and one nearing it, the statistics chart, and the patient's
 * letter waiting to be posted; then a screenshot with Debian's Chromium (test-results/). The page is
 * for a signed-in operations person or the lead: anyone else is sent to sign in (a browser) or gets
 * 401 (a script) or 403 (another role), with nothing of the page.
 */
import { existsSync, mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../lib/local/local-stack";
import { launchChromium } from "../support/browser";
import { awaitFile, signInAsAssessor, submitAndAwaitTask } from "../support/e2e";
import { eventually, fetchAs, postDecisionJson, sampleReferral, signIn } from "../support/http";
import { startTestStack } from "../support/worker-dynamodb";

/** The operations person of cdk.json's frist:staff. */
const OPERATIONS = "per.berg@smerteklinikk.example";

const SCREENSHOT = new URL("../../test-results/operations-page.png", import.meta.url);

async function advanceTo(stack: LocalStack, to: string) {
  const response = await fetch(`${stack.clockUrl}/advance`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ to }),
  });
  expect(response.status).toBe(200);
}

/** The text of the page's section with this id. */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}"`);
  expect(start, id).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf("</section>", start));
}

describe("the local operations page", () => {
  let stack: LocalStack;

  beforeAll(async () => {
    // Monday 3 March 2025, 09:00 in Oslo.
    stack = await startTestStack({
      clock: "2025-03-03T08:00:00Z",
      timeScale: 1,
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("shows executions by state, referrals past and nearing their deadline, the statistics chart and letters to post", async () => {
    // Prepare: A granted at once, its patient without email (a letter to post); B left undecided
    // (due Monday 17 March); D received Wednesday 5 March (due Wednesday 19 March).
    const byPost = sampleReferral();
    delete (byPost.patient as Record<string, unknown>).email;
    const a = await submitAndAwaitTask(stack, byPost, "ops-a");
    const b = await submitAndAwaitTask(stack, sampleReferral(), "ops-b");
    const granted = await postDecisionJson(
      a.taskLink,
      {
        outcome: "granted",
        careForm: "team",
        startOfCareDeadline: "2025-05-30",
        plannedStart: "2025-04-01",
        assessedBy: "1234567",
      },
      await signInAsAssessor(stack),
    );
    expect(granted.status).toBeLessThan(300);
    await awaitFile(
      stack,
      a.referralId,
      (file) =>
        (file.letters as { recipientRole: string; status: string }[]).some(
          (l) => l.recipientRole === "patient" && l.status === "awaiting-postal",
        ),
      "the patient's letter queued for post",
    );
    await advanceTo(stack, "2025-03-05T08:00:00Z");
    const d = await submitAndAwaitTask(stack, sampleReferral(), "ops-d");

    // Act: Tuesday 18 March, 10:00 in Oslo; the workflow records B's breach.
    await advanceTo(stack, "2025-03-18T09:00:00Z");
    await awaitFile(stack, b.referralId, (file) => file.deadlineBreached === true, "B's breach recorded");
    const operations = await signIn(stack, OPERATIONS);
    const html = await eventually(async () => {
      const page = await (await fetchAs(operations, stack.operationsUrl)).text();
      return page.includes(b.referralId) ? page : undefined;
    }, "the page listing B");

    // Nobody else sees any of it: a browser is sent to sign in (back to the page), a script gets 401,
    // an assessor 403; none of those answers holds an id.
    const anonymousBrowser = await fetch(stack.operationsUrl, {
      headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" },
      redirect: "manual",
    });
    expect(anonymousBrowser.status).toBe(303);
    const signInAt = new URL(anonymousBrowser.headers.get("location") ?? "");
    expect(`${signInAt.origin}${signInAt.pathname}`).toBe(`${stack.apiUrl}/auth/login`);
    const returnTo = await fetch(`${stack.apiUrl}${signInAt.searchParams.get("returnTo")}`, {
      redirect: "manual",
    });
    expect(returnTo.status).toBe(303);
    expect(returnTo.headers.get("location")).toBe(stack.operationsUrl);
    const anonymousScript = await fetch(stack.operationsUrl);
    expect(anonymousScript.status).toBe(401);
    expect(await anonymousScript.json()).toMatchObject({ error: "unauthenticated" });
    const assessorAnswer = await fetchAs(await signInAsAssessor(stack), stack.operationsUrl);
    expect(assessorAnswer.status).toBe(403);
    const refusals = [await anonymousBrowser.text(), await assessorAnswer.text()].join("\n");
    for (const id of [a.referralId, b.referralId, d.referralId]) expect(refusals).not.toContain(id);
    expect(refusals).not.toContain("past-deadline");

    // Assess
    // Three executions, none failed; B and D wait for their decisions (A follows its start of care;
    // a wait between a timer step and the next may briefly hold no token).
    const byState = section(html, "executions-by-state");
    const tile = (label: string) =>
      Number(new RegExp(`<strong>(\\d+)</strong><span>${label}</span>`).exec(byState)?.[1]);
    expect(tile("running") + tile("succeeded")).toBe(3);
    expect(tile("failed")).toBe(0);
    expect(tile("waiting for a decision")).toBeGreaterThanOrEqual(1);
    expect(section(html, "past-deadline")).toContain(b.referralId);
    expect(section(html, "past-deadline")).toContain("breached");
    expect(section(html, "nearing-deadline")).toContain(d.referralId);
    expect(section(html, "nearing-deadline")).not.toContain(b.referralId);
    const statistics = section(html, "statistics");
    expect(statistics).toContain("<svg");
    expect(statistics).toContain("2025-03: 1 granted");
    expect(statistics).toContain("2025-03: 2 pending");
    expect(section(html, "letters-awaiting-posting")).toContain(a.referralId);
    // Ids, dates and counts only: nothing of the patient.
    for (const datum of ["Kari", "Nordmann", "15038512282", "Storgata"]) expect(html).not.toContain(datum);

    mkdirSync(new URL(".", SCREENSHOT), { recursive: true });
    const browser = await launchChromium();
    try {
      // The browser opens the page, is sent to the local provider's form, signs in as operations and
      // comes back to the page.
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(stack.operationsUrl);
      expect(page.url().startsWith(stack.signIn.issuer)).toBe(true);
      await page.getByLabel(/E-post/).fill(OPERATIONS);
      await page.getByLabel("Passord").fill(stack.signIn.password);
      await Promise.all([
        page.waitForURL((url) => url.href === stack.operationsUrl),
        page.getByRole("button", { name: "Logg inn" }).click(),
      ]);
      await expect(page.locator("#statistics svg rect").count()).resolves.toBeGreaterThan(0);
      await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true });
    } finally {
      await browser.close();
    }
    expect(existsSync(SCREENSHOT)).toBe(true);
  });
});
