/**
 * `npm start`: the local default. Runs Frist on this machine with no AWS account (see
 * lib/local/local-stack.ts) and prints where to look.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  DEFAULT_PORTAL_NAME,
  type LocalPortal,
  localPortalArn,
  validateLocalPortals,
} from "../lib/local/emulators/portal-signing";
import { prepareLocalStack, startLocalStack } from "../lib/local/local-stack";
import { describeClock } from "../lib/local/time/clock-routes";
import { parseClockStart, parseTimeScale } from "../lib/local/time/simulated-clock";

const HELP = `Usage: npm start -- [options]

Runs Frist locally: the synthesized API, workflow, table and mailer on local stand-ins.

Options:
  --port <n>          API port (default 3000; 0 picks a free one)
  --in-memory         keep everything in memory (nothing survives a restart)
  --data-dir <dir>    where referrals, workflow executions and the clock are kept (default .frist/data)
  --clock <iso>       start of simulated time, e.g. 2026-03-02T08:00:00Z (default: now, or where a
                      simulated run on the data directory stopped)
  --time-scale <x>    simulated time runs x times faster (default 1; 43200 = 10 working days in ~30 s)
  --portals <file>    the local portals' credentials, a JSON array of
                      {"name", "accessKeyId", "secretAccessKey"} (default: portal-a and portal-b)
  --quiet             no request log
  --prepare           only build what a start needs (the synthesized app, the functions' bundles,
                      DynamoDB Local's launcher and class archive) and exit; \`npm ci\` runs it
  --help              this text

Every handler and every workflow timer follows the simulated clock. Move it forward with
  curl -X POST <clock URL>/advance -H 'Content-Type: application/json' -d '{"by":"PT36H"}'
(or {"to":"2026-03-16T08:00:00Z"}), or from the operations page; both are on the operations server.

The portal routes (/referrals) take SigV4-signed requests (service execute-api) from the local
portals, as API Gateway's IAM auth does; an unsigned request is the default portal.
With a data directory a restart goes on where it stopped: referrals, their workflow executions (task
links, reminder, breach and escalation timers) and the simulated clock. The mailbox lives in memory.`;

function fail(message: string): never {
  console.error(`${message}\n\n${HELP}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    fail((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (values.prepare) {
    await prepare();
    return;
  }
  const port = values.port === undefined ? 3000 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port: not a port: ${values.port}`);
  let timeScale: number | undefined;
  try {
    if (values["time-scale"] !== undefined) timeScale = parseTimeScale(values["time-scale"]);
    if (values.clock !== undefined) parseClockStart(values.clock);
  } catch (error) {
    fail((error as Error).message);
  }

  let portals: LocalPortal[] | undefined;
  try {
    if (values.portals !== undefined) {
      portals = validateLocalPortals(JSON.parse(readFileSync(values.portals, "utf8")) as LocalPortal[]);
    }
  } catch (error) {
    fail(`--portals: ${(error as Error).message}`);
  }

  // Signals during start-up wait for it to finish, so that the Java process is never left behind.
  let signalled: string | undefined;
  const early = (signal: string): void => {
    signalled = signal;
  };
  process.on("SIGINT", early);
  process.on("SIGTERM", early);

  console.log("Starting Frist locally (Java starts DynamoDB Local: a few seconds)…");
  const stack = await startLocalStack({
    port,
    inMemory: values["in-memory"] ?? false,
    ...(values["data-dir"] !== undefined ? { dataDir: values["data-dir"] } : {}),
    ...(values.clock !== undefined ? { clock: values.clock } : {}),
    ...(timeScale !== undefined ? { timeScale } : {}),
    quiet: values.quiet ?? false,
    ...(portals ? { portals } : {}),
  });
  const portalLines = stack.portals
    .map((p) => `  ${p.name.padEnd(22)}${p.accessKeyId}  ${p.secretAccessKey}  (${localPortalArn(p.name)})`)
    .join("\n");

  // From the process's start, not the stack's: what the person who typed `npm start` waited.
  console.log(`
Frist is running locally (started in ${process.uptime().toFixed(1)} s).

  API                   ${stack.apiUrl}
  OpenAPI               ${stack.apiUrl}/openapi.json
  Mailbox               ${stack.mailboxUrl}
  Mailbox (JSON)        ${stack.mailboxJsonUrl}
  EDI 2.0 (sent)        ${stack.edi.pageUrl}  (Status på henvisning sent back; JSON: ${stack.edi.sentJsonUrl})
  EDI 2.0 (mailbox)     ${stack.edi.mailboxUrl}  (POST a Henvisning as application/xml: read within a minute)
  Operations            ${stack.operationsUrl}  (sign in as operations or the lead)
  Clock                 ${stack.clockUrl}  (POST ${stack.clockUrl}/advance, JSON {"by":"PT36H"}, moves it)
  Step Functions        ${stack.sfnEndpoint}  (the workflow's AWS API, for SDKs)
  Sign-in (OpenID)      ${stack.signIn.issuer}
                        staff: email from cdk.json (${stack.signIn.staff.map((s) => `${s.email} = ${s.roles.join("+")}`).join(", ")})
                        patient: any 11-digit national ID; health personnel: any HPR number
                        (a letter's recipient follows the link in its notice in the mailbox and signs in)
                        password: ${stack.signIn.password}
  DynamoDB Local        ${stack.dynamodbEndpoint}  (${values["in-memory"] ? "in memory" : `data in ${values["data-dir"] ?? ".frist/data"}`})

Simulated time: ${describeClock(stack.clock)}

Portals (/referrals): sign with SigV4, region ${stack.region}, service execute-api, e.g.
  curl --aws-sigv4 "aws:amz:${stack.region}:execute-api" --user <access key>:<secret> ${stack.apiUrl}/referrals
Local portal credentials (local only; an unsigned request is ${localPortalArn(DEFAULT_PORTAL_NAME)}):
${portalLines}
${
  values["in-memory"]
    ? "Everything lives in memory: a restart forgets it."
    : "Referrals, workflow executions and the clock survive a restart; the mailbox lives in memory."
} Ctrl-C stops.
`);

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.removeListener("SIGINT", early);
  process.removeListener("SIGTERM", early);
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  if (signalled) shutdown(signalled);
}

/**
 * `npm ci`'s `prepare` script: builds what a start needs. It never fails the install: what it could
 * not build, the first start builds (Java, for one, may be installed only by `npm start`'s prestart).
 */
async function prepare(): Promise<void> {
  const began = Date.now();
  try {
    const prepared = await prepareLocalStack();
    const archive = prepared.classArchive ? "DynamoDB Local's class archive" : "no class archive (no javac)";
    console.log(
      `Frist: prepared the synthesized app, ${prepared.functions} functions' bundles and ${archive} for npm start (${((Date.now() - began) / 1000).toFixed(1)} s).`,
    );
  } catch (error) {
    console.log(`Frist: could not prepare for npm start (${(error as Error).message}); npm start will.`);
  }
}

function parse() {
  return parseArgs({
    options: {
      port: { type: "string" },
      "in-memory": { type: "boolean" },
      "data-dir": { type: "string" },
      clock: { type: "string" },
      "time-scale": { type: "string" },
      quiet: { type: "boolean" },
      portals: { type: "string" },
      prepare: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
}

main().catch((error: unknown) => {
  console.error("Frist could not start locally:", error);
  process.exit(1);
});
