/**
 * Finding a referral again (POST /staff/search): staff search by the referral's reference or the
 * patient's national ID. Every search is a read of health data (a national ID says who is a patient
 * here, the results name the patient), so each one is recorded in the access log before anything is
 * shown: who, which role, when, and what was searched; one entry per referral found, or one entry
 * under no referral when nothing was found. The national ID searched goes to the access log only:
 * never a log line or a URL (the search is a form post).
 */
import { type AccessEvent, type AccessLog, accessEventOf } from "./access-log";
import { validateNationalId } from "./national-id";
import type { Clock, ReferralStore } from "./ports";
import type { ReferralRecord } from "./records";
import type { Principal } from "./session";
import type { Issue } from "./validation";

/** The port: a patient's referral ids by national ID, from an index (never a scan). */
export interface PatientIndex {
  /** The ids of the patient's referrals, newest first. */
  referralIdsOf(nationalId: string): Promise<string[]>;
}

/**
 * The port of the one-off migration that gives referrals stored before the patient index existed
 * their index entry: idempotent, and resumable from the cursor a run that had to stop answers.
 */
export interface PatientIndexBackfill {
  /** Indexes the referrals not yet in the index, from `cursor` on, until done or `shouldStop()`. */
  run(options?: { cursor?: string; shouldStop?: () => boolean }): Promise<{ keyed: number; cursor?: string }>;
}

/** Referral references are UUIDs. */
const REFERRAL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What a search looks for. */
export type SearchQuery =
  | { by: "referral-id"; referralId: string }
  | { by: "national-id"; nationalId: string };

/** Why a search field was refused. */
export type SearchRefusal = "empty" | "invalid-national-id" | "unrecognised";

/** What a search is called in the access log. */
export const SEARCH_VIEW = "search";

/**
 * Reads the search field: a referral reference (a UUID, any case) or an 11-digit national ID
 * (spaces and dots allowed between digits, as people write it) that passes the check digits.
 */
export function parseSearchQuery(
  value: unknown,
): { ok: true; value: SearchQuery } | { ok: false; reason: SearchRefusal; issues: Issue[] } {
  const text = typeof value === "string" ? value.trim() : "";
  const refused = (message: string, reason: SearchRefusal = "unrecognised") => ({
    ok: false as const,
    reason,
    issues: [{ path: "query", message }],
  });
  if (text === "") return refused("write a referral reference or a national ID", "empty");
  if (REFERRAL_ID.test(text.toLowerCase()))
    return { ok: true, value: { by: "referral-id", referralId: text.toLowerCase() } };
  const digits = text.replace(/[\s.]/g, "");
  if (/^\d{11}$/.test(digits)) {
    // As at receipt: a number taken with the relaxed first check digit (from 2032) is found too.
    return validateNationalId(digits, { relaxedFirstCheckDigit: true }).ok
      ? { ok: true, value: { by: "national-id", nationalId: digits } }
      : refused("is not a valid national ID (the check digits do not match)", "invalid-national-id");
  }
  return refused("must be a referral reference or an 11-digit national ID");
}

/** One referral found. */
export interface SearchHit {
  referral: ReferralRecord;
}

/** A search's outcome: what was searched and the referrals found, newest first. */
export interface SearchResult {
  query: SearchQuery;
  hits: SearchHit[];
}

/** The access-log entry of a search: what was searched, by which kind of key. */
export function searchEventOf(
  principal: Principal,
  query: SearchQuery,
  input: { referralId: string; at: Date },
): AccessEvent {
  return {
    ...accessEventOf(principal, { referralId: input.referralId, what: SEARCH_VIEW, at: input.at }),
    searched:
      query.by === "national-id"
        ? { by: "national-id", term: query.nationalId }
        : { by: "referral-id", term: query.referralId },
  };
}

/**
 * Runs a search for `principal`: finds the referrals (by id, or by the patient index), records the
 * search in the access log (one entry per referral found, or one under no referral), and only then
 * answers what was found. A read that cannot be logged is not shown.
 */
export async function searchReferrals(
  deps: {
    patientIndex: PatientIndex;
    store: Pick<ReferralStore, "getReferral">;
    accessLog: AccessLog;
    clock: Clock;
  },
  principal: Principal,
  query: SearchQuery,
): Promise<SearchResult> {
  const ids =
    query.by === "referral-id" ? [query.referralId] : await deps.patientIndex.referralIdsOf(query.nationalId);
  const found = (await Promise.all(ids.map((id) => deps.store.getReferral(id)))).filter(
    (referral): referral is ReferralRecord => referral !== undefined,
  );
  // The index is eventually consistent: a referral listed there is checked against the record.
  const hits =
    query.by === "national-id"
      ? found.filter((referral) => referral.submission.patient.nationalId === query.nationalId)
      : found;
  const at = deps.clock.now();
  const logged = hits.length > 0 ? hits.map((hit) => hit.referralId) : [""];
  await Promise.all(
    logged.map((referralId) => deps.accessLog.record(searchEventOf(principal, query, { referralId, at }))),
  );
  return { query, hits: hits.map((referral) => ({ referral })) };
}
