/**
 * In-memory fakes of the domain's ports, for tests of the use cases without AWS. The store keeps the
 * conditions of the DynamoDB adapter (status transitions, once-only flags, task states, letter
 * claims), so a use case that relies on them is tested against the same rules.
 */

import { takeOverMethods } from "../../functions/adapters/dynamo-referral-store";
import { type ClinicConfig, type ClinicConfigInput, clinicConfigSchema } from "../../functions/domain/clinic";
import { AttachmentsUnavailable, MailUnavailable } from "../../functions/domain/errors";
import {
  type AttachmentStore,
  type Clock,
  type Mailer,
  type Metrics,
  type OutgoingEmail,
  type ReferralStore,
  type StatisticsSource,
  TaskNoLongerOpen,
  type WaitAnswer,
  type Workflow,
} from "../../functions/domain/ports";
import { DEFAULT_PRIORITY_GUIDE, parsePriorityGuide } from "../../functions/domain/priority-guide";
import type { ReferralRecord } from "../../functions/domain/records";
import { parseReferralSubmission, type ReferralSubmission } from "../../functions/domain/referral";
import { sampleReferral } from "./http";
import { InMemoryCare } from "./memory-store/care";
import { InMemoryDecisions } from "./memory-store/decisions";
import { InMemoryMeetings } from "./memory-store/meetings";
import { InMemoryOutbox } from "./memory-store/outbox";
import { InMemoryMessageReceipts } from "./memory-store/receipts";
import { InMemoryReferrals } from "./memory-store/referrals";
import { InMemoryStatistics } from "./memory-store/statistics";
import { MemoryTable } from "./memory-store/table";
import { InMemoryTasks } from "./memory-store/tasks";

const copy = <T>(value: T): T => structuredClone(value);

/**
 * The ReferralStore in memory, with the DynamoDB adapter's conditions, and its statistics counters:
 * one in-memory store per record family (test/support/memory-store), on this object's records.
 */
export interface InMemoryReferralStore extends ReferralStore, StatisticsSource {}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface names the family stores' methods, which the constructor puts on the instance (as DynamoReferralStore does); the store contract suite calls every one of them.
export class InMemoryReferralStore extends MemoryTable {
  constructor() {
    super();
    takeOverMethods(this, [
      new InMemoryReferrals(this),
      new InMemoryTasks(this),
      new InMemoryDecisions(this),
      new InMemoryMeetings(this),
      new InMemoryOutbox(this),
      new InMemoryMessageReceipts(this),
      new InMemoryCare(this),
      new InMemoryStatistics(this),
    ]);
  }
}

/**
 * A Mailer that keeps what it was asked to send; `failNext` makes the next sends throw
 * MailUnavailable, as the SES adapter does when SES answers with a throttling or 5xx error.
 */
export class RecordingMailer implements Mailer {
  readonly sent: OutgoingEmail[] = [];
  failNext = 0;

  async send(email: OutgoingEmail): Promise<string> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new MailUnavailable();
    }
    this.sent.push(copy(email));
    return `message-${this.sent.length}`;
  }

  to(address: string): OutgoingEmail[] {
    return this.sent.filter((email) => email.to === address);
  }
}

/** Metrics that keep every record. */
export class RecordingMetrics implements Metrics {
  readonly records: { name: string; ids: Record<string, string> }[] = [];

  count(name: string, ids: Record<string, string> = {}): void {
    this.records.push({ name, ids: copy(ids) });
  }
}

/** A clock that stands still until moved. */
export class FakeClock implements Clock {
  constructor(private current: Date) {}

  now(): Date {
    return new Date(this.current.getTime());
  }

  set(instant: Date | string): void {
    this.current = new Date(instant);
  }
}

/**
 * A Workflow whose resume answers as its `tokens` say: a token listed as waiting resumes once (then
 * stops waiting), any other throws TaskNoLongerOpen, as Step Functions does for a finished wait.
 */
export class FakeWorkflow implements Workflow {
  readonly started: string[] = [];
  readonly resumed: { taskToken: string; output: WaitAnswer }[] = [];
  readonly waiting = new Set<string>();

  async start(referralId: string) {
    this.started.push(referralId);
  }

  async resume(taskToken: string, output: WaitAnswer) {
    if (!this.waiting.delete(taskToken)) throw new TaskNoLongerOpen("the workflow no longer waits");
    this.resumed.push({ taskToken, output });
  }

  readonly retimed: string[] = [];

  async retime(taskToken: string) {
    if (!this.waiting.delete(taskToken)) throw new TaskNoLongerOpen("the workflow no longer waits");
    this.retimed.push(taskToken);
  }

  readonly withdrawn: string[] = [];

  async withdraw(taskToken: string) {
    if (!this.waiting.delete(taskToken)) throw new TaskNoLongerOpen("the workflow no longer waits");
    this.withdrawn.push(taskToken);
  }
}

/**
 * The clinic of cdk.json, with the defaults of every section and the shipped priority guide;
 * `legalClock` may be overridden.
 */
export function testClinicConfig(overrides: Partial<ClinicConfigInput> = {}): ClinicConfig {
  const parsed = clinicConfigSchema.parse({
    clinic: {
      name: "Smerteklinikken",
      department: "Tverrfaglig smerteklinikk",
      postalAddress: "Postboks 4950 Nydalen, 0424 Oslo",
      visitingAddress: "Sognsvannsveien 20, 0372 Oslo",
      phone: "23 00 00 00",
      email: "smerteklinikken@smerteklinikk.example",
      complaintsTo: "Statsforvalteren i Østfold, Buskerud, Oslo og Akershus",
    },
    intakeTeam: [
      { name: "Ingrid Lie", role: "physician", email: "ingrid.lie@smerteklinikk.example", lead: true },
      { name: "Ola Haugen", role: "psychologist", email: "ola.haugen@smerteklinikk.example" },
      { name: "Sara Nilsen", role: "physiotherapist", email: "sara.nilsen@smerteklinikk.example" },
    ],
    ...overrides,
  });
  return { ...parsed, priorityGuide: parsePriorityGuide(DEFAULT_PRIORITY_GUIDE) };
}

/** The sample referral's submission, parsed, with fields of the body replaced by `changes`. */
export function testSubmission(changes: Record<string, unknown> = {}): ReferralSubmission {
  const parsed = parseReferralSubmission({ ...sampleReferral(), ...changes });
  if (!parsed.ok) throw new Error(`bad test submission: ${JSON.stringify(parsed.issues)}`);
  return parsed.value;
}

/** A stored referral in status `received`, as receive-referral writes it. */
export function testReferral(
  overrides: Partial<ReferralRecord> & { submission?: ReferralSubmission } = {},
): ReferralRecord {
  const submission = overrides.submission ?? testSubmission();
  return {
    referralId: "ref-1",
    status: "received",
    kind: submission.kind,
    priority: submission.priority,
    receivedAt: "2025-03-03T09:00:00.000Z",
    clockStartDate: "2025-03-03",
    assessmentDueDate: "2025-03-17",
    missingContent: [],
    deadlineBreached: false,
    submission,
    submittedBy: { kind: "portal", id: "portal-1" },
    ...overrides,
  };
}

/** The attachment store in memory: objects by key, each written once; `failing` plays an S3 outage. */
export class InMemoryAttachmentStore implements AttachmentStore {
  readonly objects = new Map<string, { content: Uint8Array; mimeType: string }>();
  /** Every write asked for, including those that found the key taken. */
  readonly puts: string[] = [];
  failing = false;

  async putIfAbsent(key: string, content: Uint8Array, mimeType: string): Promise<void> {
    if (this.failing) throw new AttachmentsUnavailable();
    this.puts.push(key);
    if (!this.objects.has(key)) this.objects.set(key, { content: new Uint8Array(content), mimeType });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    if (this.failing) throw new AttachmentsUnavailable();
    return this.objects.get(key)?.content;
  }
}

/**
 * The clinic the letter tests render with (and their golden files show): one copy, so a letter test
 * cannot drift from the others' clinic.
 */
export const LETTER_TEST_CLINIC: ClinicConfig["clinic"] = clinicConfigSchema.parse({
  clinic: {
    name: "Smerteklinikken",
    department: "Avdeling for smertebehandling",
    postalAddress: "Postboks 4950 Nydalen, 0424 Oslo",
    visitingAddress: "Sognsvannsveien 20, 0372 Oslo",
    phone: "22 11 80 80",
    email: "smerteklinikken@example.no",
    complaintsTo: "Statsforvalteren i Østfold, Buskerud, Oslo og Akershus",
  },
  intakeTeam: [{ name: "Ingrid Lie", role: "physician", email: "ingrid.lie@example.no", lead: true }],
}).clinic;
