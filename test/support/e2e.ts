/**
 * Support for the end-to-end suites: the sample people's addresses (cdk.json's intake team and the
 * sample referral's referrer, patient and GP) and the steps the suites share against a running local
 * stack, over HTTP (and, for what no portal may see, DynamoDB Local). Each suite passes its stack
 * in: the worker's shared one (./shared-stack.ts) or one it started with options of its own.
 */
import { readFileSync } from "node:fs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { expect } from "vitest";
import { DynamoReferralStore } from "../../functions/adapters/dynamo-referral-store";
import { isWorkingDay, osloDate } from "../../functions/domain/calendar";
import { addDays } from "../../functions/domain/decision-labels";
import { referralView } from "../../functions/domain/referral-view";
import { LOCAL_CREDENTIALS } from "../../lib/local/emulators/dynamodb-local";
import type { LocalStack } from "../../lib/local/local-stack";
import {
  csrfTokenIn,
  eventually,
  fetchAs,
  letterLinkIn,
  type MailboxEmail,
  mailbox,
  pageText,
  postDecisionForm,
  type SignedIn,
  sampleReferral,
  signIn,
  submitReferralRetrying,
  taskLinkIn,
} from "./http";

interface TeamMember {
  email: string;
  lead?: boolean;
}

const team: TeamMember[] = JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8"))
  .context["frist:intakeTeam"];
const sample = sampleReferral() as Record<
  "patient" | "referrer" | "gp",
  { email: string; nationalId?: string; hprNumber?: string }
>;

/** The intake team's addresses, in cdk.json's order. */
export const intakeTeam: readonly string[] = team.map((member) => member.email);
const leadMember = team.find((member) => member.lead);
if (!leadMember) throw new Error("cdk.json's frist:intakeTeam has no lead");
/** The clinic lead: the intake team member marked `lead`. */
export const lead = leadMember.email;
/** An assessor who is not the lead. */
export const assessor = team.find((member) => !member.lead)?.email ?? lead;
export const referrerEmail = sample.referrer.email;
export const patientEmail = sample.patient.email;
export const gpEmail = sample.gp.email;
/** The sample patient's national ID: how the patient signs in to read a letter (ID-porten's `pid`). */
export const patientNationalId = String(sample.patient.nationalId);
/** The sample referrer's HPR number: how the referrer signs in to read a letter (HelseID's `hpr_number`). */
export const referrerHpr = String(sample.referrer.hprNumber);
/** The HPR number of the GP of {@link withOwnGp}. */
export const ownGpHpr = "7654321";

/** The sample referral with another patient name and email. */
export function withPatient(name: string, email: string = patientEmail): Record<string, unknown> {
  const referral = sampleReferral();
  referral.patient = { ...(referral.patient as object), name, email };
  return referral;
}

/**
 * The referral with a GP who is not the referrer (another HPR number), so the GP gets a copy of their
 * own. In the sample, the GP is the referrer, who gets one letter.
 */
export function withOwnGp(referral: Record<string, unknown>): Record<string, unknown> {
  return { ...referral, gp: { hprNumber: ownGpHpr, name: "Gro Fastlege", email: gpEmail } };
}

/**
 * A date `days` from today (negative: ago), as YYYY-MM-DD, today being the date in Oslo, as the
 * handlers count it: from 22:00 or 23:00 UTC the UTC date is still yesterday there.
 */
export const daysFromNow = (days: number) => addDays(osloDate(new Date()), days);

/**
 * The first working day from `days` days from now: a start-of-care deadline as an assessor sets it
 * (a deadline on a weekend or holiday is asked about on the form before it is recorded).
 */
export const workingDayFromNow = (days: number) => {
  let day = daysFromNow(days);
  while (!isWorkingDay(day)) day = addDays(day, 1);
  return day;
};

/** The emails of the local mailbox whose subject ends with `subject`. */
export const ofSubject = (emails: MailboxEmail[], subject: string) =>
  emails.filter((email) => email.subject.endsWith(subject));

/**
 * The text without its random tokens (task ids, anti-forgery tokens: runs of 20 or more base64url
 * characters), before it is searched for patient data: a 43-character task id spells a given
 * three-letter name ("Una") about once in 6,000 emails.
 */
export const withoutRandomTokens = (text: string) => text.replace(/[A-Za-z0-9_-]{20,}/g, "…");

/** The audit event types of a referral file, in order. */
export const eventTypes = (file: Record<string, unknown>) =>
  (file.events as { type: string }[]).map((e) => e.type);

/** How many emails the local mailbox holds. */
export const mailboxSize = async (stack: LocalStack) => (await mailbox(stack.mailboxJsonUrl)).length;

/** The emails that arrived after the first `before`. */
export const newEmails = async (stack: LocalStack, before: number) =>
  (await mailbox(stack.mailboxJsonUrl)).slice(before);

/** The emails whose subject names the referral: its letters. */
export const emailsOf = async (stack: LocalStack, referralId: string) =>
  (await mailbox(stack.mailboxJsonUrl)).filter((email) => email.subject.includes(referralId));

/**
 * Reads a letter as its recipient does: signs in through the local provider (a patient by national
 * ID, health personnel by HPR number), opens the link in the notice email and answers the page's
 * status and visible text.
 */
export async function readLetterAs(stack: LocalStack, email: MailboxEmail, identifier: string) {
  const audience = /^\d{11}$/.test(identifier) ? "patient" : "professional";
  const session = await signIn(stack, identifier, { audience });
  const page = await fetchAs(session, letterLinkIn(email));
  return { status: page.status, text: pageText(await page.text()) };
}

/** The visible text of a letter its recipient opened (fails unless the page opened). */
export async function letterText(stack: LocalStack, email: MailboxEmail, identifier: string) {
  const read = await readLetterAs(stack, email, identifier);
  expect(read.status, `the letter "${email.subject}" for ${identifier}`).toBe(200);
  return read.text;
}

/** The task id of a referral's first "assessors-notified" event (its task emailed), if there is one. */
export function notifiedTaskIdOf(file: Record<string, unknown>): string | undefined {
  const event = (file.events as { type: string; details?: { taskId?: unknown } }[]).find(
    (e) => e.type === "assessors-notified",
  );
  return typeof event?.details?.taskId === "string" ? event.details.taskId : undefined;
}

/**
 * The emails in the local mailbox that carry the link to this task, in the order sent: its task
 * emails first, then any reminder or escalation with the same link.
 */
export const emailsWithTask = async (stack: LocalStack, taskId: string) =>
  (await mailbox(stack.mailboxJsonUrl)).filter((email) =>
    (email.body.text ?? "").includes(`/tasks/${taskId}`),
  );

/**
 * Submits a referral and waits until its workflow has emailed the task and recorded that it did
 * ("assessors-notified"); returns the task emails (one to each member of the intake team, checked)
 * and the task link. The step sends the emails first and records them after, so once the record is
 * there the emails are in the mailbox and the referral is at rest, awaiting its decision: what a test
 * reads afterwards does not change under it. The emails are this referral's own, found by the task
 * id in the record, never "the next emails to arrive": another referral's task emails, an agenda
 * or an alert to the lead may arrive meanwhile.
 */
export async function submitAndAwaitTask(stack: LocalStack, referral: Record<string, unknown>, key: string) {
  const receipt = await submitReferralRetrying(stack.apiUrl, referral, key);
  expect(receipt.status).toBe(202);
  const referralId = String(receipt.body.referralId);
  const file = await awaitFile(
    stack,
    referralId,
    (body) => notifiedTaskIdOf(body) !== undefined,
    "the assessors-notified event",
  );
  const taskId = notifiedTaskIdOf(file) as string;
  // The first to carry the link: a referral at risk on arrival may be reminded at once, same link.
  const taskEmails = (await emailsWithTask(stack, taskId)).slice(0, intakeTeam.length);
  expect(taskEmails.map((email) => email.destination.to[0]).sort(), "the task emails").toEqual(
    [...intakeTeam].sort(),
  );
  return {
    receipt: receipt.body,
    referralId,
    taskEmails,
    taskLink: taskLinkIn(taskEmails[0] as MailboxEmail),
  };
}

/** Opens the task page and posts one of its forms, as a signed-in browser does: with the page's token. */
export async function postForm(taskLink: string, fields: Record<string, string>, session: SignedIn) {
  const page = await fetchAs(session, taskLink);
  expect(page.status).toBe(200);
  const csrfToken = csrfTokenIn(await page.text());
  return postDecisionForm(taskLink, { ...fields, csrfToken }, session);
}

/** Signs in as a member of the intake team (an assessor, not the lead) through the local provider. */
export const signInAsAssessor = (stack: LocalStack) => signIn(stack, assessor);

/**
 * The whole referral file as the store holds it (tasks, internal events, assignment and all), in
 * the shape of referralView. The API shows a portal only its own narrow view (functions/domain/
 * portal.ts), so the suites read what the workflow did from DynamoDB Local itself.
 */
export async function referralFile(stack: LocalStack, referralId: string): Promise<Record<string, unknown>> {
  const store = new DynamoReferralStore(
    DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: stack.dynamodbEndpoint,
        region: stack.region,
        credentials: LOCAL_CREDENTIALS,
      }),
    ),
    process.env.TABLE_NAME ?? (stack.tableNames[0] as string),
  );
  const file = await store.getReferralFile(referralId);
  if (!file) throw new Error(`no referral ${referralId} in the store`);
  return JSON.parse(JSON.stringify(referralView(file))) as Record<string, unknown>;
}

/** Polls the referral file until `ready` holds for it. */
export async function awaitFile(
  stack: LocalStack,
  referralId: string,
  ready: (file: Record<string, unknown>) => boolean,
  what: string,
  timeoutMs?: number,
) {
  return eventually(
    async () => {
      const body = await referralFile(stack, referralId);
      return ready(body) ? body : undefined;
    },
    what,
    timeoutMs,
  );
}
