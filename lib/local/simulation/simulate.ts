/**
 * `frist simulate`: a period of a centre replayed through the local default on simulated time, every
 * step real. Portals POST referrals over HTTP at their simulated moments; the synthesized workflow
 * plans each into an intake meeting, emails the team and arms its deadline timer; the agenda schedule
 * emails each meeting's agenda link; at each meeting the team opens the agenda page, opens each task
 * page and posts its decision form (with the page's anti-forgery token), as a browser does; the
 * workflow records it and sends the letters. Nothing is shortcut: the driver only moves the clock and
 * speaks HTTP, and reads the mailbox for the links a person would click.
 *
 * The clock jumps from one event to the next (a referral arriving, a meeting, a late decision), and
 * before each jump to another day the driver waits until no function is running, so that timers,
 * reminders and breaches fire on the day they are due.
 */

import {
  type CalendarRules,
  defaultCalendarRules,
  type IsoDate,
  isWorkingDay,
  osloDate,
  osloInstant,
  workingDaysBetween,
} from "../../../functions/domain/calendar";
import type { StatisticsRow } from "../../../functions/domain/statistics";
import { formatMeetingTime } from "../../../functions/views/norwegian-time";
import { type LocalStack, type LocalStackOptions, startLocalStack } from "../local-stack";
import { costOf, type RunCost } from "../operations/cost";
import { counters, type RunCounts } from "../operations/counters";
import { eachAtOnce } from "./lanes";
import { signIn } from "./sign-in-client";

/** A weekly meeting slot, Oslo time (ISO weekday 1 = Monday). */
export interface MeetingSlot {
  weekday: number;
  time: string;
}

/** What to simulate; every field has a default from the survey's largest centre. */
export interface SimulationOptions {
  /** Referrals received in the period. */
  referrals: number;
  /** First day of the period (Oslo). */
  from: IsoDate;
  /** Length of the period in days. */
  days: number;
  meetings: MeetingSlot[];
  capacityPerMeeting: number;
  /** Shares of the referrals that are secondary, forwarded, and urgent. */
  secondaryShare: number;
  forwardedShare: number;
  urgentShare: number;
  /**
   * Share of the secondary referrals staff confirm concern the condition already assessed
   * (acknowledged and closed); the rest they answer "not the same" and are assessed as new.
   */
  secondarySameShare: number;
  /** Share of the decided referrals that are granted a right (the rest are refused). */
  grantedShare: number;
  /** Share of a meeting's referrals decided at the meeting; the rest `lateDays` working days later. */
  decidedAtMeetingShare: number;
  lateDays: number;
  /**
   * Days from a grant to the planned start of care it gives; the team records the start on the first
   * working day from then (a start after the period's last decision is not simulated).
   */
  plannedStartDays: number;
  /** Spread over the year: relative volume per month, January first (12 numbers). */
  monthWeights: number[];
  seed: number;
  /** Called after each event: referrals received so far, of how many, and the simulated now. */
  onProgress?: (received: number, total: number, now: Date) => void;
}

/**
 * The survey's largest centre (../shared/seeds/001: OUS 2017, 1,925 referrals; two intake meetings
 * a week of 15–30 referrals each; refusals 31 % in 2016, so 69 % granted). Secondary and forwarded
 * shares and the summer/Christmas dip are assumptions, stated in `frist simulate --help`.
 */
export const DEFAULT_SIMULATION: SimulationOptions = {
  referrals: 1925,
  from: "2027-01-01",
  days: 365,
  meetings: [
    { weekday: 2, time: "12:00" },
    { weekday: 4, time: "12:00" },
  ],
  capacityPerMeeting: 30,
  secondaryShare: 0.1,
  forwardedShare: 0.03,
  urgentShare: 0.05,
  secondarySameShare: 0.9,
  grantedShare: 0.69,
  decidedAtMeetingShare: 0.95,
  lateDays: 2,
  plannedStartDays: 60,
  monthWeights: [1, 1, 1, 1, 1, 1, 0.4, 0.9, 1.1, 1.1, 1.1, 0.8],
  seed: 1,
};

/** One referral of the simulation, as the driver knows it. */
interface SimReferral {
  n: number;
  patientName: string;
  kind: "new" | "forwarded" | "secondary";
  priority: "ordinary" | "urgent";
  at: number;
  referralId?: string;
}

type SimEvent =
  | { at: number; type: "arrival"; referral: SimReferral }
  | { at: number; type: "meeting"; meetingId: string }
  | { at: number; type: "late-decision"; taskLink: string; referral: SimReferral | undefined }
  | { at: number; type: "confirm-secondary"; referral: SimReferral }
  | { at: number; type: "start-of-care"; referralId: string; startedOn: IsoDate };

/** The period's figures, computed from the referral files the API answers at the end. */
export interface SimulationStatistics {
  referrals: number;
  byKind: Record<string, number>;
  granted: number;
  refused: number;
  pending: number;
  grantedPercent: number;
  refusedPercent: number;
  /** Decided (patient informed) by the due date, of the decided rights-assessed referrals. */
  withinDeadlinePercent: number;
  medianWorkingDaysToDecision: number;
  breaches: number;
  /** Secondary referrals staff confirmed as the same condition (closed unassessed), and assessed as new. */
  secondaryAcknowledged: number;
  secondaryAssessedAsNew: number;
  /** Referrals planned into a meeting after their reminder point: where capacity ran out. */
  atRisk: number;
  /** Meetings filled to capacity, and the weeks where referrals were pushed past their reminder. */
  fullMeetings: string[];
  atRiskWeeks: Array<{ week: string; referrals: number }>;
  failed: number;
}

/** The figures GET /statistics answers for the period (the operations page's), where it answers. */
export type RouteStatistics = StatisticsRow;

/** What a simulation did. */
export interface SimulationResult {
  options: SimulationOptions;
  statistics: SimulationStatistics;
  /** GET /statistics for the period's whole months, or why not (e.g. the route asks for a sign-in). */
  route: { total: RouteStatistics } | { unavailable: string };
  counts: RunCounts;
  sesMessages: number;
  cost: RunCost;
  /** Real milliseconds from the first POST to the last letter. */
  realMs: number;
  /**
   * Where the real time went: waiting for the workflow to settle (at day changes and after each
   * receipt), and the driver's own requests by what it was doing (portals posting referrals, the
   * team at meetings, secondary confirmations, late decisions).
   */
  phasesMs: Record<
    "settling" | "arrivals" | "meetings" | "confirmations" | "lateDecisions" | "startsOfCare",
    number
  >;
  decisionsPosted: number;
  /** Starts of care the team recorded, on the first working day from each granted right's planned start. */
  startsOfCareRecorded: number;
  /** Decisions taken from a task email because no agenda showed the task (see ORPHAN_AFTER_MS). */
  decisionsFromEmail: number;
  /** Secondary-confirmation forms posted (same condition, not the same). */
  secondaryConfirmations: { same: number; notSame: number };
  lettersDispatched: number;
}

// ------------------------------------------------------------------------------------------------
// The centre's period, generated

/** A small seeded PRNG (mulberry32): the same seed gives the same period. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function addDays(date: IsoDate, days: number): IsoDate {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The referrals of the period: working days weighted by month, times in office hours. */
function arrivals(options: SimulationOptions, rules: CalendarRules): SimReferral[] {
  const rand = random(options.seed);
  const days: { date: IsoDate; weight: number }[] = [];
  for (let i = 0; i < options.days; i++) {
    const date = addDays(options.from, i);
    if (!isWorkingDay(date, rules)) continue;
    days.push({ date, weight: options.monthWeights[Number(date.slice(5, 7)) - 1] ?? 1 });
  }
  if (days.length === 0) throw new RangeError("the period has no working day");
  const total = days.reduce((sum, day) => sum + day.weight, 0);
  const out: SimReferral[] = [];
  for (let n = 0; n < options.referrals; n++) {
    let pick = rand() * total;
    let day = days.at(-1) as { date: IsoDate };
    for (const candidate of days) {
      pick -= candidate.weight;
      if (pick < 0) {
        day = candidate;
        break;
      }
    }
    const minute = 8 * 60 + Math.floor(rand() * 8 * 60);
    const roll = rand();
    const kind =
      roll < options.secondaryShare
        ? "secondary"
        : roll < options.secondaryShare + options.forwardedShare
          ? "forwarded"
          : "new";
    out.push({
      n,
      patientName: `Simulert Pasient ${String(n + 1).padStart(5, "0")}`,
      kind,
      priority: rand() < options.urgentShare ? "urgent" : "ordinary",
      at: osloInstant(day.date, Math.floor(minute / 60), minute % 60).getTime() + Math.floor(rand() * 60_000),
    });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** The meetings of the period (and four weeks after, while the last referrals are assessed). */
function meetings(options: SimulationOptions, rules: CalendarRules): SimEvent[] {
  const out: SimEvent[] = [];
  for (let i = 0; i < options.days + 28; i++) {
    const date = addDays(options.from, i);
    if (!isWorkingDay(date, rules)) continue;
    const weekday = ((new Date(`${date}T12:00:00Z`).getUTCDay() + 6) % 7) + 1;
    for (const slot of options.meetings.filter((s) => s.weekday === weekday)) {
      const [hour, minute] = slot.time.split(":").map(Number) as [number, number];
      // The team opens the agenda a few minutes into the meeting.
      const at = osloInstant(date, hour, minute).getTime() + 5 * 60_000;
      out.push({ at, type: "meeting", meetingId: `${date}T${slot.time}` });
    }
  }
  return out;
}

/** A submission as a portal sends it; the patient's name is how the team finds it on the agenda. */
function submission(referral: SimReferral, receivedOn: IsoDate): Record<string, unknown> {
  const body: Record<string, unknown> = {
    kind: referral.kind,
    priority: referral.priority,
    patient: {
      nationalId: "15038512282",
      name: referral.patientName,
      email: "pasient@pasient.example",
      postalAddress: { line1: "Storgata 1", postalCode: "0150", city: "Oslo" },
    },
    referrer: {
      hprNumber: "1234567",
      name: "Per Hansen",
      organisation: "Grünerløkka legesenter",
      email: "per.hansen@legesenter.example",
    },
    gp: { hprNumber: "1234567", name: "Per Hansen", email: "fastlege@legesenter.example" },
    diagnoses: [{ system: "ICPC-2", code: "L18", text: "Muskelsmerter" }],
    reason: "Langvarige, sammensatte muskel- og skjelettsmerter; ønsker tverrfaglig utredning.",
    content: {
      painDescription: "Daglige smerter i nakke og skuldre i over to år.",
      previousTreatments: "Fysioterapi i ett år med liten effekt.",
    },
    flags: [],
  };
  if (referral.kind === "forwarded") {
    body.originalReceivedDate = addDays(receivedOn, -3);
    body.previousInstitution = "Sykehuset Østfold";
  }
  if (referral.kind === "secondary") body.previousDecisionRef = `SIM-${referral.n}`;
  return body;
}

// ------------------------------------------------------------------------------------------------
// HTTP, as the portal and the team speak it

/** The staff session the team's requests carry (signed in at the start of a run). */
const session: { cookie?: string } = {};

/**
 * fetch as people and portals use it: a 503 (a dependency slow to answer; Retry-After says when to
 * come back) is tried again after a short pause, up to ten times. Every request here is safe to
 * repeat: GETs, POST /referrals with its idempotency key, a decision form the task takes once.
 */
async function fetch(url: string, init?: RequestInit): Promise<Response> {
  const headers = new Headers(init?.headers);
  // The team's pages are behind staff sign-in: every request carries the signed-in lead's session.
  if (session.cookie && !headers.has("cookie")) headers.set("cookie", session.cookie);
  for (let attempt = 1; ; attempt++) {
    const response = await globalThis.fetch(url, { ...init, headers });
    if (response.status !== 503 || attempt >= 10) return response;
    await response.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
  }
}

interface Email {
  messageId: string;
  subject: string;
  body: { text?: string; html?: string };
}

async function check(response: Response, what: string, ok: (status: number) => boolean): Promise<string> {
  const text = await response.text();
  if (!ok(response.status)) {
    // A form page names what it refused in its error summary's links; say it (no data in them).
    const summary = /class="error-summary"[\s\S]*?<\/ul>/.exec(text)?.[0] ?? "";
    const refused = [...summary.matchAll(/<li>(?:<a href="#([^"]+)">)?([^<]*)/g)]
      .map((m) => m[1] ?? m[2])
      .join(", ");
    throw new Error(`${what} answered ${response.status}${refused ? ` (refused: ${refused})` : ""}`);
  }
  return text;
}

function decodeHtml(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");
}

/** Rows of an agenda page: the patient's name and the task link, where the task is open. */
function agendaRows(html: string): { patientName: string; taskHref?: string }[] {
  const rows: { patientName: string; taskHref?: string }[] = [];
  for (const row of html.split("<tr>").slice(1)) {
    const name = /<th scope="row">([^<]*)<\/th>/.exec(row)?.[1];
    if (name === undefined) continue;
    const href = /<a href="([^"]*\/tasks\/[^"]+)"/.exec(row)?.[1];
    rows.push({ patientName: decodeHtml(name), ...(href ? { taskHref: decodeHtml(href) } : {}) });
  }
  return rows;
}

// ------------------------------------------------------------------------------------------------
// The run

/**
 * Runs the simulation on a fresh in-memory local stack and returns its figures. `stackOptions`: what
 * else the stack is started with (a running DynamoDB Local for a test worker's stacks to share).
 */
export async function simulate(
  input: Partial<SimulationOptions> = {},
  stackOptions: Pick<LocalStackOptions, "dynamodb"> = {},
): Promise<SimulationResult> {
  const options: SimulationOptions = { ...DEFAULT_SIMULATION, ...input };
  const rules = defaultCalendarRules;
  const referrals = arrivals(options, rules);
  const start = osloInstant(options.from, 0, 0);
  const stack = await startLocalStack({
    port: 0,
    inMemory: true,
    quiet: true,
    clock: start.toISOString(),
    // A large centre's period is tens of thousands of DynamoDB calls: worth C2 in DynamoDB Local.
    longRun: options.referrals >= LONG_RUN_REFERRALS,
    context: {
      "frist:intakePlanning": { meetings: options.meetings, capacityPerMeeting: options.capacityPerMeeting },
    },
    ...stackOptions,
  });
  try {
    return await run(stack, options, referrals, rules);
  } finally {
    await stack.stop();
  }
}

async function run(
  stack: LocalStack,
  options: SimulationOptions,
  referrals: SimReferral[],
  rules: CalendarRules,
): Promise<SimulationResult> {
  // The clinic lead signs in once, over the local OpenID provider, as a browser does.
  const lead = stack.signIn.staff.find((member) => member.roles.includes("lead")) ?? stack.signIn.staff[0];
  if (!lead) throw new Error("the local provider has no staff account to sign in with");
  session.cookie = (await signIn(stack, lead.email)).cookie;
  /**
   * The team's choices about one referral (decided at the meeting, granted, the same condition),
   * each drawn from the seed and the referral's number alone, so that the same seed gives the same
   * choices whatever order the workflow happened to plan and show the referrals in.
   */
  const teamRoll = (referral: SimReferral, choice: "meeting" | "granted" | "same"): number => {
    const salt = { meeting: 1, granted: 2, same: 3 }[choice];
    return random(
      (Math.imul(options.seed + 1, 0x9e3779b1) ^ Math.imul(referral.n + 1, 0x85ebca6b) ^ salt) >>> 0,
    )();
  };
  const events: SimEvent[] = [
    ...referrals.map((referral): SimEvent => ({ at: referral.at, type: "arrival", referral })),
    ...meetings(options, rules),
  ].sort((a, b) => a.at - b.at);
  const byPatient = new Map(referrals.map((referral) => [referral.patientName, referral]));
  const origin = new URL(stack.apiUrl).origin;
  const agendaLinks = new Map<string, string>(); // agenda email subject → agenda link
  // Task links from the team's emails, by task id: a task no agenda ever showed is taken from there.
  const taskEmails = new Map<string, { link: string; at: number }>();
  const handled = new Set<string>();
  const seenEmails = new Set<string>();
  let lastPoll = 0;
  let received = 0;
  let decisionsPosted = 0;
  let fromEmail = 0;
  let startsOfCareRecorded = 0;
  const finished = new Set<string>();

  const pollMailbox = async (): Promise<string[]> => {
    const fresh: string[] = [];
    const since = Math.max(0, Math.floor(lastPoll / 1000) - 2);
    lastPoll = Date.now();
    const response = await fetch(`${stack.mailboxJsonUrl}?since=${since}`);
    const { emails } = (await response.json()) as { emails: Email[] };
    for (const email of emails) {
      if (seenEmails.has(email.messageId)) continue;
      seenEmails.add(email.messageId);
      const link = /https?:\/\/\S+\/agendas\/[A-Za-z0-9_-]+/.exec(email.body.text ?? "")?.[0];
      if (link && email.subject.startsWith("Saksliste")) agendaLinks.set(email.subject, link);
      const task = /https?:\/\/\S+\/tasks\/([A-Za-z0-9_-]+)/.exec(email.body.text ?? "");
      if (task && !taskEmails.has(task[1] as string)) {
        taskEmails.set(task[1] as string, { link: task[0], at: stack.clock.nowMs() });
        fresh.push(task[1] as string);
      }
    }
    return fresh;
  };

  // Secondary referrals' task links, by referral: the team answers "samme tilstand?" from the email.
  const secondaryTasks = new Map<number, string>();
  const confirmations = { same: 0, notSame: 0 };

  /**
   * After a secondary referral's receipt: the team's task email has come; the member who reads it
   * opens the link and sees the task page ask "samme tilstand?" for this referral (its previous
   * decision reference names it). Returns the link, or undefined when no new task asks that.
   */
  const secondaryTaskOf = async (referral: SimReferral): Promise<string | undefined> => {
    for (const taskId of await pollMailbox()) {
      const link = taskEmails.get(taskId)?.link as string;
      const page = await fetch(link);
      const html = await page.text();
      if (
        page.status === 200 &&
        html.includes('name="sameCondition"') &&
        html.includes(`>SIM-${referral.n}<`)
      ) {
        return link;
      }
    }
    return undefined;
  };

  /**
   * Opens the task page and posts the secondary-confirmation form, as a signed-in team member does
   * (a 503: the workflow is between two steps; tried again shortly). A referral confirmed the same
   * is closed and its task link expires; one not the same is planned like a new referral and comes
   * to a meeting's agenda through the same link.
   */
  const confirmSecondary = async (taskLink: string, referral: SimReferral): Promise<void> => {
    const same = teamRoll(referral, "same") < options.secondarySameShare;
    for (let attempt = 1; ; attempt++) {
      const page = await fetch(taskLink);
      const html = await check(page, "the task page", (status) => status === 200 || status === 410);
      if (page.status === 410 || !html.includes('name="sameCondition"')) return; // no longer asks
      const csrfToken = /name="csrfToken" value="([^"]+)"/.exec(html)?.[1] ?? "";
      const response = await fetch(`${taskLink}/secondary`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin },
        body: new URLSearchParams({ sameCondition: same ? "yes" : "no", csrfToken }).toString(),
        redirect: "manual",
      });
      await check(
        response,
        "the secondary form",
        (status) => status < 400 || status === 409 || status === 503,
      );
      if (response.status !== 503) {
        if (response.status < 400) {
          if (same) confirmations.same += 1;
          else confirmations.notSame += 1;
        }
        // Closed, nothing left to decide: the task is not one to take from the email later.
        if (same) handled.add(taskIdOf(taskLink));
        return;
      }
      if (attempt >= 10) throw new Error("the secondary form answered 503 ten times");
      await stack.activity.settled(100);
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  };

  /**
   * Opens the task page and posts the decision, as a team member does; when the page answers that
   * the task was busy for a moment (503: the workflow was between two waits), tries again shortly.
   */
  const decide = async (taskLink: string): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const status = await postDecision(taskLink);
      if (status !== 503) return;
      if (attempt >= 10) throw new Error("the decision form answered 503 ten times");
      await stack.activity.settled(100);
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  };

  const postDecision = async (taskLink: string): Promise<number> => {
    const page = await fetch(taskLink);
    const html = await check(page, "the task page", (status) => status === 200 || status === 410);
    if (page.status === 410) return 410; // decided meanwhile
    const patient = byPatient.get(/Simulert Pasient \d{5}/.exec(html)?.[0] ?? "");
    if (!patient) throw new Error("the task page names no patient of the period");
    const granted = teamRoll(patient, "granted") < options.grantedShare;
    const csrfToken = /name="csrfToken" value="([^"]+)"/.exec(html)?.[1] ?? "";
    const today = osloDate(stack.clock.now());
    const plannedStart = addDays(today, options.plannedStartDays);
    const fields: Record<string, string> = granted
      ? {
          outcome: "granted",
          careForm: "team",
          // A working day, as an assessor sets it (the form asks about a weekend or a holiday).
          startOfCareDeadline: nextWorkingDay(addDays(today, 90)),
          plannedStart,
          assessedBy: "1234567",
        }
      : {
          outcome: "refused",
          justification: "Pasienten forventes å få tilstrekkelig hjelp i primærhelsetjenesten.",
          advice: "Fortsatt oppfølging hos fastlege med gradert aktivitet.",
          assessedBy: "1234567",
        };
    const response = await fetch(`${taskLink}/decision`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin },
      body: new URLSearchParams({ ...fields, csrfToken }).toString(),
      redirect: "manual",
    });
    await check(response, "the decision form", (status) => status < 400 || status === 410 || status === 503);
    if (response.status !== 503) decisionsPosted += 1;
    if (granted && response.status < 400 && patient.referralId) {
      // The patient comes on the planned day (the first working day from it) and the team records
      // that care started, as a clinic does; left unrecorded, every right would run on to a probable
      // breach put to the lead.
      const startedOn = nextWorkingDay(plannedStart);
      insertEvent(events, {
        at: osloInstant(startedOn, 10, 0).getTime(),
        type: "start-of-care",
        referralId: patient.referralId,
        startedOn,
      });
    }
    return response.status;
  };

  /**
   * The signed-in lead's session anti-forgery token, from the staff view of a referral (JSON); a task
   * form carries its task's own token instead.
   */
  let sessionCsrfToken: Promise<string> | undefined;
  const sessionCsrfTokenFrom = async (referralId: string): Promise<string> => {
    const view = await fetch(`${stack.apiUrl}/staff/referrals/${referralId}`, {
      headers: { accept: "application/json" },
    });
    return (JSON.parse(await check(view, "the staff view", (s) => s === 200)) as { csrfToken: string })
      .csrfToken;
  };
  /** Records that care started, as the referral page's form does for a script (JSON, the token). */
  const recordStartOfCare = async (referralId: string, startedOn: IsoDate): Promise<void> => {
    sessionCsrfToken ??= sessionCsrfTokenFrom(referralId);
    // fetch (above) tries a 503 again; anything else but a success stops the run.
    const response = await fetch(`${stack.apiUrl}/referrals/${referralId}/start-of-care`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": await sessionCsrfToken, origin },
      body: JSON.stringify({ startedOn }),
    });
    await check(response, "the start-of-care record", (status) => status < 400);
    startsOfCareRecorded += 1;
  };

  /** A portal posts the referral (retrying a 503, a dependency slow to answer, with the same key). */
  const postReferral = async (referral: SimReferral, day: string): Promise<void> => {
    let response: Response;
    for (let attempt = 1; ; attempt++) {
      response = await fetch(`${stack.apiUrl}/referrals`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "idempotency-key": `simulate-${options.seed}-${referral.n}`,
        },
        body: JSON.stringify(submission(referral, day)),
      });
      if (response.status !== 503 || attempt >= 10) break;
      await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
    const receipt = JSON.parse(await check(response, "POST /referrals", (s) => s === 202)) as {
      referralId: string;
    };
    referral.referralId = receipt.referralId;
    received += 1;
  };

  const advanceTo = (at: number): void => {
    if (at > stack.clock.nowMs()) stack.clock.advanceTo(at);
  };

  await stack.activity.settled();
  counters.reset();
  const phasesMs: SimulationResult["phasesMs"] = {
    settling: 0,
    arrivals: 0,
    meetings: 0,
    confirmations: 0,
    lateDecisions: 0,
    startsOfCare: 0,
  };
  /** Settles, counting the wait apart from the phase it interrupts. */
  const settle = async (): Promise<void> => {
    const from = Date.now();
    await stack.activity.settled();
    phasesMs.settling += Date.now() - from;
  };
  const started = Date.now();
  let day = "";
  while (events.length > 0) {
    const event = events.shift() as SimEvent;
    const eventStarted = Date.now();
    const settledBefore = phasesMs.settling;
    const eventDay = osloDate(new Date(event.at));
    if (eventDay !== day || (event.type !== "arrival" && event.type !== "start-of-care")) {
      // Let the workflow catch up before time moves on: timers fire on the day they are due.
      await settle();
      day = eventDay;
    }
    if (event.type === "arrival" && event.referral.kind !== "secondary") {
      // Portals send independently: the day's next primary referrals are posted while this one is
      // under way (each at its own time, the clock only moving on), as they would arrive on AWS.
      const sameDay = takeAlong(
        event,
        events,
        (next): next is typeof event =>
          next.type === "arrival" &&
          next.referral.kind !== "secondary" &&
          osloDate(new Date(next.at)) === eventDay,
        ARRIVALS_IN_FLIGHT,
      );
      await eachAtOnce(sameDay, ARRIVALS_IN_FLIGHT, async (arrival) => {
        advanceTo(arrival.at);
        await postReferral(arrival.referral, eventDay);
      });
    } else if (event.type === "arrival") {
      const { referral } = event;
      // Before a secondary referral, the workflow catches up and the team's mailbox is read up to
      // now, so the next task email is this referral's (only its page is then opened).
      advanceTo(event.at);
      await settle();
      await pollMailbox();
      await postReferral(referral, eventDay);
      // A secondary referral's task email is waited for: the team answers it from that email.
      await settle();
      const taskLink = await secondaryTaskOf(referral);
      if (taskLink) {
        secondaryTasks.set(referral.n, taskLink);
        // Someone on the team reads the email and answers within the hour.
        insertEvent(events, { at: event.at + CONFIRM_AFTER_MS, type: "confirm-secondary", referral });
      }
    } else if (event.type === "meeting") {
      // The agenda email goes out ahead of the meeting (on the schedule); a person clicks its link.
      const subject = `Saksliste for inntaksmøtet ${formatMeetingTime(event.meetingId)}`;
      if (!agendaLinks.has(subject)) {
        // SendAgendas only sends for meetings yet to start: a seat taken in the last hours gets its
        // agenda on the run just before the meeting.
        advanceTo(event.at - 6 * 60_000);
        await settle();
        await pollMailbox();
      }
      advanceTo(event.at);
      await settle();
      const agendaLink = agendaLinks.get(subject);
      if (agendaLink) {
        const html = await check(await fetch(agendaLink), "the agenda page", (s) => s === 200);
        const decidedNow: string[] = [];
        for (const row of agendaRows(html)) {
          if (!row.taskHref) continue;
          const taskLink = new URL(row.taskHref, agendaLink).toString();
          handled.add(taskIdOf(taskLink));
          const patient = byPatient.get(row.patientName);
          if (!patient || teamRoll(patient, "meeting") < options.decidedAtMeetingShare) {
            decidedNow.push(taskLink);
          } else {
            const later = lateDecisionAt(event.at, options.lateDays, rules);
            insertEvent(events, {
              at: later,
              type: "late-decision",
              taskLink,
              referral: patient,
            });
          }
        }
        await eachAtOnce(decidedNow, DECISIONS_IN_FLIGHT, decide);
      }
      // A task no agenda showed within two weeks of its email (its seat was taken after the last
      // agenda run before the meeting): the team takes it from the task email.
      await pollMailbox();
      for (const [taskId, email] of taskEmails) {
        if (handled.has(taskId) || email.at > event.at - ORPHAN_AFTER_MS) continue;
        handled.add(taskId);
        await decide(email.link);
        fromEmail += 1;
      }
    } else if (event.type === "confirm-secondary") {
      advanceTo(event.at);
      await confirmSecondary(secondaryTasks.get(event.referral.n) as string, event.referral);
    } else if (event.type === "start-of-care") {
      // The day's patients come at the same hour: their starts are recorded side by side.
      const sameHour = takeAlong(
        event,
        events,
        (next): next is typeof event => next.type === "start-of-care" && next.at === event.at,
      );
      advanceTo(event.at);
      await eachAtOnce(sameHour, DECISIONS_IN_FLIGHT, (start) =>
        recordStartOfCare(start.referralId, start.startedOn),
      );
    } else {
      advanceTo(event.at);
      await decide(event.taskLink);
    }
    const phase =
      event.type === "arrival"
        ? "arrivals"
        : event.type === "meeting"
          ? "meetings"
          : event.type === "confirm-secondary"
            ? "confirmations"
            : event.type === "start-of-care"
              ? "startsOfCare"
              : "lateDecisions";
    phasesMs[phase] += Date.now() - eventStarted - (phasesMs.settling - settledBefore);
    options.onProgress?.(received, referrals.length, stack.clock.now());
    // After the last arrival, stop once every referral that can be decided has been.
    if (
      received === referrals.length &&
      !events.some((e) => e.type === "late-decision" || e.type === "confirm-secondary") &&
      (await allSettled(stack, referrals, finished))
    ) {
      break;
    }
  }
  await stack.activity.settled(200);
  const realMs = Date.now() - started;
  const counts = counters.snapshot();
  const mailbox = (await (await fetch(stack.mailboxJsonUrl)).json()) as { emails: Email[] };
  const sesMessages = mailbox.emails.length;
  const statistics = await statisticsOf(stack, referrals, options, rules);
  const route = await routeStatistics(stack, options);
  return {
    options,
    statistics,
    route,
    counts,
    sesMessages,
    cost: costOf(counts, sesMessages),
    realMs,
    phasesMs,
    decisionsPosted,
    startsOfCareRecorded,
    decisionsFromEmail: fromEmail,
    secondaryConfirmations: confirmations,
    lettersDispatched: statistics.granted + statistics.refused,
  };
}

/**
 * How many of a meeting's decisions the simulation posts at once. The clock stands still through a
 * meeting, so their order changes nothing; with several under way, the workflow of one decision runs
 * while the next task page is read, as it would on AWS. The year: 4 at once took its meetings from
 * 158 s to 115 s of real time, 8 to 92 s.
 */
const DECISIONS_IN_FLIGHT = 8;

/**
 * From how many referrals a period runs DynamoDB Local with C2 as well as C1. C2's compiles paid for
 * themselves on the year (1,925 referrals: the JVM's CPU 173–180 s against 246–250 s with C1 alone)
 * and not on 300 referrals (46–53 s against 40 s); between the two, the difference crosses zero near
 * 500. A 20-referral period took 28–33 s of user CPU with C2 and 24–26 s without (7 December 2026).
 */
const LONG_RUN_REFERRALS = 500;

/**
 * How many of a day's primary referrals the portals have under way at once (about as many as a day
 * brings). The year, 7 December 2026: the arrivals took 52–55 s of real time instead of 83–88 s;
 * the settling after them grew by part of it, as the same planning work still has to be done.
 */
const ARRIVALS_IN_FLIGHT = 8;

/**
 * How many referral files the statistics at the end (and the check whether every referral is
 * settled) read at once: one at a time, a 300-referral run's 300 reads took 2.5 s, and its time outside
 * the run was 9.4 s against 8.0 s four at a time; a 600-referral run's 600 reads took 1.9–2.7 s four
 * at a time and 1.5–1.8 s eight at a time (7 December 2026).
 */
const FILES_IN_FLIGHT = 8;

/** How long after a secondary referral's task email the team answers "samme tilstand?". */
const CONFIRM_AFTER_MS = 60 * 60_000;

/**
 * `first` with the events at the front of the queue that go with it (`belongs`), taken off the
 * queue, `limit` in all at most: a day's arrivals, or the starts of care of one hour.
 */
function takeAlong<E extends SimEvent>(
  first: E,
  events: SimEvent[],
  belongs: (next: SimEvent) => next is E,
  limit = Number.POSITIVE_INFINITY,
): E[] {
  const taken = [first];
  while (taken.length < limit && events[0] !== undefined && belongs(events[0])) {
    taken.push(events.shift() as E);
  }
  return taken;
}

/** How long a task may wait for an agenda before the team takes it from its email. */
const ORPHAN_AFTER_MS = 14 * 24 * 60 * 60_000;

function taskIdOf(link: string): string {
  return link.slice(link.lastIndexOf("/") + 1);
}

function insertEvent(events: SimEvent[], event: SimEvent): void {
  const index = events.findIndex((e) => e.at > event.at);
  if (index < 0) events.push(event);
  else events.splice(index, 0, event);
}

/** 10:00 Oslo, `days` working days after the meeting. */
function lateDecisionAt(meetingAt: number, days: number, rules: CalendarRules): number {
  let date = osloDate(new Date(meetingAt));
  for (let left = days; left > 0; ) {
    date = addDays(date, 1);
    if (isWorkingDay(date, rules)) left -= 1;
  }
  return osloInstant(date, 10, 0).getTime();
}

/**
 * Whether every referral is settled: decided, closed, or otherwise past waiting for the team (a
 * secondary referral awaiting confirmation is `received`). Checked sparingly: once the arrivals are in.
 */
async function allSettled(
  stack: LocalStack,
  referrals: SimReferral[],
  finished: Set<string>,
): Promise<boolean> {
  // Latest first, a few at once: the referrals still waiting are the last to arrive, so while any
  // waits the answer comes after a read or two, and the one full pass reads the rest side by side.
  const unread = referrals.filter((r) => r.referralId && !finished.has(r.referralId)).reverse();
  let waiting = false;
  await eachAtOnce(unread, FILES_IN_FLIGHT, async (referral) => {
    if (waiting) return;
    const id = referral.referralId as string;
    const response = await fetch(`${stack.apiUrl}/referrals/${id}`);
    const file = (await response.json()) as { status?: string };
    if (file.status === "awaiting-assessment" || file.status === "received") waiting = true;
    else finished.add(id);
  });
  return !waiting;
}

interface ReferralFileView {
  status: string;
  kind: string;
  receivedAt: string;
  clockStartDate: string;
  assessmentDueDate: string;
  deadlineBreached?: boolean;
  atRisk?: boolean;
  assignment?: { meetingId?: string };
  decision?: { outcome: string; decidedAt: string };
  letters: { letterKind: string; recipientRole: string; sentAt?: string }[];
}

/** The period's statistics, from each referral's file as GET /referrals/{id} answers it. */
async function statisticsOf(
  stack: LocalStack,
  referrals: SimReferral[],
  options: SimulationOptions,
  rules: CalendarRules,
): Promise<SimulationStatistics> {
  const files: ReferralFileView[] = [];
  // Read a few at once, as several portals would: the period's statistics come after its run.
  await eachAtOnce(
    referrals.filter((referral) => referral.referralId),
    FILES_IN_FLIGHT,
    async (referral) => {
      const response = await fetch(`${stack.apiUrl}/referrals/${referral.referralId}`);
      files.push((await response.json()) as ReferralFileView);
    },
  );
  const byKind: Record<string, number> = {};
  for (const file of files) byKind[file.kind] = (byKind[file.kind] ?? 0) + 1;
  // A secondary referral is rights-assessed only when it was not confirmed as the same condition: it
  // was then planned (assigned) like a new one. One confirmed the same is closed with no assignment.
  const assessed = files.filter((file) => file.kind !== "secondary" || file.assignment !== undefined);
  const secondaries = files.filter((file) => file.kind === "secondary");
  const decided = assessed.filter((file) => file.decision);
  const granted = decided.filter((file) => file.decision?.outcome === "granted").length;
  const refused = decided.filter((file) => file.decision?.outcome === "refused").length;
  const withinDeadline = decided.filter(
    (file) => osloDate(new Date(file.decision?.decidedAt ?? "")) <= file.assessmentDueDate,
  ).length;
  const days = decided
    .map((file) =>
      workingDaysBetween(file.clockStartDate, osloDate(new Date(file.decision?.decidedAt ?? "")), rules),
    )
    .sort((a, b) => a - b);
  const seats = new Map<string, number>();
  for (const file of assessed) {
    const meetingId = file.assignment?.meetingId;
    if (meetingId) seats.set(meetingId, (seats.get(meetingId) ?? 0) + 1);
  }
  const weeks = new Map<string, number>();
  for (const file of assessed.filter((f) => f.atRisk)) {
    const week = isoWeek(osloDate(new Date(file.receivedAt)));
    weeks.set(week, (weeks.get(week) ?? 0) + 1);
  }
  const percent = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((100 * part) / whole));
  return {
    referrals: files.length,
    byKind,
    granted,
    refused,
    pending: assessed.length - decided.length,
    grantedPercent: percent(granted, granted + refused),
    refusedPercent: percent(refused, granted + refused),
    withinDeadlinePercent: percent(withinDeadline, decided.length),
    medianWorkingDaysToDecision: days.length === 0 ? 0 : (days[Math.floor((days.length - 1) / 2)] as number),
    breaches: assessed.filter((file) => file.deadlineBreached).length,
    secondaryAcknowledged: secondaries.filter(
      (file) => file.assignment === undefined && file.status === "closed",
    ).length,
    secondaryAssessedAsNew: secondaries.filter((file) => file.assignment !== undefined).length,
    atRisk: assessed.filter((file) => file.atRisk).length,
    fullMeetings: [...seats.entries()]
      .filter(([, count]) => count >= options.capacityPerMeeting)
      .map(([meetingId]) => meetingId)
      .sort(),
    atRiskWeeks: [...weeks.entries()]
      .map(([week, count]) => ({ week, referrals: count }))
      .sort((a, b) => a.week.localeCompare(b.week)),
    failed: files.filter((file) => file.status === "failed").length,
  };
}

/** GET /statistics for the period, as the operations page reads it. */
async function routeStatistics(
  stack: LocalStack,
  options: SimulationOptions,
): Promise<SimulationResult["route"]> {
  const to = addDays(options.from, options.days - 1);
  const response = await fetch(`${stack.apiUrl}/statistics?from=${options.from}&to=${to}&by=year`);
  if (response.status !== 200) {
    await response.body?.cancel();
    return { unavailable: `GET /statistics answered ${response.status}` };
  }
  const report = (await response.json()) as { total: RouteStatistics };
  return { total: report.total };
}

/** ISO week of a date, "2027-W05". */
function isoWeek(date: IsoDate): string {
  const d = new Date(`${date}T00:00:00Z`);
  const weekday = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - weekday + 3);
  const firstThursday = new Date(Date.UTC(d.getUTCFullYear(), 0, 4));
  const week =
    1 +
    Math.round(
      (d.getTime() - firstThursday.getTime()) / 86_400_000 / 7 -
        (((firstThursday.getUTCDay() + 6) % 7) - 3) / 7,
    );
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

/** The statistics and the run as text lines (the CLI and the benchmark print them). */
export function describeSimulation(result: SimulationResult): string[] {
  const s = result.statistics;
  const o = result.options;
  const kinds = Object.entries(s.byKind)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(", ");
  const route = "total" in result.route ? result.route.total : undefined;
  const cell = (value: unknown) => (value === null || value === undefined ? "–" : String(value));
  const lines = [
    `Period:              ${o.from} + ${o.days} days, ${o.meetings.map((m) => `${["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][m.weekday]} ${m.time}`).join(" and ")}, ${o.capacityPerMeeting} seats a meeting`,
    `Referrals:           ${s.referrals} (${kinds})`,
    ...(route
      ? [
          `Statistics, as GET /statistics answers for the period:`,
          `  granted / refused: ${cell(route.granted)} / ${cell(route.refused)} (${cell(route.grantedPercent)} % / ${cell(route.refusedPercent)} %), ${cell(route.pending)} pending, ${cell(route.acknowledged)} acknowledged`,
          `  within deadline:   ${cell(route.withinDeadlinePercent)} % (patient's letter out by the due date)`,
          `  median:            ${cell(route.medianWorkingDaysToDecision)} working days to decision`,
          `  breaches:          ${cell(route.breaches)}`,
        ]
      : [
          `Statistics:          ${"unavailable" in result.route ? result.route.unavailable : ""}; counted from the run instead:`,
        ]),
    `Counted from each referral's file (GET /referrals/{id}):`,
    `  granted / refused: ${s.granted} / ${s.refused} (${s.grantedPercent} % / ${s.refusedPercent} %), ${s.pending} pending`,
    `  within deadline:   ${s.withinDeadlinePercent} % (decision recorded by the due date)`,
    `  median:            ${s.medianWorkingDaysToDecision} working days to decision`,
    `  breaches:          ${s.breaches}`,
    `Secondary:           ${s.secondaryAcknowledged} confirmed the same condition (acknowledged, closed), ${s.secondaryAssessedAsNew} assessed as new (counted above); staff answered ${result.secondaryConfirmations.same} same / ${result.secondaryConfirmations.notSame} not the same`,
    `Capacity:            ${s.fullMeetings.length} meetings full; ${s.atRisk} referrals had no meeting with room before their reminder point`,
  ];
  if (s.atRiskWeeks.length > 0) {
    const worst = [...s.atRiskWeeks].sort((a, b) => b.referrals - a.referrals).slice(0, 5);
    lines.push(`  received in weeks: ${worst.map((w) => `${w.week} (${w.referrals})`).join(", ")}`);
  }
  if (s.failed > 0) lines.push(`Failed:              ${s.failed} referrals failed (see the operations page)`);
  lines.push(
    `Run:                 ${(result.realMs / 1000).toFixed(0)} s real time, ${result.decisionsPosted} decisions posted (${result.decisionsFromEmail} from a task email: on no agenda), ${result.startsOfCareRecorded} starts of care recorded, ${result.sesMessages} emails`,
  );
  return lines;
}

/** `date`, or the first working day after it (Monday to Friday, no public holiday). */
function nextWorkingDay(date: IsoDate): IsoDate {
  let day = date;
  while (!isWorkingDay(day)) day = addDays(day, 1);
  return day;
}
