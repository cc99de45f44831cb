/**
 * Portals see only their own referrals, over HTTP on the local stack: portal A and portal B sign
 * with their local credentials (SigV4), an unsigned request is the default portal. Another portal's
 * referral answers 404, lists hold the caller's referrals only, idempotency keys belong to the
 * portal that used them, and no portal response carries a task id or a staff identity.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../lib/local/local-stack";
import { awaitFile, intakeTeam, newEmails, withPatient } from "../support/e2e";
import { eventually, type MailboxEmail, submitReferral, taskLinkIn } from "../support/http";
import { PORTAL_A, PORTAL_B, signedFetch } from "../support/portal";
import { sharedLocalStack } from "../support/shared-stack";

let stack: LocalStack;

beforeAll(async () => {
  stack = await sharedLocalStack();
});

type Portal = typeof PORTAL_A | "unsigned";

async function call(
  portal: Portal,
  path: string,
  init: { method?: string; body?: unknown; key?: string } = {},
) {
  const url = `${stack.apiUrl}${path}`;
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  const headers: Record<string, string> = {
    ...(body !== undefined ? { "content-type": "application/json" } : {}),
    ...(init.key ? { "idempotency-key": init.key } : {}),
  };
  const response =
    portal === "unsigned"
      ? await fetch(url, { method: init.method ?? "GET", headers, ...(body !== undefined ? { body } : {}) })
      : await signedFetch(url, portal, {
          method: init.method ?? "GET",
          headers,
          ...(body !== undefined ? { body } : {}),
        });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Record<string, unknown> };
}

const submit = (portal: Portal, referral: unknown, key: string) =>
  call(portal, "/referrals", { method: "POST", body: referral, key });

const idsIn = (list: Record<string, unknown>) =>
  (list.items as { referralId: string }[]).map((item) => item.referralId);

describe("portals on the local stack", () => {
  it("may call only what the portals' policy allows: the Helfo list of every patient is refused to every portal", async () => {
    // Act: both portals signed, and the unsigned default portal, asking for JSON.
    const url = `${stack.apiUrl}/helfo-notifications`;
    const init = { headers: { accept: "application/json" }, redirect: "manual" as const };
    const answers = [
      await signedFetch(url, PORTAL_A, init),
      await signedFetch(url, PORTAL_B, init),
      await fetch(url, init),
    ];

    // Assess: a staff page for a signed-in clerk or lead, so no portal gets patient data: a signed
    // request is refused, the unsigned one is sent to sign in.
    const [a, b, unsigned] = answers as [Response, Response, Response];
    expect([a.status, b.status]).toEqual([401, 401]);
    expect(unsigned.status).toBe(303);
    expect(unsigned.headers.get("location")).toContain("/auth/login");
    for (const answer of answers) expect(await answer.text()).not.toMatch(/nationalId|fødselsnummer/i);
  });

  it("see their own referral and nobody else's, without task ids or staff identities", async () => {
    // Prepare: portal A submits; the workflow plans intake and emails the task link.
    const before = (await newEmails(stack, 0)).length;
    const submitted = await submit(PORTAL_A, withPatient("Astrid Portal-A"), "a-1");
    expect(submitted.status).toBe(202);
    const referralId = String(submitted.body.referralId);
    await awaitFile(stack, referralId, (file) => file.status === "awaiting-assessment", "the task");
    const taskEmails = await eventually(async () => {
      const emails = (await newEmails(stack, before)).filter((email) =>
        intakeTeam.includes(email.destination.to[0] ?? ""),
      );
      return emails.length > 0 ? emails : undefined;
    }, "the task emails");
    const taskId = new URL(taskLinkIn(taskEmails[0] as MailboxEmail)).pathname.split("/").pop() as string;
    expect(taskId.length).toBeGreaterThan(10);

    // Act
    const own = await call(PORTAL_A, `/referrals/${referralId}`);
    const other = await call(PORTAL_B, `/referrals/${referralId}`);
    const unsigned = await call("unsigned", `/referrals/${referralId}`);
    const missing = await call(PORTAL_B, "/referrals/00000000-0000-4000-8000-000000000000");
    const listA = await call(PORTAL_A, "/referrals?status=awaiting-assessment");
    const listB = await call(PORTAL_B, "/referrals?status=awaiting-assessment");

    // Assess
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ referralId, status: "awaiting-assessment" });
    expect(own.body.events).toEqual([{ type: "referral-received", at: expect.any(String) }]);
    for (const response of [own, listA, listB, other, unsigned, submitted]) {
      expect(response.text).not.toContain(taskId);
      for (const member of intakeTeam) expect(response.text).not.toContain(member);
      expect(response.text).not.toMatch(/Ingrid|Ola Haugen|Sara Nilsen/);
    }
    expect(other.status).toBe(404);
    expect(unsigned.status).toBe(404);
    expect(other.body).toEqual(missing.body);
    expect(idsIn(listA.body)).toContain(referralId);
    expect(idsIn(listB.body)).not.toContain(referralId);
  });

  it("keep idempotency keys apart: the same key from two portals makes two referrals", async () => {
    // Act
    const fromA = await submit(PORTAL_A, withPatient("Anne Samenøkkel"), "shared-key");
    const fromB = await submit(PORTAL_B, withPatient("Bjørn Samenøkkel"), "shared-key");
    const fromDefault = await submitReferral(stack.apiUrl, withPatient("Dag Samenøkkel"), "shared-key");
    const retryA = await submit(PORTAL_A, withPatient("Anne Samenøkkel"), "shared-key");
    const conflictB = await submit(PORTAL_B, withPatient("Anne Samenøkkel"), "shared-key");

    // Assess
    expect([fromA.status, fromB.status, fromDefault.status, retryA.status]).toEqual([202, 202, 202, 202]);
    const ids = [fromA, fromB, fromDefault].map((r) => r.body.referralId);
    expect(new Set(ids).size).toBe(3);
    expect(retryA.body).toEqual(fromA.body);
    expect(conflictB.status).toBe(409);
    expect((await call(PORTAL_B, `/referrals/${fromA.body.referralId}`)).status).toBe(404);
    expect((await call(PORTAL_B, `/referrals/${fromB.body.referralId}`)).status).toBe(200);
  });

  it("refuse a request signed with a forged secret before any function runs", async () => {
    const forged = await signedFetch(`${stack.apiUrl}/referrals`, {
      accessKeyId: PORTAL_A.accessKeyId,
      secretAccessKey: "not-portal-a-secret",
    });

    expect(forged.status).toBe(403);
    expect(forged.headers.get("x-amzn-errortype")).toBe("InvalidSignatureException");
  });
});
