/**
 * The staff search's rules alone (functions/domain/staff-search.ts): what the field accepts (a
 * referral reference, a national ID however it is spaced), that every search lands in the access log
 * before its answer (one entry per referral found, one under no referral when none is), and that a
 * referral the index lists for another national ID is not shown.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { patientPartition } from "../../functions/adapters/dynamo-patient-index";
import type { AccessEvent } from "../../functions/domain/access-log";
import { makeNationalId } from "../../functions/domain/national-id";
import type { ReferralRecord } from "../../functions/domain/records";
import type { Principal } from "../../functions/domain/session";
import { parseSearchQuery, searchReferrals } from "../../functions/domain/staff-search";
import { renderStaffSearchPage } from "../../functions/views/staff-search";
import { FakeClock, testReferral, testSubmission } from "../support/fakes";

const LEAD: Principal = {
  kind: "staff",
  subject: "eva",
  name: "Eva Berg",
  email: "eva.berg@smerteklinikk.example",
  roles: ["lead"],
};
const nationalIdOf = (birthDate: string) => {
  for (let individual = 0; individual < 500; individual++) {
    const id = makeNationalId(birthDate, individual);
    if (id) return id;
  }
  throw new Error("none");
};
const KARI = nationalIdOf("1985-03-15");
const OLA = nationalIdOf("1970-01-02");

const referralOf = (referralId: string, nationalId: string): ReferralRecord => {
  const referral = testReferral();
  const submission = testSubmission();
  return {
    ...referral,
    referralId,
    submission: { ...submission, patient: { ...submission.patient, nationalId } },
  } as ReferralRecord;
};

function world(index: Record<string, string[]>, referrals: ReferralRecord[]) {
  const logged: AccessEvent[] = [];
  return {
    logged,
    deps: {
      patientIndex: { referralIdsOf: async (nationalId: string) => index[nationalId] ?? [] },
      store: { getReferral: async (id: string) => referrals.find((r) => r.referralId === id) },
      accessLog: {
        record: async (event: AccessEvent) => {
          logged.push(event);
        },
        list: async () => [],
      },
      clock: new FakeClock(new Date("2026-04-20T08:00:00Z")),
    },
  };
}

describe("the search field", () => {
  it("reads any valid national ID, however it is spaced or dotted, as that national ID", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("1900-01-01"), max: new Date("2025-12-31"), noInvalidDate: true }),
        fc.integer({ min: 0, max: 499 }),
        fc.constantFrom("", " ", ".", "  "),
        (date, individual, separator) => {
          const birthDate = date.toISOString().slice(0, 10);
          let id: string | undefined;
          try {
            id = makeNationalId(birthDate, individual);
          } catch {
            return; // an individual number the register never uses for that year
          }
          if (!id) return;
          const written = ` ${id.slice(0, 6)}${separator}${id.slice(6)} `;
          expect(parseSearchQuery(written)).toEqual({
            ok: true,
            value: { by: "national-id", nationalId: id },
          });
        },
      ),
    );
  });

  it("reads a referral reference in any case, and refuses anything else naming the field", () => {
    expect(parseSearchQuery("3D438A75-C8D0-426F-AF5D-66D9F9B729AC")).toEqual({
      ok: true,
      value: { by: "referral-id", referralId: "3d438a75-c8d0-426f-af5d-66d9f9b729ac" },
    });
    for (const [input, reason] of [
      ["", "empty"],
      [undefined, "empty"],
      ["12345678901", "invalid-national-id"],
      ["Kari Nordmann", "unrecognised"],
      ["1234567890", "unrecognised"],
    ] as const) {
      const parsed = parseSearchQuery(input);
      expect(parsed.ok, String(input)).toBe(false);
      if (!parsed.ok) {
        expect(parsed.reason).toBe(reason);
        expect(parsed.issues[0]?.path).toBe("query");
      }
    }
  });
});

describe("a search", () => {
  it("finds the patient's referrals and logs one entry per referral found, with what was searched", async () => {
    const { deps, logged } = world({ [KARI]: ["r-2", "r-1"] }, [
      referralOf("r-1", KARI),
      referralOf("r-2", KARI),
    ]);
    const result = await searchReferrals(deps, LEAD, { by: "national-id", nationalId: KARI });
    expect(result.hits.map((hit) => hit.referral.referralId)).toEqual(["r-2", "r-1"]);
    expect(logged).toEqual(
      ["r-2", "r-1"].map((referralId) => ({
        referralId,
        at: "2026-04-20T08:00:00.000Z",
        who: "eva.berg@smerteklinikk.example",
        name: "Eva Berg",
        role: "lead",
        what: "search",
        outcome: "viewed",
        searched: { by: "national-id", term: KARI },
      })),
    );
  });

  it("shows each referral found with its assessment due date, in Norwegian", async () => {
    // Prepare: Kari's referral, due Monday 17 March 2025.
    const { deps } = world({ [KARI]: ["r-1"] }, [referralOf("r-1", KARI)]);
    const result = await searchReferrals(deps, LEAD, { by: "national-id", nationalId: KARI });

    // Act
    const page = renderStaffSearchPage({ action: "/staff/search", csrfToken: "tok", basePath: "", result });

    // Assess
    expect(page).toMatch(/<td>Mottatt<\/td><td>17\. mars 2025<\/td><\/tr>/);
  });

  it("logs a search that finds nothing once, under no referral", async () => {
    const { deps, logged } = world({}, []);
    const result = await searchReferrals(deps, LEAD, { by: "national-id", nationalId: OLA });
    expect(result.hits).toEqual([]);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ referralId: "", what: "search", searched: { term: OLA } });
  });

  it("shows no referral of another patient, even when the index lists it", async () => {
    const { deps, logged } = world({ [KARI]: ["r-ola"] }, [referralOf("r-ola", OLA)]);
    const result = await searchReferrals(deps, LEAD, { by: "national-id", nationalId: KARI });
    expect(result.hits).toEqual([]);
    expect(logged.map((event) => event.referralId)).toEqual([""]);
  });

  it("keys the patient index by a hash, never by the national ID itself", () => {
    expect(patientPartition(KARI)).toMatch(/^PATIENT#[A-Za-z0-9_-]{43}$/);
    expect(patientPartition(KARI)).not.toContain(KARI);
    expect(patientPartition(KARI)).not.toBe(patientPartition(OLA));
  });
});
