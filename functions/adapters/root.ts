/**
 * The one composition root of the handlers: every dependency a handler can ask for, one exported
 * provider each, built from the environment on first use, once per Lambda container, and shared by
 * whoever asks. A handler imports the providers it names and asks for them at module scope:
 *
 *     import { clock, dependencies, store } from "../adapters/root";
 *     const deps = dependencies(store, clock); // { store: ReferralStore, clock: Clock }
 *
 * so a missing variable still fails at cold start, with its name, and a unit test replaces the
 * adapters by mocking ./wiring, ./clock, ./dynamo-sessions or ./dynamo-access-log.
 *
 * Why a provider per export rather than names looked up in one table: esbuild keeps in a function's
 * bundle only the providers its handler imports, and with them only the adapters, SDK clients and
 * libraries those build. A table of every builder would pull every adapter into every bundle (all
 * three SDK clients, the OpenID client, Handlebars), and the import of that code is most of a cold
 * start (`npm run bench`). So every provider here is a plain object literal (no call at module
 * scope), and a new dependency is one more `export const`. Each `build` calls its adapter's
 * function only when run, so a test's mock of ./wiring needs only what its handler asks for.
 */
import { randomUUID } from "node:crypto";
import type { AccessLog } from "../domain/access-log";
import type { CalendarRules } from "../domain/calendar";
import { type ClinicConfig, calendarRulesOf } from "../domain/clinic";
import type { OperationsAlarms } from "../domain/operations-alarms";
import type {
  AttachmentStore,
  Clock,
  Mailer,
  Metrics,
  ReferralStore,
  StatisticsSource,
  Workflow,
} from "../domain/ports";
import type { PostalQueue } from "../domain/postal";
import type { RecoveryRuns, WorkflowExecutions } from "../domain/recovery";
import type { AgendaEmailRenderer, LetterRenderer, Renderer, StaffEmailRenderer } from "../domain/rendering";
import type { PatientIndex, PatientIndexBackfill } from "../domain/staff-search";
import type { Worklist } from "../domain/worklist";
import { agendaEmailViews, letterViews, renderer, staffEmailViews } from "../views/renderer";
import { systemClock } from "./clock";
import { operationsAlarmsFromEnv } from "./cloudwatch-alarms";
import { accessLogFromEnv } from "./dynamo-access-log";
import { patientIndexBackfillFromEnv, patientIndexFromEnv } from "./dynamo-patient-index";
import { postalQueueFromEnv } from "./dynamo-postal-queue";
import { recoveryRunsFromEnv } from "./dynamo-recovery-runs";
import { sessionStoreFromEnv } from "./dynamo-sessions";
import { worklistFromEnv } from "./dynamo-worklist";
import { clinicConfigFromEnv, requireEnv } from "./env";
import { powertoolsMetrics } from "./metrics";
import { attachmentStoreFromEnv } from "./s3-attachments";
import { type SignInDeps, signInProvidersSchema } from "./sign-in";
import { stateKeyFromEnv } from "./sign-in-state";
import {
  executionsFromEnv,
  mailerFromEnv,
  referralStoreFromEnv,
  statisticsFromEnv,
  workflowFromEnv,
} from "./wiring";

/** One dependency a handler can name: its key in what {@link dependencies} returns, and how it is built. */
export interface Provider<Name extends string, T> {
  readonly name: Name;
  readonly build: () => T;
}

/** What {@link dependencies} returns for these providers: each built value under its provider's name. */
export type Dependencies<P extends readonly Provider<string, unknown>[]> = {
  [Q in P[number] as Q["name"]]: ReturnType<Q["build"]>;
};

// Keyed by the provider, not its name: the `render…` providers share the name their use cases ask for.
const built = new Map<Provider<string, unknown>, unknown>();

/** The provider's value, built on the first call in this container and shared after. */
export function dependency<T>(provider: Provider<string, T>): T {
  if (!built.has(provider)) built.set(provider, provider.build());
  return built.get(provider) as T;
}

/** The named dependencies, built now (once per container) and shared with every other caller. */
export function dependencies<const P extends readonly Provider<string, unknown>[]>(
  ...providers: P
): Dependencies<P> {
  const picked: Record<string, unknown> = {};
  for (const provider of providers) picked[provider.name] = dependency(provider);
  return picked as Dependencies<P>;
}

export const store: Provider<"store", ReferralStore> = { name: "store", build: () => referralStoreFromEnv() };

export const mailer: Provider<"mailer", Mailer> = { name: "mailer", build: () => mailerFromEnv() };

// The views behind the domain's rendering port, as `render`, in the part a handler's use cases send:
// each provider brings only its views (and Handlebars templates) into a bundle.

/** The letters and the notice that one waits. */
export const renderLetters: Provider<"render", LetterRenderer> = { name: "render", build: () => letterViews };

/** The emails to staff. */
export const renderStaffEmails: Provider<"render", StaffEmailRenderer> = {
  name: "render",
  build: () => staffEmailViews,
};

/** The intake team's agenda email. */
export const renderAgendaEmail: Provider<"render", AgendaEmailRenderer> = {
  name: "render",
  build: () => agendaEmailViews,
};

/** Every letter and email, for a handler whose steps send both letters and staff emails. */
export const render: Provider<"render", Renderer> = { name: "render", build: () => renderer };

export const workflow: Provider<"workflow", Workflow> = { name: "workflow", build: () => workflowFromEnv() };

/** The workflow's executions, for recovery. */
export const executions: Provider<"executions", WorkflowExecutions> = {
  name: "executions",
  build: () => executionsFromEnv(),
};

export const clock: Provider<"clock", Clock> = { name: "clock", build: () => systemClock };

export const metrics: Provider<"metrics", Metrics> = { name: "metrics", build: () => powertoolsMetrics };

/** The clinic and its intake team (CLINIC_CONFIG). */
export const config: Provider<"config", ClinicConfig> = {
  name: "config",
  build: () => clinicConfigFromEnv(),
};

/** The clinic's working-day rules, from its legal-clock configuration. */
export const calendar: Provider<"calendar", CalendarRules> = {
  name: "calendar",
  build: () => calendarRulesOf(dependency(config).legalClock),
};

/** The base of links in emails (PUBLIC_BASE_URL). */
export const publicBaseUrl: Provider<"publicBaseUrl", string> = {
  name: "publicBaseUrl",
  build: () => requireEnv("PUBLIC_BASE_URL"),
};

export const worklist: Provider<"worklist", Worklist> = { name: "worklist", build: () => worklistFromEnv() };

/** A patient's referrals by national ID (the staff search). */
export const patientIndex: Provider<"patientIndex", PatientIndex> = {
  name: "patientIndex",
  build: () => patientIndexFromEnv(),
};

/** The reconciler's last scheduled run (written by it, read by operations' home). */
export const recoveryRuns: Provider<"recoveryRuns", RecoveryRuns> = {
  name: "recoveryRuns",
  build: () => recoveryRunsFromEnv(),
};

/** The stack's CloudWatch alarms (read by operations' home). */
export const operationsAlarms: Provider<"alarms", OperationsAlarms> = {
  name: "alarms",
  build: () => operationsAlarmsFromEnv(),
};

/** Keys the referrals stored before the patient index existed (a one-off migration). */
export const patientIndexBackfill: Provider<"patientIndexBackfill", PatientIndexBackfill> = {
  name: "patientIndexBackfill",
  build: () => patientIndexBackfillFromEnv(),
};

export const postalQueue: Provider<"postalQueue", PostalQueue> = {
  name: "postalQueue",
  build: () => postalQueueFromEnv(),
};

/** The statistics aggregate's read side (monthly counters). */
export const statistics: Provider<"statistics", StatisticsSource> = {
  name: "statistics",
  build: () => statisticsFromEnv(),
};

export const newId: Provider<"newId", () => string> = { name: "newId", build: () => randomUUID };

/** Sessions, the OpenID providers (SIGN_IN_PROVIDERS) and the API's base URL. */
export const signIn: Provider<"signIn", SignInDeps> = {
  name: "signIn",
  build: () => ({
    sessions: sessionStoreFromEnv(),
    // Once per container: zod's generated fast path would cost more than this one parse.
    providers: signInProvidersSchema.parse(JSON.parse(requireEnv("SIGN_IN_PROVIDERS")), { jitless: true }),
    publicBaseUrl: dependency(publicBaseUrl),
  }),
};

/** SIGN_IN_STATE_KEY: signs the cookie of a sign-in under way (the auth function only). */
export const signInStateKey: Provider<"signInStateKey", Buffer> = {
  name: "signInStateKey",
  build: () => stateKeyFromEnv(process.env.SIGN_IN_STATE_KEY),
};

export const accessLog: Provider<"accessLog", AccessLog> = {
  name: "accessLog",
  build: () => accessLogFromEnv(),
};

/** A referral's attachments (S3, ATTACHMENT_BUCKET). */
export const attachments: Provider<"attachments", AttachmentStore> = {
  name: "attachments",
  build: () => attachmentStoreFromEnv(),
};
