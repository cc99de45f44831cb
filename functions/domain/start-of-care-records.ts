/**
 * What staff record about a granted right's start of care (api.md "Start of care"): the planned
 * start and the day care started (POST /referrals/{id}/start-of-care), that the start cannot be kept
 * (an expected breach, filed to Helfo at once) and the confirmation of a probable breach. The timer
 * steps that follow the deadline are in start-of-care.ts.
 */
import * as z from "zod";
import { osloDate } from "./calendar";
import type { ClinicConfig } from "./clinic";
import type { Clock, Metrics, ReferralStore } from "./ports";
import { StaleStateError } from "./ports";
import { isMeaningfulReason, tooShortReasonMessage } from "./reason-text";
import type { Actor } from "./records";
import { helfoNoticeOf, recordBreach, startedInTime, startOfCareOf } from "./start-of-care";
import { type StartOfCareView, startOfCareViewSchema } from "./start-of-care-view";
import { tallyOfExpectedBreach, tallyOfStartRecorded } from "./statistics";
import { builtOnFirstUse, formatIssues, type Issue } from "./validation";

// Staff record that the start cannot be kept, or confirm the breach

/** The body of an expected breach: why the start cannot be kept. */
export const expectedBreachBodySchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    breach: z.literal("expected"),
    reason: z
      .string({ error: "Oppgi hvorfor fristen ikke kan holdes" })
      .trim()
      .max(2000, "Årsaken kan ha høyst 2000 tegn")
      .refine(isMeaningfulReason, tooShortReasonMessage("Årsaken"))
      .describe("Why the start of care cannot be kept (kept with the referral, not in the audit trail)."),
  }),
);

/** The body of the lead's confirmation of a probable breach. */
export const confirmedBreachBodySchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({ breach: z.literal("confirmed") }),
);

/** What recording or confirming a breach answered. */
export type BreachResult =
  | { kind: "recorded"; startOfCare: StartOfCareView }
  | { kind: "already"; startOfCare: StartOfCareView }
  | { kind: "invalid"; issues: Issue[] }
  | { kind: "unknown" }
  | { kind: "not-granted" }
  | { kind: "forbidden" };

/**
 * Staff (assessor or lead) record at any time before the deadline has run out that the start of
 * care cannot be kept, with a reason: the Helfo notice goes on the clerk's list at once, marked
 * expected (Helfo: notify as soon as a breach is predominantly probable). Not once a start or a
 * breach is recorded; a second record answers `already`.
 */
export async function recordExpectedBreach(
  deps: { store: ReferralStore; clock: Clock; config: ClinicConfig },
  referralId: string,
  body: unknown,
  actor: Actor,
): Promise<BreachResult> {
  const parsed = expectedBreachBodySchema().safeParse(body ?? {});
  if (!parsed.success) return { kind: "invalid", issues: formatIssues(parsed.error) };
  const referral = await deps.store.getReferral(referralId);
  if (!referral) return { kind: "unknown" };
  const view = startOfCareOf(referral);
  if (!view || !referral.decision) return { kind: "not-granted" };
  if (referral.startOfCareExpectedBreach !== undefined || referral.startOfCareBreached === true) {
    return { kind: "already", startOfCare: view };
  }
  const now = deps.clock.now();
  const issues: Issue[] = [];
  if (view.startedOn !== null) {
    issues.push({ path: "breach", message: "Oppstart er registrert: fristen er ikke brutt" });
  } else if (osloDate(now) > view.deadline) {
    issues.push({
      path: "breach",
      message: "Fristen er passert: bekreft fristbruddet eller registrer oppstarten",
    });
  }
  if (issues.length > 0) return { kind: "invalid", issues };
  const recorded = await deps.store.recordExpectedBreach(
    referralId,
    { reason: parsed.data.reason, by: actor.id, at: now.toISOString() },
    helfoNoticeOf(referral, now, deps.config, "expected"),
    {
      type: "start-of-care-breach-expected",
      at: now.toISOString(),
      actor,
      // The reason may be clinical: it stays on the referral, not in the trail.
      details: { startOfCareDeadline: view.deadline, helfoNotification: true },
    },
    tallyOfExpectedBreach(referral),
  );
  const updated = (await deps.store.getReferral(referralId)) ?? referral;
  const after = startOfCareOf(updated) ?? view;
  if (recorded) return { kind: "recorded", startOfCare: after };
  // Lost a race: a start or a breach was recorded meanwhile.
  return updated.careStartedOn
    ? {
        kind: "invalid",
        issues: [{ path: "breach", message: "Oppstart er registrert: fristen er ikke brutt" }],
      }
    : { kind: "already", startOfCare: after };
}

/**
 * The lead confirms a probable breach (the deadline has passed and no start is on record): the breach
 * is recorded with its Helfo notice on the clerk's list. Only the lead; only after the deadline and
 * with no start on or before it.
 */
export async function confirmStartOfCareBreach(
  deps: { store: ReferralStore; clock: Clock; metrics: Metrics; config: ClinicConfig },
  referralId: string,
  body: unknown,
  actor: Actor,
  isLead: boolean,
): Promise<BreachResult> {
  const parsed = confirmedBreachBodySchema().safeParse(body ?? {});
  if (!parsed.success) return { kind: "invalid", issues: formatIssues(parsed.error) };
  const referral = await deps.store.getReferral(referralId);
  if (!referral) return { kind: "unknown" };
  const view = startOfCareOf(referral);
  if (!view || !referral.decision) return { kind: "not-granted" };
  if (!isLead) return { kind: "forbidden" };
  if (referral.startOfCareBreached === true) return { kind: "already", startOfCare: view };
  const now = deps.clock.now();
  if (startedInTime(view)) {
    return {
      kind: "invalid",
      issues: [{ path: "breach", message: "Oppstart er registrert innen fristen: fristen er holdt" }],
    };
  }
  if (osloDate(now) <= view.deadline) {
    return {
      kind: "invalid",
      issues: [
        {
          path: "breach",
          message: "Fristen er ikke passert: registrer heller at fristen ikke kan holdes, med årsak",
        },
      ],
    };
  }
  const first = await recordBreach(deps, referral, "confirmed", now, actor);
  const after = startOfCareOf((await deps.store.getReferral(referralId)) ?? referral) ?? view;
  return { kind: first ? "recorded" : "already", startOfCare: after };
}

// ---------------------------------------------------------------------------------------------
// Staff record the start

const isoDate = (message: string) =>
  z
    .string({ error: message })
    .trim()
    .transform((value) => (value === "" ? undefined : value))
    .pipe(z.iso.date({ error: message }).optional())
    .optional();

/** POST /referrals/{id}/start-of-care: the planned start, the day care started, or both. */
export const startOfCareBodySchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z
    .object({
      plannedStart: isoDate("Oppgi planlagt oppstart som dato (ÅÅÅÅ-MM-DD)").describe(
        "The planned start (YYYY-MM-DD), when it is set or moved after the decision.",
      ),
      startedOn: isoDate("Oppgi dagen helsehjelpen startet som dato (ÅÅÅÅ-MM-DD)").describe(
        "The day care started (YYYY-MM-DD): not in the future.",
      ),
    })
    .refine((body) => body.plannedStart !== undefined || body.startedOn !== undefined, {
      message: "Oppgi planlagt oppstart eller dagen helsehjelpen startet",
      path: ["startedOn"],
    }),
);

export type StartOfCareBody = z.output<ReturnType<typeof startOfCareBodySchema>>;

/** 200 of POST /referrals/{id}/start-of-care. */
export const startOfCareRecordedSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    referralId: z.string(),
    startOfCare: startOfCareViewSchema(),
  }),
);

/** What recording the start answered. */
export type RecordStartOfCareResult =
  | { kind: "recorded"; startOfCare: StartOfCareView }
  | { kind: "invalid"; issues: Issue[] }
  | { kind: "unknown" }
  | { kind: "not-granted" };

/**
 * Records the planned start or the day care started on a granted right. A start cannot be in the
 * future or before the decision; a planned start cannot be in the past. A start recorded after the
 * deadline is kept as it is (the breach stays on record).
 */
export async function recordStartOfCare(
  deps: { store: ReferralStore; clock: Clock },
  referralId: string,
  body: unknown,
  actor: Actor,
): Promise<RecordStartOfCareResult> {
  const parsed = startOfCareBodySchema().safeParse(body ?? {});
  if (!parsed.success) return { kind: "invalid", issues: formatIssues(parsed.error) };
  // A start is counted in the statistics in the same write, from what the record held before: a
  // write that finds the record changed meanwhile is refused, and the change is read and tried again.
  for (let attempt = 1; ; attempt++) {
    const referral = await deps.store.getReferral(referralId);
    if (!referral) return { kind: "unknown" };
    const view = startOfCareOf(referral);
    if (!view || !referral.decision) return { kind: "not-granted" };
    const today = osloDate(deps.clock.now());
    const decidedOn = osloDate(new Date(referral.decision.decidedAt));
    const { plannedStart, startedOn } = parsed.data;
    const issues: Issue[] = [];
    if (startedOn && startedOn > today)
      issues.push({ path: "startedOn", message: "Oppstart kan ikke være fram i tid" });
    if (startedOn && startedOn < decidedOn) {
      issues.push({ path: "startedOn", message: "Oppstart kan ikke være før vurderingen" });
    }
    if (plannedStart && plannedStart < today) {
      issues.push({ path: "plannedStart", message: "Planlagt oppstart kan ikke være før dagens dato" });
    }
    if (issues.length > 0) return { kind: "invalid", issues };

    const before = { startedOn: view.startedOn, breached: referral.startOfCareBreached === true };
    const tally = startedOn
      ? tallyOfStartRecorded(referral, { decidedOn, startOfCareDeadline: view.deadline }, before, startedOn)
      : undefined;
    try {
      await deps.store.recordStartOfCare(
        referralId,
        { ...(plannedStart ? { plannedStart } : {}), ...(startedOn ? { startedOn } : {}) },
        {
          type: "start-of-care-recorded",
          at: deps.clock.now().toISOString(),
          actor,
          details: {
            ...(plannedStart ? { plannedStart } : {}),
            ...(startedOn ? { startedOn, inTime: startedOn <= view.deadline } : {}),
          },
        },
        startedOn ? { before, ...(tally ? { tally } : {}) } : undefined,
      );
    } catch (error) {
      if (!(error instanceof StaleStateError)) throw error;
      if (attempt < 3 && (await deps.store.getReferral(referralId))?.status === "decided") continue;
      return { kind: "not-granted" };
    }
    const updated = await deps.store.getReferral(referralId);
    return { kind: "recorded", startOfCare: startOfCareOf(updated ?? referral) ?? view };
  }
}
