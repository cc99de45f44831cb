/**
 * Support for the end-to-end suites: the sample people's addresses (cdk.json's intake team and the
 * sample referral's referrer, patient and GP) and the steps the suites share against a running local
 * stack, over HTTP (and, for what no portal may see, DynamoDB Local). Each suite starts its own stack
 * and passes it in.
 */
import { readFileSync } from "node:fs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { expect } from "vitest";
import { DynamoReferralStore } from "../../functions/adapters/dynamo-referral-store";
import { referralView } from "../../functions/domain/referral-view";
import { LOCAL_CREDENTIALS } from "../../lib/local/dynamodb-local";
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
  submitReferral,
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

/** A date `days` from now (negative: ago), as YYYY-MM-DD. */
export const daysFromNow = (days: number) =>
  new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** The emails of the local mailbox whose subject ends with `subject`. */
export const ofSubject = (emails: MailboxEmail[], subject: string) =>
  emails.filter((email) => email.subject.endsWith(subject));

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

/**
 * Submits a referral and waits for the task emails of its workflow and their record; returns the task
 * link.
 */
export async function submitAndAwaitTask(stack: LocalStack, referral: Record<string, unknown>, key: string) {
  const before = await mailboxSize(stack);
  const receipt = await submitReferral(stack.apiUrl, referral, key);
  expect(receipt.status).toBe(202);
  const taskEmails = await eventually(async () => {
    const emails = (await newEmails(stack, before)).filter((email) =>
      intakeTeam.includes(email.destination.to[0] ?? ""),
    );
    return emails.length === intakeTeam.length ? emails : undefined;
  }, "the task emails to the intake team");
  // The emails go out before the step records them; wait for the record too, so that what a test
  // counts afterwards is the referral at rest, awaiting its decision.
  const referralId = String(receipt.body.referralId);
  await awaitFile(
    stack,
    referralId,
    (file) => eventTypes(file).includes("assessors-notified"),
    "the assessors-notified event",
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
