/**
 * The staff referral page end to end on the local default, over HTTP: without a session its GET
 * goes to sign-in and shows no health data, and the start-of-care POST answers 401 and records
 * nothing (a portal's request is no session either); a clerk is refused and the refusal logged; an
 * assessor reads the referral (each read in the access log: who, role, when, what) and records the
 * start of care from the page's form, as a browser does, with the page's token.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../lib/local/local-stack";
import {
  assessor,
  awaitFile,
  daysFromNow,
  eventTypes,
  lead,
  postForm,
  referralFile,
  signInAsAssessor,
  submitAndAwaitTask,
  workingDayFromNow,
} from "../support/e2e";
import { csrfTokenIn, fetchAs, sampleReferral, signIn } from "../support/http";
import { sharedLocalStack } from "../support/shared-stack";

const CLERK = "kari.dahl@smerteklinikk.example";
const PATIENT = "Kari Nordmann";

let stack: LocalStack;

beforeAll(async () => {
  stack = await sharedLocalStack();
});

describe("the staff referral page", () => {
  it("is shown only to a signed-in assessor or lead, each read logged, and records the start of care from its form", async () => {
    // Prepare: a granted referral.
    const { referralId, taskLink } = await submitAndAwaitTask(stack, sampleReferral(), "staff-page-1");
    const staff = await signInAsAssessor(stack);
    const decided = await postForm(
      taskLink,
      {
        outcome: "granted",
        careForm: "team",
        startOfCareDeadline: workingDayFromNow(60),
        plannedStart: daysFromNow(20),
      },
      staff,
    );
    expect(decided.status).toBe(200);
    await awaitFile(stack, referralId, (file) => eventTypes(file).includes("decision-recorded"), "the grant");
    const pageUrl = `${stack.apiUrl}/staff/referrals/${referralId}`;
    // The confirmation links to the referral's staff page, where the start of care is recorded.
    const href = /<a href="([^"]*staff\/referrals\/[^"]*)"/.exec(await decided.text())?.[1] ?? "";
    expect(new URL(href, `${taskLink}/decision`).href).toBe(pageUrl);
    const startUrl = `${stack.apiUrl}/referrals/${referralId}/start-of-care`;
    const today = daysFromNow(0);

    // Act: no session (a browser, a form post, a portal's JSON), then a clerk.
    const anonymousPage = await fetchAs(undefined, pageUrl);
    const anonymousForm = await fetchAs(undefined, startUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: new URL(pageUrl).origin },
      body: new URLSearchParams({ startedOn: today }).toString(),
    });
    const portal = await fetch(startUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ startedOn: today }),
    });
    const clerk = await signIn(stack, CLERK);
    const asClerk = await fetchAs(clerk, pageUrl);

    // Assess: nothing shown, nothing recorded.
    expect(anonymousPage.status).toBe(303);
    expect(anonymousPage.headers.get("location")).toContain("/auth/login");
    expect(await anonymousPage.text()).not.toContain(PATIENT);
    expect([anonymousForm.status, portal.status]).toEqual([401, 401]);
    expect(asClerk.status).toBe(403);
    expect(await asClerk.text()).not.toContain(PATIENT);
    expect(eventTypes(await referralFile(stack, referralId))).not.toContain("start-of-care-recorded");

    // Act: the assessor opens the page and records the start from its form.
    const page = await fetchAs(staff, pageUrl);
    const html = await page.text();
    const recorded = await fetchAs(staff, startUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: new URL(pageUrl).origin },
      body: new URLSearchParams({
        startedOn: today,
        plannedStart: "",
        csrfToken: csrfTokenIn(html),
      }).toString(),
    });

    // Assess: the page, the start recorded by the assessor, and every read in the lead's access log.
    expect(page.status).toBe(200);
    expect(html).toContain(PATIENT);
    expect(html).toContain('id="start-of-care-form"');
    expect(recorded.status).toBe(200);
    expect(await recorded.text()).toContain("Oppstarten er registrert");
    const file = await referralFile(stack, referralId);
    expect((file.startOfCare as { startedOn: string }).startedOn).toBe(today);
    const event = (file.events as { type: string; actor: { id: string } }[]).find(
      (e) => e.type === "start-of-care-recorded",
    );
    expect(event?.actor.id).toBe(assessor);
    const leadSession = await signIn(stack, lead);
    const log = (await (
      await fetchAs(leadSession, `${stack.apiUrl}/access-log/${referralId}`, {
        headers: { accept: "application/json" },
      })
    ).json()) as { events: { who: string; role: string; what: string; outcome: string; at: string }[] };
    const views = log.events.filter((e) => e.what === "referral-view");
    expect(views).toEqual([
      expect.objectContaining({ who: CLERK, role: "clerk", outcome: "refused" }),
      expect.objectContaining({ who: assessor, role: "assessor", outcome: "viewed" }),
      expect.objectContaining({ who: assessor, role: "assessor", outcome: "viewed" }),
    ]);
    for (const view of views) expect(Date.parse(view.at)).not.toBeNaN();
  });
});
