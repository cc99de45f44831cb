/**
 * `frist simulate`: replays a period of a centre through the local default on simulated time (see
 * lib/local/simulation/simulate.ts) and prints the period's statistics, where capacity ran out, and what each
 * referral would cost on AWS.
 */
import { parseArgs } from "node:util";
import { describeCost, perReferral } from "../lib/local/operations/cost";
import {
  DEFAULT_SIMULATION,
  describeSimulation,
  type MeetingSlot,
  type SimulationOptions,
  simulate,
} from "../lib/local/simulation/simulate";

const d = DEFAULT_SIMULATION;
const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

export const SIMULATE_USAGE = `Usage: frist simulate [options]

Replays a period of a pain centre through the local default (DynamoDB Local, the SES emulator, the
local workflow engine, the API emulation: no AWS account) on simulated time, every step real:
portals POST the referrals, the workflow plans them into intake meetings and emails the team, the
agenda schedule sends each meeting's agenda link, the team opens each task page at the meeting and
posts its decision, the workflow sends the letters; reminders and breaches fire when due. Prints the
period's statistics, where capacity ran out, and the cost per referral at AWS list prices.

Defaults are the survey's largest centre (OUS 2017: 1,925 referrals, two intake meetings a week of
15-30 referrals, 31 % refused). The kind and priority shares and the dip in July and December are
assumptions.

Options:
  --referrals <n>            referrals in the period (default ${d.referrals})
  --from <YYYY-MM-DD>        first day of the period (default ${d.from})
  --days <n>                 length of the period in days (default ${d.days})
  --meetings <slots>         weekly intake meetings, Oslo time (default "tue 12:00,thu 12:00")
  --capacity <n>             referrals per meeting (default ${d.capacityPerMeeting})
  --granted <share>          share of decisions that grant a right (default ${d.grantedShare})
  --secondary <share>        share of secondary referrals (default ${d.secondaryShare}); each waits for the team
                             to confirm from its task email that it concerns the condition already assessed
  --secondary-same <share>   share of those the team confirms as the same condition: acknowledged and
                             closed without assessment; the rest are assessed as new (default ${d.secondarySameShare})
  --forwarded <share>        share of forwarded referrals (default ${d.forwardedShare})
  --urgent <share>           share of urgent referrals (default ${d.urgentShare})
  --decided-at-meeting <s>   share decided at their meeting; the rest later (default ${d.decidedAtMeetingShare})
  --late-days <n>            working days after the meeting for the rest (default ${d.lateDays})
  --planned-start-days <n>   days from a grant to its planned start of care, the day the team records
                             that care started (default ${d.plannedStartDays})
  --seed <n>                 the same seed replays the same period (default ${d.seed})
  --json                     print the result as JSON
  -h, --help                 show this text

A progress bar goes to stderr when it is a terminal. A year of the largest centre takes a few
minutes of real time on two cores.`;

class UsageError extends Error {}

/** Where the command writes (tests pass their own). */
export interface SimulateIo {
  out(text: string): void;
  err(text: string): void;
  /** Progress bar target, if any (a TTY). */
  progress?: NodeJS.WriteStream | undefined;
}

function share(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number < 0 || number > 1) {
    throw new UsageError(`--${name} must be a share between 0 and 1, not "${value}"`);
  }
  return number;
}

function count(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min) {
    throw new UsageError(`--${name} must be a whole number of at least ${min}, not "${value}"`);
  }
  return number;
}

/** "tue 12:00,thu 12:00" → meeting slots. */
export function parseMeetings(value: string): MeetingSlot[] {
  const slots = value.split(",").map((part) => {
    const match = /^\s*([a-z]{3})[a-z]*\s+([01]\d|2[0-3]):([0-5]\d)\s*$/i.exec(part);
    const weekday = match ? WEEKDAYS.indexOf((match[1] as string).toLowerCase()) + 1 : 0;
    if (!match || weekday === 0) {
      throw new UsageError(`--meetings: "${part.trim()}" is not a weekday and a time, e.g. "tue 12:00"`);
    }
    return { weekday, time: `${match[2]}:${match[3]}` };
  });
  return slots;
}

/** Reads the options; throws UsageError for anything it cannot use. */
export function simulationOptions(args: string[]): {
  options: Partial<SimulationOptions>;
  json: boolean;
  help: boolean;
} {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        referrals: { type: "string" },
        from: { type: "string" },
        days: { type: "string" },
        meetings: { type: "string" },
        capacity: { type: "string" },
        granted: { type: "string" },
        secondary: { type: "string" },
        "secondary-same": { type: "string" },
        forwarded: { type: "string" },
        urgent: { type: "string" },
        "decided-at-meeting": { type: "string" },
        "late-days": { type: "string" },
        "planned-start-days": { type: "string" },
        seed: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const text = (name: string) => values[name] as string | undefined;
  const from = text("from");
  if (
    from !== undefined &&
    (!/^\d{4}-\d{2}-\d{2}$/.test(from) || Number.isNaN(Date.parse(`${from}T00:00:00Z`)))
  ) {
    throw new UsageError(`--from must be a date as YYYY-MM-DD, not "${from}"`);
  }
  const options: Partial<SimulationOptions> = {
    referrals: count("referrals", text("referrals"), d.referrals),
    from: from ?? d.from,
    days: count("days", text("days"), d.days),
    meetings: text("meetings") === undefined ? d.meetings : parseMeetings(text("meetings") as string),
    capacityPerMeeting: count("capacity", text("capacity"), d.capacityPerMeeting),
    grantedShare: share("granted", text("granted"), d.grantedShare),
    secondaryShare: share("secondary", text("secondary"), d.secondaryShare),
    secondarySameShare: share("secondary-same", text("secondary-same"), d.secondarySameShare),
    forwardedShare: share("forwarded", text("forwarded"), d.forwardedShare),
    urgentShare: share("urgent", text("urgent"), d.urgentShare),
    decidedAtMeetingShare: share("decided-at-meeting", text("decided-at-meeting"), d.decidedAtMeetingShare),
    lateDays: count("late-days", text("late-days"), d.lateDays, 0),
    plannedStartDays: count("planned-start-days", text("planned-start-days"), d.plannedStartDays, 0),
    seed: count("seed", text("seed"), d.seed, 0),
  };
  if ((options.secondaryShare ?? 0) + (options.forwardedShare ?? 0) > 1) {
    throw new UsageError("--secondary and --forwarded together must not exceed 1");
  }
  return { options, json: values.json === true, help: values.help === true };
}

/** A one-line progress bar, redrawn in place. */
function progressBar(stream: NodeJS.WriteStream) {
  let last = 0;
  return {
    update(received: number, total: number, now: Date) {
      if (Date.now() - last < 200 && received < total) return;
      last = Date.now();
      const width = 30;
      const filled = Math.round((received / Math.max(1, total)) * width);
      stream.write(
        `\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${received}/${total} referrals, simulated ${now.toISOString().slice(0, 10)} `,
      );
    },
    done() {
      stream.write("\n");
    },
  };
}

/** Runs `frist simulate` with its arguments; resolves to the exit code. */
export async function runSimulate(args: string[], io: SimulateIo): Promise<number> {
  let parsed: ReturnType<typeof simulationOptions>;
  try {
    parsed = simulationOptions(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`frist simulate: ${error.message}\nRun "frist simulate --help" for usage.`);
    return 2;
  }
  if (parsed.help) {
    io.out(SIMULATE_USAGE);
    return 0;
  }
  process.env.FRIST_QUIET = "1";
  const bar = io.progress ? progressBar(io.progress) : undefined;
  const result = await simulate({
    ...parsed.options,
    ...(bar ? { onProgress: (received, total, now) => bar.update(received, total, now) } : {}),
  });
  bar?.done();
  if (parsed.json) {
    io.out(
      JSON.stringify({
        statistics: result.statistics,
        counts: result.counts,
        cost: result.cost,
        realMs: result.realMs,
        phasesMs: result.phasesMs,
        startsOfCareRecorded: result.startsOfCareRecorded,
      }),
    );
    return 0;
  }
  io.out(describeSimulation(result).join("\n"));
  io.out(
    `\nCost per referral at AWS list prices (eu-north-1, lib/local/operations/cost.ts), from what the run counted:`,
  );
  io.out(describeCost(perReferral(result.cost, result.statistics.referrals)).join("\n"));
  return 0;
}
