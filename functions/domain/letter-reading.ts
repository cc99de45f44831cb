/**
 * Reading a letter after sign-in. A letter's email carries only a neutral notice and a link; the
 * link names the letter by its referral and a random link id (nothing else: no kind, no recipient,
 * no health data), and the letter opens only for the person it is addressed to, as the OpenID
 * provider identified them:
 * - the patient's copy for the patient whose national ID (ID-porten's `pid`) is the referral's;
 * - the referrer's letter for the HPR number (HelseID's `hpr_number`) the referral names for the
 *   referrer, the GP's copy for the GP's HPR number (a GP without one gets the copy by post, see
 *   dispatch.ts, because nobody could prove to be that GP).
 * Anyone else gets the same "not found" as for a link that never existed, and every read and every
 * refused attempt is recorded in the referral's access log.
 */
import { randomBytes } from "node:crypto";
import { type AccessLog, accessEventOf } from "./access-log";
import type { Clock, ReferralRecords } from "./ports";
import type { LetterRecord, RecipientRole, ReferralRecord } from "./records";
import type { Principal, SignInAudience } from "./session";

/** A new letter's link id: 144 random bits, URL-safe. */
export function newLetterLinkId(): string {
  return randomBytes(18).toString("base64url");
}

const LINK = /^([A-Za-z0-9-]{1,64})\.([A-Za-z0-9_-]{16,64})$/;

/** The path segment of a letter's link: `<referralId>.<linkId>`. */
export function letterLinkOf(letter: Pick<LetterRecord, "referralId" | "linkId">): string {
  if (!letter.linkId) throw new Error("a letter without a link id has no link");
  return `${letter.referralId}.${letter.linkId}`;
}

/** The link's parts; undefined for anything {@link letterLinkOf} did not make. */
export function parseLetterLink(value: unknown): { referralId: string; linkId: string } | undefined {
  if (typeof value !== "string") return undefined;
  const match = LINK.exec(value);
  return match ? { referralId: match[1] as string, linkId: match[2] as string } : undefined;
}

/** Where the recipient of a letter signs in: the patient with ID-porten, the others with HelseID. */
export function audienceOfRecipient(role: RecipientRole): SignInAudience {
  return role === "patient" ? "patient" : "professional";
}

/** HPR numbers compare as numbers: a provider may send "0123456" or 123456. */
const sameHpr = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.replace(/^0+/, "") === b.replace(/^0+/, "");

/** True when `principal` is the person the letter to `role` of this referral is addressed to. */
export function isAddressee(
  principal: Principal,
  referral: Pick<ReferralRecord, "submission">,
  role: RecipientRole,
): boolean {
  const { patient, referrer, gp } = referral.submission;
  switch (role) {
    case "patient":
      return principal.kind === "patient" && principal.nationalId === patient.nationalId;
    case "referrer":
      return principal.kind === "professional" && sameHpr(principal.hprNumber, referrer.hprNumber);
    case "gp":
      return principal.kind === "professional" && sameHpr(principal.hprNumber, gp.hprNumber);
    case "guardian":
      // Posted only: the referral names no guardian, so no signed-in person is known to be one.
      return false;
  }
}

/** The letter a link names, if there is one (no check of who asks). */
export async function letterOfLink(
  store: Pick<ReferralRecords, "getReferralFile">,
  link: unknown,
): Promise<{ referral: ReferralRecord; letter: LetterRecord } | undefined> {
  const parts = parseLetterLink(link);
  if (!parts) return undefined;
  const file = await store.getReferralFile(parts.referralId);
  const letter = file?.letters.find((candidate) => candidate.linkId === parts.linkId);
  return file && letter ? { referral: file.referral, letter } : undefined;
}

/**
 * Opens a letter for a signed-in person: the letter when it is addressed to them (the read is
 * logged first, so no read goes unrecorded), else `not-found`, the same answer as for an unknown
 * link (a refused attempt on a real letter is logged as refused).
 */
export async function readLetter(
  deps: { store: Pick<ReferralRecords, "getReferralFile">; accessLog: AccessLog; clock: Clock },
  link: unknown,
  principal: Principal,
): Promise<{ kind: "letter"; letter: LetterRecord } | { kind: "not-found" }> {
  const found = await letterOfLink(deps.store, link);
  if (!found) return { kind: "not-found" };
  const { referral, letter } = found;
  const allowed = isAddressee(principal, referral, letter.recipientRole);
  await deps.accessLog.record(
    accessEventOf(principal, {
      referralId: referral.referralId,
      what: `letter:${letter.letterKind}:${letter.recipientRole}`,
      at: deps.clock.now(),
      outcome: allowed ? "viewed" : "refused",
    }),
  );
  return allowed ? { kind: "letter", letter } : { kind: "not-found" };
}
