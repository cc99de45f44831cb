/**
 * Sign-in and need-to-know on the local default, over HTTP only, through the real local OpenID
 * provider: staff routes without a session show nothing and change nothing, the wrong role is
 * refused and logged, every view of a referral leaves an access event the lead can read, the
 * decision's author is the signed-in person, and sign-out ends the session.
 */
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { LOCAL_CREDENTIALS } from "../../lib/local/emulators/dynamodb-local";
import type { LocalStack } from "../../lib/local/local-stack";
import { readApiRoutes } from "../../lib/local/template";
import {
  assessor,
  eventTypes,
  lead,
  mailboxSize,
  postForm,
  referralFile,
  submitAndAwaitTask,
} from "../support/e2e";
import { csrfTokenIn, fetchAs, type SignedIn, sampleReferral, signIn } from "../support/http";
import { sharedLocalStack } from "../support/shared-stack";

let stack: LocalStack;
let assessorSession: SignedIn;
let leadSession: SignedIn;
const clerk = "kari.dahl@smerteklinikk.example";

beforeAll(async () => {
  stack = await sharedLocalStack();
  assessorSession = await signIn(stack, assessor);
  leadSession = await signIn(stack, lead);
});

const refusal = {
  outcome: "refused",
  justification: "Kan følges opp i primærhelsetjenesten.",
  advice: "Fysioterapi med fokus på mestring.",
  assessedBy: "Dr. Hvemsomhelst",
};

async function accessLogOf(referralId: string, session: SignedIn) {
  const response = await fetchAs(session, `${stack.apiUrl}/access-log/${referralId}`, {
    headers: { accept: "application/json" },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { events: Record<string, string>[] }).events;
}

/** How many items the stack's tables hold, read from DynamoDB Local itself. */
async function itemCount(): Promise<number> {
  const client = new DynamoDBClient({
    endpoint: stack.dynamodbEndpoint,
    region: stack.region,
    credentials: LOCAL_CREDENTIALS,
  });
  let count = 0;
  for (const TableName of stack.tableNames) {
    let ExclusiveStartKey: Record<string, never> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName, Select: "COUNT", ExclusiveStartKey }));
      count += page.Count ?? 0;
      ExclusiveStartKey = page.LastEvaluatedKey as typeof ExclusiveStartKey;
    } while (ExclusiveStartKey);
  }
  client.destroy();
  return count;
}

describe("a sign-in under way", () => {
  it("writes nothing to the table for an anonymous GET /auth/login: its state is a signed, short-lived cookie", async () => {
    // Prepare: the reconciler, which runs at start-up and every minute, records each run in the
    // table; stopped (after its run under way), nothing but these requests can write meanwhile.
    await stack.recovery?.stop();
    const before = await itemCount();

    // Act
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(`${stack.apiUrl}/auth/login?returnTo=%2Fauth%2Fsession`, { redirect: "manual" }),
      ),
    );

    // Assess
    for (const answer of answers) {
      expect(answer.status).toBe(303);
      expect(new URL(String(answer.headers.get("location"))).origin).toBe(
        new URL(stack.signIn.issuer).origin,
      );
      const cookie = String(answer.headers.get("set-cookie"));
      expect(cookie).toMatch(/^frist_signin=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+; /);
      expect(cookie).toContain("Max-Age=600");
      expect(cookie).toContain("HttpOnly");
      expect(cookie).toContain("SameSite=Lax");
    }
    expect(await itemCount()).toBe(before);
  });

  it("refuses a callback whose state cookie was not signed by Frist with a 400 that says so", async () => {
    const started = await fetch(`${stack.apiUrl}/auth/login`, { redirect: "manual" });
    const state = new URL(String(started.headers.get("location"))).searchParams.get("state") ?? "";
    const [payload] =
      String(started.headers.get("set-cookie")).split(";")[0]?.split("=")[1]?.split(".") ?? [];

    const forged = await fetch(`${stack.apiUrl}/auth/callback?state=${state}&code=x`, {
      redirect: "manual",
      headers: { cookie: `frist_signin=${payload}.${"A".repeat(43)}` },
    });

    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain("kunne ikke bekreftes");
  });
});

describe("staff routes without a session", () => {
  it("answers a GET of every staff page with 303 to sign-in that names the page, and shows no health data", async () => {
    const { taskLink } = await submitAndAwaitTask(stack, sampleReferral(), "signin-unauth-get");
    const taskPath = new URL(taskLink).pathname;
    for (const path of [
      taskPath,
      "/agendas/AAAAAAAAAAAAAAAAAAAAAAAA",
      "/access-log/00000000-0000-0000-0000-000000000000",
    ]) {
      const response = await fetch(`${stack.apiUrl}${path}`, { redirect: "manual" });
      expect(response.status, path).toBe(303);
      const location = new URL(String(response.headers.get("location")));
      expect(location.pathname).toBe("/auth/login");
      expect(location.searchParams.get("returnTo")).toBe(path);
      const body = await response.text();
      expect(body).not.toContain("Nordmann");
      expect(body).not.toContain("15038512282");
    }
  });

  it("answers every session route the synthesized API has, GET with 303 to sign-in and POST with 401, showing and changing nothing", async () => {
    // Prepare: a real referral, task and agenda-free ids, so each route would have something to show.
    const { referralId, taskLink } = await submitAndAwaitTask(stack, sampleReferral(), "signin-every-route");
    const taskId = new URL(taskLink).pathname.split("/").pop() as string;
    const ids: Record<string, string> = {
      "{taskId}": taskId,
      "{referralId}": referralId,
      "{agendaId}": "AAAAAAAAAAAAAAAAAAAAAAAA",
      "{letterId}": referralId,
      "{n}": "1",
    };
    // Not staff routes: sign-in itself, the published contract, and the recipients' letter page
    // (its own sign-in as patient or health personnel, tested in recipients.test.ts).
    const notStaff = (path: string) =>
      path.startsWith("/auth/") || path === "/openapi.json" || path.startsWith("/inbox/");
    const sessionRoutes = readApiRoutes(stack.template).filter(
      (route) => route.authorizationType === "NONE" && !notStaff(route.path),
    );
    const eventsBefore = eventTypes(await referralFile(stack, referralId));
    const emailsBefore = await mailboxSize(stack);

    // Act
    const answers: string[] = [];
    for (const route of sessionRoutes) {
      const path = route.path.replace(/\{[A-Za-z]+\}/g, (name) => encodeURIComponent(ids[name] ?? name));
      const response = await fetch(`${stack.apiUrl}${path}`, {
        method: route.method,
        redirect: "manual",
        headers:
          route.method === "GET"
            ? { accept: "text/html" }
            : { "content-type": "application/json", origin: stack.apiUrl },
        ...(route.method === "GET" ? {} : { body: JSON.stringify({ outcome: "refused", reason: "x" }) }),
      });
      const body = await response.text();
      answers.push(`${route.method} ${route.path} ${response.status}`);

      // Assess (each route)
      if (route.method === "GET") {
        expect(response.status, path).toBe(303);
        const location = new URL(String(response.headers.get("location")));
        expect(location.pathname, path).toBe("/auth/login");
        expect(location.searchParams.get("returnTo"), path).toBe(path);
      } else {
        expect(response.status, path).toBe(401);
      }
      expect(body, path).not.toContain("Nordmann");
      expect(body, path).not.toContain("15038512282");
      expect(body, path).not.toContain("Muskelsmerter");
      expect(body, path).not.toContain(taskId);
    }

    // Assess: the list is the API's own (a new staff route is checked without being named here), and
    // nothing was recorded or sent.
    expect(sessionRoutes.length).toBeGreaterThanOrEqual(12);
    expect(answers).toEqual(
      expect.arrayContaining([expect.stringMatching(/^POST \/tasks\/\{taskId\}\/decision 401$/)]),
    );
    expect(eventTypes(await referralFile(stack, referralId))).toEqual(eventsBefore);
    expect(await mailboxSize(stack)).toBe(emailsBefore);
    // The words looked for are there for a signed-in assessor, so their absence above means something.
    expect(await (await fetchAs(assessorSession, taskLink)).text()).toContain("Nordmann");
  });

  it("answers a POST of a decision with 401, form or JSON, and records nothing", async () => {
    const { referralId, taskLink } = await submitAndAwaitTask(stack, sampleReferral(), "signin-unauth-post");
    const page = await fetchAs(assessorSession, taskLink);
    const csrfToken = csrfTokenIn(await page.text());

    const form = await fetch(`${taskLink}/decision`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: new URL(taskLink).origin },
      body: new URLSearchParams({ ...refusal, csrfToken }).toString(),
    });
    const json = await fetch(`${taskLink}/decision`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/json", "x-csrf-token": csrfToken },
      body: JSON.stringify(refusal),
    });

    expect(form.status).toBe(401);
    expect(json.status).toBe(401);
    expect(await form.text()).not.toContain("Nordmann");
    const file = await referralFile(stack, referralId);
    expect(eventTypes(file)).not.toContain("decision-submitted");
    expect((await fetchAs(assessorSession, taskLink)).status).toBe(200);
  });

  it("comes back to the page asked for after sign-in, and never to another site", async () => {
    const { taskLink } = await submitAndAwaitTask(stack, sampleReferral(), "signin-return");
    const taskPath = new URL(taskLink).pathname;

    const back = await signIn(stack, assessor, { returnTo: taskPath });
    const elsewhere = await signIn(stack, assessor, { returnTo: "//evil.example/x" });

    expect(back.landedOn).toBe(`${stack.apiUrl}${taskPath}`);
    expect(elsewhere.landedOn).toBe(`${stack.apiUrl}/auth/session`);
  });

  it("refuses a wrong password at the provider's form", async () => {
    await expect(signIn(stack, assessor, { password: "not-the-password" })).rejects.toThrow();
  });
});

describe("need-to-know and the access log", () => {
  it("refuses a clerk the task page with 403, and the lead sees the refused attempt in the referral's access log", async () => {
    const { referralId, taskLink } = await submitAndAwaitTask(stack, sampleReferral(), "signin-clerk");
    const clerkSession = await signIn(stack, clerk);

    const refused = await fetchAs(clerkSession, taskLink);

    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain("Nordmann");
    const events = await accessLogOf(referralId, leadSession);
    expect(events).toContainEqual(
      expect.objectContaining({ who: clerk, role: "clerk", what: "task-page", outcome: "refused" }),
    );
  });

  it("records every view of the task page (who, role, when, what) and lists it to the lead as JSON and as a page", async () => {
    const { referralId, taskLink } = await submitAndAwaitTask(stack, sampleReferral(), "signin-access");
    const before = Date.now();

    expect((await fetchAs(assessorSession, taskLink)).status).toBe(200);
    expect((await fetchAs(leadSession, taskLink)).status).toBe(200);

    const events = await accessLogOf(referralId, leadSession);
    expect(events.filter((event) => event.what === "task-page")).toEqual([
      expect.objectContaining({ who: assessor, role: "assessor", outcome: "viewed", name: "Ola Haugen" }),
      expect.objectContaining({ who: lead, role: "assessor,lead", outcome: "viewed" }),
    ]);
    for (const event of events) expect(Date.parse(String(event.at))).toBeGreaterThanOrEqual(before - 5_000);
    const page = await fetchAs(leadSession, `${stack.apiUrl}/access-log/${referralId}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Ola Haugen");
  });

  it("lets only the lead read an access log: an assessor gets 403", async () => {
    const { referralId } = await submitAndAwaitTask(stack, sampleReferral(), "signin-access-lead");
    const response = await fetchAs(assessorSession, `${stack.apiUrl}/access-log/${referralId}`);
    expect(response.status).toBe(403);
  });

  it("records the signed-in assessor as the decision's author, ignoring assessedBy in the body", async () => {
    const { referralId, taskLink } = await submitAndAwaitTask(stack, sampleReferral(), "signin-author");

    const decided = await postForm(taskLink, refusal, assessorSession);

    expect(decided.status).toBe(200);
    const file = await referralFile(stack, referralId);
    const submitted = (file.events as { type: string; actor: { id: string } }[]).find(
      (event) => event.type === "decision-submitted",
    );
    expect(submitted?.actor.id).toBe("Ola Haugen, psychologist");
    expect(JSON.stringify(file)).not.toContain("Hvemsomhelst");
    // Answered: the link is dead, for the page and for another decision.
    expect((await fetchAs(assessorSession, taskLink)).status).toBe(410);
  });
});

describe("sign-out", () => {
  it("ends the session: its cookie no longer opens a task page", async () => {
    const { taskLink } = await submitAndAwaitTask(stack, sampleReferral(), "signin-signout");
    const session = await signIn(stack, assessor);
    const sessionPage = await fetchAs(session, `${stack.apiUrl}/auth/session`);
    const csrfToken = csrfTokenIn(await sessionPage.text());

    const out = await fetchAs(session, `${stack.apiUrl}/auth/logout`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrfToken }).toString(),
    });

    expect(out.status).toBe(200);
    expect((await fetchAs(session, taskLink)).status).toBe(303);
  });
});
