/**
 * `frist stats --from YYYY-MM-DD --to YYYY-MM-DD [--by year|month] [--suppress-below n] [--json]
 * [--api <url>] [--session=<id>]`: GET /statistics of a running Frist (the local default by default)
 * for scripts, printed as CSV (or the JSON answer with --json). The route needs a signed-in
 * `operations` person or the lead: the command sends the session of such a person (`--session`, or
 * $FRIST_SESSION), the value of the `frist_session` cookie after signing in at <api>/auth/login.
 * Exit 0 on success, 2 on bad arguments, 1 when the API refuses or cannot be reached.
 */
import { parseArgs } from "node:util";
import { SESSION_COOKIE } from "../functions/domain/session";

/** Where the command writes. */
export interface StatsIo {
  out(text: string): void;
  err(text: string): void;
  fetch?: typeof fetch;
}

export const STATS_USAGE = `Usage: frist stats --from YYYY-MM-DD --to YYYY-MM-DD [options]

Prints Frist's statistics (GET /statistics) per year or month of receipt, as CSV: the survey's
Table 1 figures, the patients informed in time, working days to decision, deadline breaches, and
the start of care: breaches expected, on record (by basis) and reported to Helfo, the share started
within the deadline and the median calendar days from decision to start.

Options:
  --by year|month          one row per year (default) or per month
  --suppress-below <n>     leave counts from 1 to n-1 empty (for sharing outside the clinic)
  --json                   print the JSON answer instead of CSV
  --api <url>              the API's base URL (default $FRIST_API_URL or http://localhost:3000)
  --session=<id>           a signed-in session of an operations person or the lead (default
                           $FRIST_SESSION): the frist_session cookie's value after signing in at
                           <api>/auth/login; written with "=", as an id may begin with "-"
  -h, --help               show this text`;

/** Runs `frist stats` with the arguments after "stats"; resolves to the exit code. */
export async function statsCommand(args: readonly string[], io: StatsIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        from: { type: "string" },
        to: { type: "string" },
        by: { type: "string" },
        "suppress-below": { type: "string" },
        json: { type: "boolean" },
        api: { type: "string" },
        session: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.err(`frist: ${(error as Error).message}\nRun "frist stats --help" for usage.`);
    return 2;
  }
  if (values.help) {
    io.out(STATS_USAGE);
    return 0;
  }
  if (typeof values.from !== "string" || typeof values.to !== "string") {
    io.err('frist: stats needs --from and --to (YYYY-MM-DD)\nRun "frist stats --help" for usage.');
    return 2;
  }
  const base = String(values.api ?? process.env.FRIST_API_URL ?? "http://localhost:3000").replace(/\/+$/, "");
  const query = new URLSearchParams({ from: values.from, to: values.to, by: String(values.by ?? "year") });
  if (typeof values["suppress-below"] === "string") query.set("suppressBelow", values["suppress-below"]);
  const accept = values.json ? "application/json" : "text/csv";
  const session = values.session ?? process.env.FRIST_SESSION;
  const headers: Record<string, string> = { accept };
  if (typeof session === "string" && session !== "") headers.cookie = `${SESSION_COOKIE}=${session}`;
  let response: Response;
  try {
    // Manual redirects: without a session the route answers 303 to the sign-in page, which is not
    // statistics and must not be printed as if it were.
    response = await (io.fetch ?? fetch)(`${base}/statistics?${query}`, { headers, redirect: "manual" });
  } catch (error) {
    io.err(`frist: cannot reach ${base} (${(error as Error).name})`);
    return 1;
  }
  const body = await response.text();
  if (response.status === 400) {
    const issues = (JSON.parse(body) as { issues?: { path: string; message: string }[] }).issues ?? [];
    io.err(`frist: ${issues.map((issue) => `--${flagOf(issue.path)} ${issue.message}`).join("; ")}`);
    return 2;
  }
  if (response.status === 303 || response.status === 401) {
    io.err(
      `frist: GET /statistics needs a signed-in operations person or the lead: sign in at ${base}/auth/login, then pass the frist_session cookie's value with --session or FRIST_SESSION`,
    );
    return 1;
  }
  if (response.status === 403) {
    io.err("frist: the session's person may not read statistics (operations or lead only)");
    return 1;
  }
  if (!response.ok) {
    io.err(`frist: GET /statistics answered ${response.status}`);
    return 1;
  }
  io.out(body.replace(/\r?\n$/, "").replaceAll("\r\n", "\n"));
  return 0;
}

/** The option naming a query field, for error messages. */
function flagOf(path: string): string {
  return path === "suppressBelow" ? "suppress-below" : path;
}
