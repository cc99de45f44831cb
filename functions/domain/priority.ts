/**
 * Staff change a referral's priority (urgent "haster" or ordinary) while it waits for its assessment,
 * with a reason, from the task page or as JSON. The change is recorded with its author (the
 * signed-in person) in one write with its audit event, and the workflow's deadline timer is set anew
 * under the new priority. Urgency is a legal ground, not a preference: on suspicion of serious or
 * life-threatening illness the patient has a right to a faster assessment (pbrl § 2-2 first
 * paragraph, third sentence), so an urgent referral gets the clinic's target for that faster
 * assessment and an earlier reminder; an ordinary one loses them. The 10 working days stay the outer
 * limit for both (legal-clock.ts), so the due date, the worklist and the letters keep it.
 */
import * as z from "zod";
import type { TaskView } from "./assessment-answer";
import { viewTask } from "./assessment-answer";
import type { CalendarRules } from "./calendar";
import { csrfTokenMatches } from "./csrf";
import { isUnavailable } from "./errors";
import type { Clock, ReferralRecords, TaskRecords, Workflow } from "./ports";
import { StaleStateError, TaskNoLongerOpen } from "./ports";
import { isMeaningfulReason, tooShortReasonMessage } from "./reason-text";
import type { PriorityChange } from "./records";
import { referralHeadlineSchema } from "./referral-headline";
import { PRIORITIES } from "./referral-labels";
import { builtOnFirstUse, formatIssues, type Issue } from "./validation";

/** Control and bidirectional override characters (as the referral's free text refuses them). */
const FORBIDDEN = /(?![\t\n\r])\p{Cc}|[\u202a-\u202e\u2066-\u2069]/u;

/** 200 of POST /tasks/{taskId}/priority with a JSON body (documents the API; built on first use). */
export const priorityChangedSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  referralHeadlineSchema()
    .pick({ referralId: true, priority: true })
    .extend({ status: z.literal("changed") }),
);

/** The body of POST /tasks/{taskId}/priority (built on first use: only that route parses it). */
export const priorityChangeSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    priority: z.enum(PRIORITIES, { error: 'must be "ordinary" or "urgent"' }),
    reason: z
      .string({ error: "is required" })
      .trim()
      .min(1, "must say why the priority changes")
      .max(2000)
      .refine((value) => value.isWellFormed() && !FORBIDDEN.test(value), {
        message: "must not contain control or bidirectional override characters",
      })
      // An empty reason has its own message (min above); any other must say something (reason-text.ts).
      .refine(
        (value) => value === "" || isMeaningfulReason(value),
        tooShortReasonMessage("Begrunnelsen for endret prioritet"),
      )
      .transform((value) => value.normalize("NFC")),
  }),
);

export type PriorityChangeResult =
  | {
      kind: "changed";
      referralId: string;
      change: PriorityChange;
      /** False when the workflow could not be told at once: its next timer step uses the new priority. */
      retimed: boolean;
    }
  | { kind: "invalid"; issues: Issue[]; view: Extract<TaskView, { kind: "open" }> }
  | { kind: "forbidden" }
  | { kind: "gone"; reason: "answered" | "expired" | "withdrawn" }
  | { kind: "unknown" };

/**
 * Changes the priority of the referral behind an open task. A form post must carry the task's
 * anti-forgery token. Asking for the priority it already has, or without a reason, is invalid and
 * changes nothing. After the change the workflow's current wait is ended with the retime error
 * (Workflow.retime), so its timer follows the new priority at once; when the workflow is between
 * two waits, the step running then computes its next wait from the stored priority, and the task's
 * new token (if it was re-armed meanwhile) is retimed as well.
 */
export async function changePriority(
  deps: { store: ReferralRecords & TaskRecords; clock: Clock; workflow: Workflow; calendar: CalendarRules },
  taskId: string,
  body: unknown,
  author: string,
  options: { form?: { csrfToken: unknown } } = {},
): Promise<PriorityChangeResult> {
  const view = await viewTask(deps, taskId);
  if (view.kind !== "open") return view;
  if (options.form && !csrfTokenMatches(view.task.csrfToken, options.form.csrfToken)) {
    return { kind: "forbidden" };
  }
  const parsed = priorityChangeSchema().safeParse(body);
  if (!parsed.success) return { kind: "invalid", issues: formatIssues(parsed.error), view };
  const { referral, task } = view;
  if (referral.kind === "secondary" && referral.status === "received") {
    return {
      kind: "invalid",
      issues: [{ path: "priority", message: "confirm the secondary referral's condition first" }],
      view,
    };
  }
  if (parsed.data.priority === referral.priority) {
    return {
      kind: "invalid",
      issues: [{ path: "priority", message: `the referral is already ${referral.priority}` }],
      view,
    };
  }
  const at = deps.clock.now().toISOString();
  const change: PriorityChange = {
    from: referral.priority,
    to: parsed.data.priority,
    reason: parsed.data.reason,
    by: author,
    at,
  };
  try {
    // The reason stays with the referral (it may be clinical); the event says who, when and what.
    await deps.store.changePriority(referral.referralId, change, {
      type: "priority-changed",
      at,
      actor: { kind: "staff", id: author },
      details: { from: change.from, to: change.to, taskId, reasonRecorded: true },
    });
  } catch (error) {
    if (error instanceof StaleStateError) return { kind: "gone", reason: "answered" };
    throw error;
  }
  return { kind: "changed", referralId: referral.referralId, change, retimed: await retime(deps, task) };
}

/** Ends the task's current wait so the timer is set anew; a re-armed task's new token is tried too. */
async function retime(
  deps: { store: Pick<TaskRecords, "getTask">; workflow: Workflow },
  task: { referralId: string; taskId: string; taskToken: string },
): Promise<boolean> {
  let token = task.taskToken;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await deps.workflow.retime(token);
      return true;
    } catch (error) {
      if (!(error instanceof TaskNoLongerOpen)) {
        if (isUnavailable(error)) return false;
        throw error;
      }
    }
    const current = await deps.store.getTask(task.referralId, task.taskId);
    if (current?.state !== "open" || current.taskToken === token) return false;
    token = current.taskToken;
  }
  return false;
}
