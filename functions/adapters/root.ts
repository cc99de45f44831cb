/**
 * The one composition root of the handlers: every dependency a handler can ask for, built from the
 * environment once per Lambda container and shared by whoever asks. A handler names what it needs at
 * module scope (`dependencies("store", "clock")`), so a missing variable still fails at cold start,
 * with its name, and a unit test replaces the adapters by mocking ./wiring or ./clock.
 */
import { randomUUID } from "node:crypto";
import type { AccessLog } from "../domain/access-log";
import type { CalendarRules } from "../domain/calendar";
import { type ClinicConfig, calendarRulesOf } from "../domain/clinic";
import type { Clock, Mailer, Metrics, ReferralStore, StatisticsSource, Workflow } from "../domain/ports";
import type { PostalQueue } from "../domain/postal";
import type { WorkflowExecutions } from "../domain/recovery";
import type { Worklist } from "../domain/worklist";
import { systemClock } from "./clock";
import { accessLogFromEnv } from "./dynamo-access-log";
import { postalQueueFromEnv } from "./dynamo-postal-queue";
import { sessionStoreFromEnv } from "./dynamo-sessions";
import { worklistFromEnv } from "./dynamo-worklist";
import { clinicConfigFromEnv, requireEnv } from "./env";
import { powertoolsMetrics } from "./metrics";
import { type SignInDeps, signInProvidersSchema } from "./sign-in";
import {
  executionsFromEnv,
  mailerFromEnv,
  referralStoreFromEnv,
  statisticsFromEnv,
  workflowFromEnv,
} from "./wiring";

/** Everything a handler may depend on. */
export interface HandlerDependencies {
  store: ReferralStore;
  mailer: Mailer;
  workflow: Workflow;
  /** The workflow's executions, for recovery. */
  executions: WorkflowExecutions;
  clock: Clock;
  metrics: Metrics;
  /** The clinic and its intake team (CLINIC_CONFIG). */
  config: ClinicConfig;
  /** The clinic's working-day rules, from its legal-clock configuration. */
  calendar: CalendarRules;
  /** The base of links in emails (PUBLIC_BASE_URL). */
  publicBaseUrl: string;
  worklist: Worklist;
  postalQueue: PostalQueue;
  /** The statistics aggregate's read side (monthly counters). */
  statistics: StatisticsSource;
  newId: () => string;
  /** Sessions, the OpenID providers (SIGN_IN_PROVIDERS) and the API's base URL. */
  signIn: SignInDeps;
  accessLog: AccessLog;
}

type Builders = { [K in keyof HandlerDependencies]: () => HandlerDependencies[K] };

const builders: Builders = {
  store: referralStoreFromEnv,
  mailer: mailerFromEnv,
  workflow: workflowFromEnv,
  executions: executionsFromEnv,
  clock: () => systemClock,
  metrics: () => powertoolsMetrics,
  config: clinicConfigFromEnv,
  calendar: () => calendarRulesOf(dependency("config").legalClock),
  publicBaseUrl: () => requireEnv("PUBLIC_BASE_URL"),
  worklist: worklistFromEnv,
  postalQueue: postalQueueFromEnv,
  statistics: () => statisticsFromEnv(),
  newId: () => randomUUID,
  signIn: () => ({
    sessions: sessionStoreFromEnv(),
    providers: signInProvidersSchema.parse(JSON.parse(requireEnv("SIGN_IN_PROVIDERS"))),
    publicBaseUrl: dependency("publicBaseUrl"),
  }),
  accessLog: accessLogFromEnv,
};

const built: Partial<HandlerDependencies> = {};

function dependency<K extends keyof HandlerDependencies>(name: K): HandlerDependencies[K] {
  if (!(name in built)) built[name] = builders[name]();
  return built[name] as HandlerDependencies[K];
}

/** The named dependencies, built now (once per container) and shared with every other caller. */
export function dependencies<K extends keyof HandlerDependencies>(
  ...names: K[]
): Pick<HandlerDependencies, K> {
  const picked = {} as Pick<HandlerDependencies, K>;
  for (const name of names) picked[name] = dependency(name);
  return picked;
}
