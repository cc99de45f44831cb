/**
 * The staff home end to end on the local default, over HTTP: an unsigned visitor is sent to sign-in
 * and back; the lead sees the open referrals soonest deadline first, the one near its deadline
 * flagged at risk, as a page and as JSON for the same URL, paged; each row opens the referral's
 * staff page, which links to its open task; a clerk sees the letters and Helfo notices to handle and
 * no referral list; every staff page carries the navigation bar for the person's roles with sign-out.
 * The lead finds a referral again by the patient's national ID with a form post (no national ID in
 * any URL), and the search leaves exactly one access-log entry: who, role, when, what was searched.
 */
import { beforeAll, describe, expect, it } from "vitest";
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
import { lead, submitAndAwaitTask, withPatient } from "../support/e2e";
import { fetchAs, type SignedIn, sampleReferral, signIn } from "../support/http";
import { sharedLocalStack } from "../support/shared-stack";

const CLERK = "kari.dahl@smerteklinikk.example";
const OPERATIONS = "per.berg@smerteklinikk.example";

let stack: LocalStack;
/** The three referrals, in the order of their deadlines: the forwarded one first, near its deadline. */
const referrals: string[] = [];
let asLead: SignedIn;
/** The forwarded referral's patient: a national ID no other referral here has. */
const FRIDA = (() => {
  for (let individual = 400; individual < 500; individual++) {
    const id = makeNationalId("1990-05-17", individual);
    if (id) return id;
  }
  throw new Error("no national ID");
})();

/**
 * An ansiennitetsdato whose assessment falls due one or two working days from today: the referral
 * is at risk on the home whatever day the test runs (weekends and holidays included).
 */
function originalDateNearItsDeadline(): string {
  const today = osloDate(new Date());
  for (let back = 1; back < 40; back++) {
    const date = addDays(today, -back);
    const left = workingDaysLeft(
      today,
      assessmentDueDate(osloInstant(date, 12, 0), defaultCalendarRules),
      defaultCalendarRules,
    );
    if (left >= 1 && left <= 2) return date;
  }
  throw new Error("no date found");
}

beforeAll(async () => {
  stack = await sharedLocalStack({ empty: true });
  const base = withPatient("Frida Frist");
  const forwarded = {
    ...base,
    patient: { ...(base.patient as object), nationalId: FRIDA },
    kind: "forwarded",
    originalReceivedDate: originalDateNearItsDeadline(),
    previousInstitution: "Sykehuset Innlandet",
  };
  const submitted = await Promise.all([
    submitAndAwaitTask(stack, forwarded, "home-forwarded"),
    submitAndAwaitTask(stack, withPatient("Nora Ny"), "home-new-1"),
    submitAndAwaitTask(stack, { ...sampleReferral(), priority: "urgent" }, "home-new-2"),
  ]);
  const [first, ...rest] = submitted.map((s) => s.referralId);
  // The two new ones fall due the same day: the index orders them by id.
  referrals.push(first as string, ...rest.sort());
  asLead = await signIn(stack, lead);
}, 240_000);

describe("the staff home", () => {
  it("sends an unsigned visitor to sign-in and back to /staff", async () => {
    const response = await fetchAs(undefined, `${stack.apiUrl}/staff`, { headers: { accept: "text/html" } });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get("location") ?? "");
    expect(location.pathname).toBe("/auth/login");
    expect(location.searchParams.get("returnTo")).toBe("/staff");
  });

  it("shows the lead the open referrals soonest deadline first, the one near its deadline at risk, as JSON for the same URL", async () => {
    const response = await fetchAs(asLead, `${stack.apiUrl}/staff`, {
      headers: { accept: "application/json" },
    });
    expect(response.status).toBe(200);
    const home = (await response.json()) as {
      openReferrals: { items: { referralId: string; atRisk: boolean; urgent: boolean; href: string }[] };
      meetings: unknown[];
      letters: { toPost: number };
      helfo: { toReport: number };
    };
    const items = home.openReferrals.items;
    expect(items.map((item) => item.referralId)).toEqual(referrals);
    expect(items.map((item) => item.atRisk)).toEqual([true, false, false]);
    expect(items.filter((item) => item.urgent)).toHaveLength(1);
    expect(home.meetings).toBeInstanceOf(Array);
    expect(typeof home.letters.toPost).toBe("number");
    expect(typeof home.helfo.toReport).toBe("number");
    // No patient data on the home.
    expect(JSON.stringify(home)).not.toContain("Frida Frist");
  });

  it("pages the open referrals with the cursor of the previous page", async () => {
    const first = await fetchAs(asLead, `${stack.apiUrl}/staff?limit=2`, {
      headers: { accept: "application/json" },
    });
    const page1 = (await first.json()) as {
      openReferrals: { items: { referralId: string }[]; nextCursor?: string };
    };
    expect(page1.openReferrals.items.map((item) => item.referralId)).toEqual(referrals.slice(0, 2));
    const cursor = page1.openReferrals.nextCursor ?? "";
    const second = await fetchAs(
      asLead,
      `${stack.apiUrl}/staff?${new URLSearchParams({ limit: "2", cursor })}`,
      { headers: { accept: "application/json" } },
    );
    const page2 = (await second.json()) as { openReferrals: { items: { referralId: string }[] } };
    expect(page2.openReferrals.items.map((item) => item.referralId)).toEqual(referrals.slice(2));
    const forged = await fetchAs(asLead, `${stack.apiUrl}/staff?cursor=bm90LWEtY3Vyc29y`, {
      headers: { accept: "application/json" },
    });
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ issues: [{ path: "cursor" }] });
  });

  it("links each row to the referral's staff page, which links to its open task, both with the navigation bar", async () => {
    const page = await fetchAs(asLead, `${stack.apiUrl}/staff`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<nav aria-label="Hovedmeny">');
    expect(html).toContain('<a href="/staff" aria-current="page">Oversikt</a>');
    expect(html).toContain('<a href="/letters">Brev til postlegging</a>');
    expect(html).toContain('<a href="/statistics">Statistikk</a>');
    expect(html).toContain('action="/auth/logout"');
    expect(html).toContain("Fristen er i fare");
    const hrefs = [...html.matchAll(/<a href="(\/staff\/referrals\/[^"]+)">/g)].map((m) => m[1]);
    expect(hrefs.slice(0, 3)).toEqual(referrals.map((id) => `/staff/referrals/${id}`));

    const referralPage = await fetchAs(asLead, `${stack.apiUrl}${hrefs[0]}`);
    const referralHtml = await referralPage.text();
    expect(referralPage.status).toBe(200);
    expect(referralHtml).toContain('<nav aria-label="Hovedmeny">');
    const taskHref = /<a href="([^"]+)">Vurder henvisningen<\/a>/.exec(referralHtml)?.[1] ?? "";
    const task = await fetchAs(asLead, new URL(taskHref, `${stack.apiUrl}${hrefs[0]}`).href);
    expect(task.status).toBe(200);
    expect(await task.text()).toContain("Vurdering av henvisning");
  });

  it("shows a clerk the letters and Helfo notices to handle, without the referral list or statistics", async () => {
    const clerk = await signIn(stack, CLERK);
    const response = await fetchAs(clerk, `${stack.apiUrl}/staff`, { headers: { accept: "text/html" } });
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(html).toContain("Brev til postlegging");
    expect(html).toContain("Fristbrudd til Helfo");
    expect(html).not.toContain("Åpne henvisninger");
    expect(html).not.toContain("/staff/referrals/");
    expect(html).not.toContain('href="/statistics"');
  });

  it("shows operations the stopped workflows and the statistics, and nothing of the intake lists", async () => {
    const operations = await signIn(stack, OPERATIONS);
    const response = await fetchAs(operations, `${stack.apiUrl}/staff`, {
      headers: { accept: "application/json" },
    });
    const home = (await response.json()) as Record<string, unknown>;
    expect(response.status).toBe(200);
    expect(home).toHaveProperty("operations");
    expect(home).toHaveProperty("statisticsHref", "/statistics");
    expect(home).not.toHaveProperty("openReferrals");
    expect(home).not.toHaveProperty("letters");
  });

  it("finds a referral again by the patient's national ID from the home's form, with one access-log entry and no national ID in a URL", async () => {
    // Prepare: the home's search form.
    const home = await (
      await fetchAs(asLead, `${stack.apiUrl}/staff`, { headers: { accept: "text/html" } })
    ).text();
    const action = /<form method="post" action="([^"]+)" class="search">/.exec(home)?.[1] ?? "";
    const csrfToken = /name="csrfToken" value="([^"]+)"/.exec(
      home.slice(home.indexOf('class="search"')),
    )?.[1];
    expect(action).toBe("/staff/search");

    // Act: the lead searches as people write the number (with a space).
    const response = await fetchAs(asLead, `${stack.apiUrl}${action}`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: new URL(stack.apiUrl).origin,
      },
      body: new URLSearchParams({
        csrfToken: csrfToken ?? "",
        query: `${FRIDA.slice(0, 6)} ${FRIDA.slice(6)}`,
      }).toString(),
    });

    // Assess: Frida's referral only, linked to its page; one entry in its access log.
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(html).toContain("Én henvisning passer søket");
    expect(html).toContain("Frida Frist");
    expect(html).toContain(`href="/staff/referrals/${referrals[0]}"`);
    const log = (await (
      await fetchAs(asLead, `${stack.apiUrl}/access-log/${referrals[0]}`, {
        headers: { accept: "application/json" },
      })
    ).json()) as { events: { who: string; role: string; what: string; at: string; searched?: unknown }[] };
    const searches = log.events.filter((event) => event.what === "search");
    expect(searches).toEqual([
      expect.objectContaining({
        who: lead,
        role: "assessor,lead",
        searched: { by: "national-id", term: FRIDA },
      }),
    ]);
    expect(Date.parse(searches[0]?.at ?? "")).not.toBeNaN();
  });

  it("refuses a search without the session's token, from a clerk, or of a number that is no national ID, and says which field", async () => {
    const url = `${stack.apiUrl}/staff/search`;
    const post = (session: SignedIn, headers: Record<string, string>, body: unknown) =>
      fetchAs(session, url, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      });
    const home = (await (
      await fetchAs(asLead, `${stack.apiUrl}/staff`, { headers: { accept: "application/json" } })
    ).json()) as { csrfToken: string };

    const noToken = await post(asLead, {}, { query: FRIDA });
    const clerk = await post(
      await signIn(stack, CLERK),
      { "x-csrf-token": home.csrfToken },
      { query: FRIDA },
    );
    const invalid = await post(asLead, { "x-csrf-token": home.csrfToken }, { query: "12345678901" });
    const byId = await post(asLead, { "x-csrf-token": home.csrfToken }, { query: referrals[1] });

    expect(noToken.status).toBe(403);
    expect(clerk.status).toBe(403);
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: "validation_failed", issues: [{ path: "query" }] });
    expect(byId.status).toBe(200);
    expect(await byId.json()).toMatchObject({
      by: "referral-id",
      referrals: [{ referralId: referrals[1], href: `/staff/referrals/${referrals[1]}` }],
    });
  });

  it("shows the lead the statistics page: the chart by month of the last twelve months and Table 1, as on the local operations page", async () => {
    const response = await fetchAs(asLead, `${stack.apiUrl}/statistics`, {
      headers: { accept: "text/html" },
    });
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(html).toContain(
      '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title"',
    );
    expect(html).toContain("Tabell 1: henvisninger, rett og avslag per periode");
    expect(html).toContain('<a href="/statistics" aria-current="page">Statistikk</a>');
    // This month's three referrals are counted.
    const month = osloDate(new Date()).slice(0, 7);
    expect(html).toMatch(new RegExp(`<th scope="row">${month}</th><td>3</td>`));
    const byYear = await fetchAs(asLead, `${stack.apiUrl}/statistics?from=2026-01-01&to=2026-12-31&by=year`, {
      headers: { accept: "text/html" },
    });
    expect(await byYear.text()).toContain('<option value="year" selected>');
  });
});
