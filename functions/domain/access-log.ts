/**
 * The access log: every view of a referral's health data by a signed-in person (task page, agenda,
 * letter, referral view), and every refused attempt, with who, which role, when and what. Patients
 * have the right to know who has read their records; the clinic lead reads it per referral.
 */
import type { Principal } from "./session";

/** One view (or refused attempt). `who` is an email or HPR number, never a national ID. */
export interface AccessEvent {
  referralId: string;
  at: string;
  who: string;
  name?: string;
  /** The staff roles held, or "patient" / "professional". */
  role: string;
  /** What was opened, e.g. "task-page", "agenda", "letter", "referral-view", "access-log". */
  what: string;
  outcome: "viewed" | "refused";
  /**
   * A staff search (staff-search.ts): what was searched for, by which kind of key. A national ID
   * searched is health data (it says who is a patient here): it is kept here, and nowhere else.
   */
  searched?: { by: "national-id" | "referral-id"; term: string };
}

export interface AccessLog {
  record(event: AccessEvent): Promise<void>;
  /** A referral's access events, oldest first. */
  list(referralId: string): Promise<AccessEvent[]>;
}

/** The access event of `principal` opening `what` of a referral at `at`. */
export function accessEventOf(
  principal: Principal,
  input: { referralId: string; what: string; at: Date; outcome?: AccessEvent["outcome"] },
): AccessEvent {
  const who =
    principal.kind === "staff"
      ? (principal.email ?? principal.subject)
      : principal.kind === "professional"
        ? `hpr:${principal.hprNumber}`
        : "patient";
  const role = principal.kind === "staff" ? principal.roles.join(",") || "none" : principal.kind;
  return {
    referralId: input.referralId,
    at: input.at.toISOString(),
    who,
    ...(principal.name ? { name: principal.name } : {}),
    role,
    what: input.what,
    outcome: input.outcome ?? "viewed",
  };
}
