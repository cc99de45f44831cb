/**
 * The pure rules of sign-in: how long a session lives, who an ID token names, which roles it
 * carries, and where a sign-in may send the browser back to.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  authorOf,
  hasRole,
  principalFromClaims,
  RECIPIENT_CLAIMS,
  SESSION_IDLE_MS,
  SESSION_MAX_MS,
  SIGNED_IN_PATH,
  safeReturnPath,
  sessionExpiry,
  sessionLive,
} from "../../functions/domain/session";

describe("session lifetime", () => {
  it("ends 30 minutes after the last use, and never later than 10 hours after sign-in", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 * SESSION_MAX_MS }), (sinceStart) => {
        const created = new Date("2026-03-02T08:00:00Z");
        const lastSeen = new Date(created.getTime() + sinceStart);
        const expiry = sessionExpiry(created, lastSeen).getTime();
        expect(expiry).toBeLessThanOrEqual(created.getTime() + SESSION_MAX_MS);
        expect(expiry).toBeLessThanOrEqual(lastSeen.getTime() + SESSION_IDLE_MS);
        expect(expiry).toBe(
          Math.min(lastSeen.getTime() + SESSION_IDLE_MS, created.getTime() + SESSION_MAX_MS),
        );
      }),
    );
  });

  it("is live before its expiry and not at or after it", () => {
    const session = { expiresAt: "2026-03-02T08:30:00.000Z" };
    expect(sessionLive(session, new Date("2026-03-02T08:29:59Z"))).toBe(true);
    expect(sessionLive(session, new Date("2026-03-02T08:30:00Z"))).toBe(false);
  });
});

describe("principalFromClaims", () => {
  it("takes staff roles from cognito:groups, ignoring groups Frist does not know", () => {
    const principal = principalFromClaims("staff", {
      sub: "abc",
      email: "ola@example.org",
      name: "Ola",
      "cognito:groups": ["assessor", "admins"],
    });
    expect(principal).toEqual({
      kind: "staff",
      subject: "abc",
      name: "Ola",
      email: "ola@example.org",
      roles: ["assessor"],
    });
    expect(hasRole(principal, ["assessor"])).toBe(true);
    expect(hasRole(principal, ["lead"])).toBe(false);
  });

  it("knows a patient only by an 11-digit pid, and health personnel only by an HPR number", () => {
    expect(principalFromClaims("patient", { sub: "p", pid: "15038512282" })).toMatchObject({
      kind: "patient",
      nationalId: "15038512282",
    });
    expect(principalFromClaims("patient", { sub: "p" })).toBeUndefined();
    expect(principalFromClaims("patient", { sub: "p", pid: "1503851228" })).toBeUndefined();
    expect(principalFromClaims("professional", { sub: "h", hpr_number: 1234567 })).toMatchObject({
      kind: "professional",
      hprNumber: "1234567",
    });
    expect(principalFromClaims("professional", { sub: "h", hpr_number: "12345678901" })).toBeUndefined();
    expect(principalFromClaims("staff", { email: "no-sub@example.org" })).toBeUndefined();
  });

  it("finds the HPR number in HelseID's claim when the provider names it, and not in the short name then", () => {
    const helseId = RECIPIENT_CLAIMS.cloud.professional;
    expect(helseId).toBe("helseid://claims/hpr/hpr_number");
    expect(principalFromClaims("professional", { sub: "h", [helseId]: "1234567" }, helseId)).toMatchObject({
      kind: "professional",
      hprNumber: "1234567",
    });
    expect(principalFromClaims("professional", { sub: "h", hpr_number: "1234567" }, helseId)).toBeUndefined();
    // The local provider's short name is the default.
    expect(principalFromClaims("professional", { sub: "h", [helseId]: "1234567" })).toBeUndefined();
    expect(
      principalFromClaims(
        "professional",
        { sub: "h", hpr_number: "1234567" },
        RECIPIENT_CLAIMS.local.professional,
      ),
    ).toMatchObject({ hprNumber: "1234567" });
  });

  it("finds the patient's national ID in the claim the provider names (ID-porten's pid, or another)", () => {
    expect(
      principalFromClaims("patient", { sub: "p", pid: "15038512282" }, RECIPIENT_CLAIMS.cloud.patient),
    ).toMatchObject({ kind: "patient", nationalId: "15038512282" });
    expect(principalFromClaims("patient", { sub: "p", fnr: "15038512282" }, "fnr")).toMatchObject({
      kind: "patient",
      nationalId: "15038512282",
    });
    expect(principalFromClaims("patient", { sub: "p", pid: "15038512282" }, "fnr")).toBeUndefined();
    expect(principalFromClaims("patient", { sub: "p", fnr: "1503851228" }, "fnr")).toBeUndefined();
  });

  it("gives a patient or a professional no staff role", () => {
    const patient = principalFromClaims("patient", {
      sub: "p",
      pid: "15038512282",
      "cognito:groups": ["lead"],
    });
    expect(hasRole(patient, ["lead", "assessor", "clerk", "operations"])).toBe(false);
  });
});

describe("safeReturnPath", () => {
  it("keeps a path on this API", () => {
    expect(safeReturnPath("/tasks/abc_DEF-123")).toBe("/tasks/abc_DEF-123");
    expect(safeReturnPath("/access-log/x?y=1")).toBe("/access-log/x?y=1");
  });

  it("never lets a sign-in send the browser to another host", () => {
    for (const hostile of [
      "//evil.example",
      "/\\evil.example",
      "https://evil.example/",
      "evil",
      "/ x",
      "",
      undefined,
    ]) {
      expect(safeReturnPath(hostile)).toBe(SIGNED_IN_PATH);
    }
    fc.assert(
      fc.property(fc.string(), (value) => {
        const path = safeReturnPath(value);
        const resolved = new URL(path, "https://api.example/prod/");
        expect(resolved.host).toBe("api.example");
        expect(path.startsWith("/")).toBe(true);
        expect(path.startsWith("//")).toBe(false);
      }),
    );
  });
});

describe("authorOf", () => {
  it("names the signed-in person with their clinical role and HPR number, in at most 64 characters", () => {
    const team = [{ email: "ola@example.org", role: "psychologist" }];
    expect(
      authorOf(
        {
          kind: "staff",
          subject: "s",
          name: "Ola Haugen",
          email: "ola@example.org",
          roles: ["assessor"],
          hprNumber: "1234567",
        },
        team,
      ),
    ).toBe("Ola Haugen, psychologist, HPR 1234567");
    const long = authorOf({ kind: "staff", subject: "s", name: "N".repeat(300), roles: ["lead"] }, team);
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long.endsWith(", lead")).toBe(true);
  });
});
