/**
 * The letter page (GET /inbox/{letterLink}) over in-memory ports: a letter opens only for the
 * recipient it is addressed to, as the sign-in identified them (the patient by national ID, health
 * personnel by HPR number); anyone else gets the page an unknown link gets, and every read and
 * refusal is in the access log.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import fc from "fast-check";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { AccessEvent } from "../../functions/domain/access-log";
import { isAddressee, letterLinkOf, parseLetterLink } from "../../functions/domain/letter-reading";
import type { LetterRecord, RecipientRole } from "../../functions/domain/records";
import type { Principal } from "../../functions/domain/session";
import { InMemoryReferralStore, testReferral, testSubmission } from "../support/fakes";

const ports = vi.hoisted(() => ({}) as { store: unknown });
vi.mock("../../functions/adapters/wiring", () => ({
  referralStoreFromEnv: () => ports.store,
}));
const signedIn = vi.hoisted(() => ({
  sessions: new Map<string, unknown>(),
  accessEvents: [] as unknown[],
}));
vi.mock("../../functions/adapters/dynamo-sessions", () => ({
  sessionStoreFromEnv: () => ({
    get: async (id: string) => signedIn.sessions.get(id),
    touch: async () => undefined,
  }),
}));
vi.mock("../../functions/adapters/dynamo-access-log", () => ({
  accessLogFromEnv: () => ({
    record: async (event: unknown) => {
      signedIn.accessEvents.push(event);
    },
    list: async () => [],
  }),
}));

const PATIENT_ID = "15038512282";
const OTHER_PATIENT_ID = "01010112345";
const REFERRER_HPR = "1234567";
const GP_HPR = "7654321";

let store: InMemoryReferralStore;
let handler: (event: APIGatewayProxyEvent) => Promise<{
  statusCode: number;
  body: string;
  headers?: Record<string, unknown>;
}>;

beforeAll(async () => {
  process.env.PUBLIC_BASE_URL = "https://api.example/prod";
  process.env.SIGN_IN_PROVIDERS = JSON.stringify({
    staff: { issuer: "https://idp.example", clientId: "frist" },
    patient: { issuer: "https://idporten.example", clientId: "frist" },
    professional: { issuer: "https://helseid.example", clientId: "frist" },
  });
  process.env.FRIST_QUIET = "1";
  store = new InMemoryReferralStore();
  Object.assign(ports, { store });
  ({ handler } = await import("../../functions/handlers/letter-page"));
});

/** A letter as deliverLetter leaves it: sent, with its link id. */
function letterTo(role: RecipientRole, linkId: string): LetterRecord {
  return {
    referralId: "ref-1",
    letterKind: "decision",
    recipientRole: role,
    channel: "email",
    to: `${role}@example.org`,
    status: "sent",
    subject: `Svar på henvisning (ref. ref-1)`,
    html: `<!DOCTYPE html><html><body><p>Brev til ${role}: Kari Nordmann, avslag.</p></body></html>`,
    text: `Brev til ${role}`,
    createdAt: "2025-03-10T09:00:00.000Z",
    linkId,
  };
}

const LINKS = {
  patient: letterLinkOf({ referralId: "ref-1", linkId: "pPpPpPpPpPpPpPpPpPpPpPpP" }),
  referrer: letterLinkOf({ referralId: "ref-1", linkId: "rRrRrRrRrRrRrRrRrRrRrRrR" }),
  gp: letterLinkOf({ referralId: "ref-1", linkId: "gGgGgGgGgGgGgGgGgGgGgGgG" }),
};

const SESSIONS = {
  patient: "P".repeat(43),
  otherPatient: "O".repeat(43),
  referrer: "R".repeat(43),
  gp: "G".repeat(43),
  staff: "S".repeat(43),
};

beforeEach(async () => {
  for (const map of [store.referrals, store.events, store.letters]) map.clear();
  signedIn.accessEvents.length = 0;
  store.seed(
    testReferral({
      status: "decided",
      submission: testSubmission({
        gp: { hprNumber: GP_HPR, name: "Gro Fastlege", email: "gp@example.org" },
      }),
    }),
  );
  for (const role of ["patient", "referrer", "gp"] as const) {
    const parts = parseLetterLink(LINKS[role]);
    await store.claimLetter(letterTo(role, parts?.linkId ?? ""));
  }
  const now = new Date();
  const session = (principal: Principal) => ({
    principal,
    csrfToken: "session-csrf",
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 30 * 60_000).toISOString(),
  });
  signedIn.sessions.set(
    SESSIONS.patient,
    session({ kind: "patient", subject: PATIENT_ID, nationalId: PATIENT_ID }),
  );
  signedIn.sessions.set(
    SESSIONS.otherPatient,
    session({ kind: "patient", subject: OTHER_PATIENT_ID, nationalId: OTHER_PATIENT_ID }),
  );
  signedIn.sessions.set(
    SESSIONS.referrer,
    session({
      kind: "professional",
      subject: `hpr:${REFERRER_HPR}`,
      hprNumber: REFERRER_HPR,
      name: "Per Hansen",
    }),
  );
  signedIn.sessions.set(
    SESSIONS.gp,
    session({ kind: "professional", subject: `hpr:${GP_HPR}`, hprNumber: GP_HPR }),
  );
  signedIn.sessions.set(
    SESSIONS.staff,
    session({ kind: "staff", subject: "lead", email: "lead@example.org", name: "Lead", roles: ["lead"] }),
  );
});

function get(letterLink: string, sessionId?: string): APIGatewayProxyEvent {
  return {
    httpMethod: "GET",
    path: `/inbox/${letterLink}`,
    resource: "/inbox/{letterLink}",
    pathParameters: { letterLink },
    headers: { Host: "api.example", ...(sessionId ? { Cookie: `frist_session=${sessionId}` } : {}) },
    queryStringParameters: null,
    body: null,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEvent;
}

const events = () => signedIn.accessEvents as AccessEvent[];

describe("GET /inbox/{letterLink}", () => {
  it("sends someone without a session to sign-in as a patient for the patient's copy, and as health personnel for the others", async () => {
    const patient = await handler(get(LINKS.patient));
    expect(patient.statusCode).toBe(303);
    const location = new URL(String(patient.headers?.location));
    expect(location.pathname).toBe("/prod/auth/login");
    expect(location.searchParams.get("audience")).toBe("patient");
    expect(location.searchParams.get("returnTo")).toBe(`/inbox/${LINKS.patient}`);
    for (const role of ["referrer", "gp"] as const) {
      const answer = await handler(get(LINKS[role]));
      expect(answer.statusCode).toBe(303);
      expect(new URL(String(answer.headers?.location)).searchParams.get("audience")).toBe("professional");
    }
    expect(patient.body).toBe("");
    expect(events()).toEqual([]);
  });

  it("shows the patient their copy and logs the read (who: the patient, never the national ID)", async () => {
    const answer = await handler(get(LINKS.patient, SESSIONS.patient));

    expect(answer.statusCode).toBe(200);
    expect(answer.body).toContain("Brev til patient: Kari Nordmann, avslag.");
    expect(answer.headers?.["cache-control"]).toBe("no-store");
    expect(events()).toEqual([
      expect.objectContaining({
        referralId: "ref-1",
        who: "patient",
        role: "patient",
        what: "letter:decision:patient",
        outcome: "viewed",
      }),
    ]);
    expect(JSON.stringify(events())).not.toContain(PATIENT_ID);
  });

  it("refuses another patient with the page an unknown link gets, revealing nothing, and logs the refusal", async () => {
    const refused = await handler(get(LINKS.patient, SESSIONS.otherPatient));
    const unknown = await handler(
      get(letterLinkOf({ referralId: "ref-1", linkId: "xXxXxXxXxXxXxXxXxXxXxXxX" }), SESSIONS.otherPatient),
    );

    expect(refused.statusCode).toBe(404);
    expect(refused.body).toBe(unknown.body);
    expect(refused.body).not.toMatch(/Kari|Nordmann|avslag|ref-1/);
    expect(events()).toEqual([
      expect.objectContaining({ referralId: "ref-1", who: "patient", outcome: "refused" }),
    ]);
  });

  it("shows the referrer their letter by HPR number, and the GP theirs, but not each other's", async () => {
    const referrer = await handler(get(LINKS.referrer, SESSIONS.referrer));
    const gp = await handler(get(LINKS.gp, SESSIONS.gp));
    const gpOnReferrers = await handler(get(LINKS.referrer, SESSIONS.gp));
    const referrerOnGps = await handler(get(LINKS.gp, SESSIONS.referrer));

    expect(referrer.statusCode).toBe(200);
    expect(referrer.body).toContain("Brev til referrer");
    expect(referrer.body).toContain("Per Hansen (HPR 1234567)");
    expect(gp.statusCode).toBe(200);
    expect(gp.body).toContain("Brev til gp");
    expect(gpOnReferrers.statusCode).toBe(404);
    expect(referrerOnGps.statusCode).toBe(404);
    expect(events().map((e) => [e.who, e.what, e.outcome])).toEqual([
      ["hpr:1234567", "letter:decision:referrer", "viewed"],
      ["hpr:7654321", "letter:decision:gp", "viewed"],
      ["hpr:7654321", "letter:decision:referrer", "refused"],
      ["hpr:1234567", "letter:decision:gp", "refused"],
    ]);
  });

  it("asks a professional or staff session opening the patient's copy to sign in as the patient: no letter, nothing logged", async () => {
    for (const session of [SESSIONS.referrer, SESSIONS.staff]) {
      const answer = await handler(get(LINKS.patient, session));
      expect(answer.statusCode).toBe(303);
      expect(new URL(String(answer.headers?.location)).searchParams.get("audience")).toBe("patient");
    }
    expect(events()).toEqual([]);
  });

  it("answers 404 at once to a link that does not exist or is malformed, without sign-in", async () => {
    for (const link of [
      letterLinkOf({ referralId: "ref-2", linkId: "pPpPpPpPpPpPpPpPpPpPpPpP" }),
      "ref-1",
      "ref-1.short",
      "..%2F..%2Fetc",
      "",
    ]) {
      const answer = await handler(get(link));
      expect(answer.statusCode, link).toBe(404);
      expect(answer.body).toContain("Fant ikke brevet");
    }
  });
});

describe("who a letter is addressed to", () => {
  const referral = (nationalId: string, referrerHpr: string, gpHpr?: string) => ({
    submission: {
      patient: { nationalId },
      referrer: { hprNumber: referrerHpr },
      gp: gpHpr ? { hprNumber: gpHpr } : {},
    } as never,
  });
  const patient = (nationalId: string): Principal => ({ kind: "patient", subject: nationalId, nationalId });
  const professional = (hprNumber: string): Principal => ({
    kind: "professional",
    subject: `hpr:${hprNumber}`,
    hprNumber,
  });
  const nationalIds = fc.stringMatching(/^\d{11}$/);
  const hprs = fc.stringMatching(/^[1-9]\d{0,8}$/);

  it("is the patient whose national ID is the referral's, and no one else", () => {
    fc.assert(
      fc.property(nationalIds, nationalIds, hprs, (own, other, hpr) => {
        const r = referral(own, hpr);
        expect(isAddressee(patient(own), r, "patient")).toBe(true);
        expect(isAddressee(patient(other), r, "patient")).toBe(other === own);
        // Neither a professional with the same digits nor the patient on a professional's letter.
        expect(isAddressee(professional(hpr), r, "patient")).toBe(false);
        expect(isAddressee(patient(own), r, "referrer")).toBe(false);
      }),
    );
  });

  it("is the referrer or GP by HPR number, leading zeros aside; a GP without one is no one", () => {
    fc.assert(
      fc.property(nationalIds, hprs, hprs, (nationalId, referrerHpr, gpHpr) => {
        const r = referral(nationalId, referrerHpr, gpHpr);
        expect(isAddressee(professional(referrerHpr), r, "referrer")).toBe(true);
        expect(isAddressee(professional(`00${referrerHpr}`.slice(-9)), r, "referrer")).toBe(true);
        expect(isAddressee(professional(gpHpr), r, "gp")).toBe(true);
        expect(isAddressee(professional(gpHpr), r, "referrer")).toBe(gpHpr === referrerHpr);
        expect(isAddressee(professional(gpHpr), referral(nationalId, referrerHpr), "gp")).toBe(false);
      }),
    );
  });

  it("parses only the links it makes", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.base64String({ minLength: 24, maxLength: 24 }), (referralId, raw) => {
        const linkId = raw.replace(/\+/g, "-").replace(/\//g, "_").replace(/=/g, "A");
        expect(parseLetterLink(letterLinkOf({ referralId, linkId }))).toEqual({ referralId, linkId });
      }),
    );
    for (const bad of ["", "a", "a.", ".abcdefghijklmnopq", "a/b.abcdefghijklmnopq", 42, null]) {
      expect(parseLetterLink(bad)).toBeUndefined();
    }
  });
});
