/**
 * The lead's follow-ups on the staff home, end to end on the local default over HTTP: a right
 * granted with its start-of-care deadline a few working days ahead shows under the starts of care
 * to confirm, linked to the referral's staff page (where the start is confirmed); a referral whose
 * assessor asked the referrer for more information shows under the requests awaiting an answer,
 * linked to its task's page. Both as a page and as JSON for the same URL; no patient data on the
 * home, and the referral page opened from it logs the lead's read. (On the worker's shared stack,
 * emptied first: the staff home suite counts its referrals exactly.)
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../lib/local/local-stack";
import {
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
import { fetchAs, type SignedIn, signIn } from "../support/http";
import { sharedLocalStack } from "../support/shared-stack";

let stack: LocalStack;
let asLead: SignedIn;
/** The granted referral, its start of care due within the clinic's reminder window. */
let granted: string;
const deadline = workingDayFromNow(3);
/** The referral waiting for the referrer's answer, and its task's link. */
let asked: { referralId: string; taskLink: string };

interface FollowUps {
  startsOfCare: {
    items: { referralId: string; startOfCareDeadline: string; deadlineNear: boolean; href: string }[];
  };
  informationRequests: { items: { referralId: string; taskId: string; href: string }[] };
}

beforeAll(async () => {
  stack = await sharedLocalStack({ empty: true });
  const [toGrant, toAsk] = await Promise.all([
    submitAndAwaitTask(stack, withPatient("Gro Innvilget"), "home-follow-up-grant"),
    submitAndAwaitTask(stack, withPatient("Ida Spurt"), "home-follow-up-ask"),
  ]);
  const staff = await signInAsAssessor(stack);
  const decided = await postForm(
    toGrant.taskLink,
    { outcome: "granted", careForm: "team", startOfCareDeadline: deadline, plannedStart: daysFromNow(1) },
    staff,
  );
  expect(decided.status).toBe(200);
  const question = await postForm(
    toAsk.taskLink,
    { outcome: "information-requested", question: "Hvilke legemidler er prøvd?", assessedBy: "1234567" },
    staff,
  );
  expect(question.status).toBe(200);
  granted = toGrant.referralId;
  asked = { referralId: toAsk.referralId, taskLink: toAsk.taskLink };
  await awaitFile(stack, granted, (file) => eventTypes(file).includes("decision-recorded"), "the grant");
  await awaitFile(
    stack,
    asked.referralId,
    (file) => eventTypes(file).includes("information-requested"),
    "the information request",
  );
  asLead = await signIn(stack, lead);
}, 240_000);

describe("the lead's follow-ups on the staff home", () => {
  it("lists the start of care due and the information request awaiting an answer, as JSON, without patient data", async () => {
    const response = await fetchAs(asLead, `${stack.apiUrl}/staff`, {
      headers: { accept: "application/json" },
    });
    expect(response.status).toBe(200);
    const home = (await response.json()) as FollowUps;

    expect(home.startsOfCare.items).toEqual([
      expect.objectContaining({
        referralId: granted,
        startOfCareDeadline: deadline,
        deadlineNear: true,
        href: `/staff/referrals/${granted}`,
      }),
    ]);
    const taskId = new URL(asked.taskLink).pathname.split("/").at(-1) ?? "";
    expect(home.informationRequests.items).toEqual([
      expect.objectContaining({ referralId: asked.referralId, taskId, href: `/tasks/${taskId}` }),
    ]);
    const text = JSON.stringify(home);
    expect(text).not.toContain("Gro Innvilget");
    expect(text).not.toContain("Ida Spurt");
  });

  it("links the start of care to the referral's page, which logs the lead's read, and the request to its task's page", async () => {
    const page = await fetchAs(asLead, `${stack.apiUrl}/staff`, { headers: { accept: "text/html" } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain("Oppstart av helsehjelp");
    expect(html).toContain("Fristen nærmer seg");
    expect(html).toContain("Forespørsler som venter på svar");
    expect(html).not.toContain("Gro Innvilget");
    const starts = html.slice(html.indexOf('id="starts-title"'), html.indexOf('id="requests-title"'));
    const requests = html.slice(html.indexOf('id="requests-title"'));
    const startHref = /<a href="(\/staff\/referrals\/[^"]+)">/.exec(starts)?.[1] ?? "";
    const requestHref = /<a href="(\/tasks\/[^"]+)">/.exec(requests)?.[1] ?? "";
    expect(startHref).toBe(`/staff/referrals/${granted}`);

    const referralPage = await fetchAs(asLead, `${stack.apiUrl}${startHref}`);
    const task = await fetchAs(asLead, `${stack.apiUrl}${requestHref}`);

    expect(referralPage.status).toBe(200);
    expect(await referralPage.text()).toContain("Gro Innvilget");
    expect(`${stack.apiUrl}${requestHref}`).toBe(asked.taskLink);
    expect(task.status).toBe(200);
    const log = (await (
      await fetchAs(asLead, `${stack.apiUrl}/access-log/${granted}`, {
        headers: { accept: "application/json" },
      })
    ).json()) as { events: { who: string; what: string }[] };
    expect(log.events.filter((event) => event.who === lead && event.what === "referral-view")).toHaveLength(
      1,
    );
  });

  it("refuses a forged cursor of either list, naming its parameter", async () => {
    for (const param of ["startsCursor", "requestsCursor"]) {
      const response = await fetchAs(asLead, `${stack.apiUrl}/staff?${param}=bm90LWEtY3Vyc29y`, {
        headers: { accept: "application/json" },
      });
      expect(response.status, param).toBe(400);
      expect(await response.json(), param).toMatchObject({ issues: [{ path: param }] });
    }
  });
});
