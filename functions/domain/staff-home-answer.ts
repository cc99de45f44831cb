/**
 * The JSON answer of GET /staff (`Accept: application/json`): the staff home (staff-home.ts) and the
 * session's anti-forgery token, as documented in GET /openapi.json (`StaffHome`). A section is
 * present only for a role that needs it; every link is relative to the API's base URL.
 */
import * as z from "zod";
import { recoveryRunFindingSchema } from "./recovery-run-schema";
import { PRIORITIES, REFERRAL_KINDS } from "./referral-labels";
import { STAFF_ROLES } from "./session";
import { builtOnFirstUse } from "./validation";

const date = () => z.iso.date();
const paged = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z
      .string()
      .optional()
      .describe("Present when there may be more: pass it back as this list's cursor."),
  });

const homeReferral = () =>
  z.object({
    referralId: z.string(),
    kind: z.enum(REFERRAL_KINDS),
    priority: z.enum(PRIORITIES),
    receivedAt: z.string(),
    assessmentDueDate: date(),
    workingDaysLeft: z
      .number()
      .int()
      .describe("Working days to the due date: 0 on it, negative once passed."),
    atRisk: z.boolean(),
    urgent: z.boolean(),
    overdue: z.boolean(),
    secondaryToConfirm: z.boolean(),
    href: z.string(),
  });

/** 200 of GET /staff as JSON. */
export const staffHomeAnswerSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    asOf: date().describe("The Oslo date the working days count from."),
    roles: z.array(z.enum(STAFF_ROLES)),
    openReferrals: paged(homeReferral())
      .optional()
      .describe("Assessor and lead: open referrals by deadline."),
    meetings: z
      .array(
        z.object({
          meetingId: z.string(),
          startsAt: z.string(),
          capacity: z.number().int(),
          seats: z.number().int(),
          full: z.boolean(),
          agendaHref: z.string().optional(),
          referrals: z.array(z.object({ referralId: z.string(), href: z.string() })),
        }),
      )
      .optional()
      .describe("Assessor and lead: the intake meetings of the next two weeks."),
    startsOfCare: paged(
      z.object({
        referralId: z.string(),
        startOfCareDeadline: date(),
        plannedStart: date().nullable(),
        workingDaysLeft: z.number().int(),
        plannedStartPassed: z.boolean(),
        deadlineNear: z.boolean(),
        deadlinePassed: z.boolean(),
        href: z.string(),
      }),
    )
      .optional()
      .describe("Lead: starts of care due or unconfirmed."),
    informationRequests: paged(
      z.object({
        referralId: z.string(),
        taskId: z.string(),
        requestedAt: z.string(),
        workingDaysWaiting: z.number().int(),
        href: z.string(),
      }),
    )
      .optional()
      .describe("Lead: information requests awaiting the referrer's answer."),
    letters: z
      .object({ toPost: z.number().int(), more: z.boolean(), href: z.string() })
      .optional()
      .describe("Clerk and lead: letters to post, counted."),
    helfo: z
      .object({
        toReport: z.number().int(),
        expected: z.number().int(),
        confirmed: z.number().int(),
        href: z.string(),
      })
      .optional()
      .describe("Clerk and lead: Helfo notices to report, counted."),
    operations: z
      .object({
        failed: z.array(homeReferral()),
        recovery: z
          .object({
            ranAt: z.string(),
            checked: z.number().int(),
            found: z.number().int(),
            findings: z.array(
              recoveryRunFindingSchema().extend({
                href: z.string().describe("Where it is looked into: the Step Functions console."),
              }),
            ),
          })
          .nullable()
          .describe("The reconciler's last run; null until one has been recorded."),
        alarms: z
          .discriminatedUnion("readable", [
            z.object({
              readable: z.literal(true),
              inAlarm: z.array(
                z.object({
                  name: z.string(),
                  since: z.string().describe("When it entered ALARM (CloudWatch's StateUpdatedTimestamp)."),
                  reason: z.string().describe("CloudWatch's state reason."),
                  whatToDo: z.string().describe("The 'What to do' of the alarm's description."),
                }),
              ),
              ok: z.number().int(),
              insufficientData: z.number().int(),
            }),
            z.object({ readable: z.literal(false) }),
          ])
          .describe(
            "The stack's CloudWatch alarms: those in ALARM, longest first, and the rest counted; `readable: false` when CloudWatch could not be read (the home is shown anyway).",
          ),
        statisticsHref: z.string(),
      })
      .optional()
      .describe("Operations: the state machines' health."),
    statisticsHref: z.string().optional(),
    csrfToken: z.string().describe("The session's anti-forgery token, for the staff posts."),
  }),
);
