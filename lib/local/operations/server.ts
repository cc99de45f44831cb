/**
 * The local operations server: the operations page (`GET /`), its resume action
 * (`POST /recovery/resume`, form or JSON `{referralId}`) and the simulated clock (`GET /clock`,
 * `POST /clock/advance`, time/clock-routes.ts), on a loopback port of its own beside the Step Functions
 * endpoint, which serves the AWS API alone. The local stack serves it on the API's host name
 * (`localhost`), so a browser signed in at the API sends its session cookie here too (access.ts).
 */
import type { IncomingHttpHeaders } from "node:http";
import Fastify from "fastify";
import type { RecoveryOutcome } from "../../../functions/domain/recovery";
import { loopbackListenAddress } from "../ports";
import type { LocalStepFunctions } from "../stepfunctions/endpoint";
import { registerClockRoutes } from "../time/clock-routes";
import { operationsPageData, renderOperationsPage } from "./page";

/** The answer sent instead of the page to one who may not see it. */
export interface PageRefusal {
  status: number;
  headers: Record<string, string>;
  contentType: string;
  body: string;
}

/** Options of {@link startOperationsServer}. */
export interface OperationsServerOptions {
  /** The workflow engine whose executions the page lists; `/clock` moves its clock. */
  engine: LocalStepFunctions;
  /** The host name of its URLs; default 127.0.0.1. It listens on loopback only ("localhost": 127.0.0.1). */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  log?: (line: string) => void;
  /** Waits for the work under way before `POST /clock/advance` moves the clock (clock-routes.ts). */
  settleBeforeClockMoves?: () => Promise<void>;
  /** Renders `GET /` for a request; default: the page with the engine's executions and the clock alone. */
  page?: (request: { headers: IncomingHttpHeaders }) => Promise<string>;
  /**
   * Whether `GET /` may show the page to this request (the local stack: a signed-in operations person or
   * lead): undefined, or the answer to send instead, checked before the page is rendered. Absent: open.
   */
  admitPage?: (request: { headers: IncomingHttpHeaders }) => Promise<PageRefusal | undefined>;
  /** The reconciler: the page's resume action resumes a referral with it. Absent: 404. */
  recovery?: {
    resume(referralId: string): Promise<RecoveryOutcome | undefined>;
    /**
     * Whether a resume post may go on (a signed-in operations person or lead, with the session's
     * anti-forgery token): undefined, or the refusal to answer with. Absent: no check.
     */
    admit?: (request: {
      headers: IncomingHttpHeaders;
      fromForm: boolean;
      fields: Record<string, unknown>;
    }) => Promise<{ status: number; contentType: string; body: string } | undefined>;
  };
}

/** A running operations server. */
export interface OperationsServer {
  /** The operations page. */
  operationsUrl: string;
  /** `GET` for `{now, scale}`; `POST <clockUrl>/advance` moves the clock (local only). */
  clockUrl: string;
  port: number;
  stop(): Promise<void>;
}

const REFERRAL_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** Starts the operations server; see the module comment for what it serves. */
export async function startOperationsServer(options: OperationsServerOptions): Promise<OperationsServer> {
  const { engine } = options;
  const server = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  // Every body as a string: each route decides what it accepts (the clock's and the resume's checks).
  server.removeAllContentTypeParsers();
  server.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => done(null, body));

  server.get("/", async (request, reply) => {
    // Who may see it comes first: nothing of the page is read for anyone else.
    const refused = await options.admitPage?.({ headers: request.headers });
    if (refused) {
      return reply.code(refused.status).headers(refused.headers).type(refused.contentType).send(refused.body);
    }
    const html = options.page
      ? await options.page({ headers: request.headers })
      : renderOperationsPage(await operationsPageData(engine, undefined));
    return reply.type("text/html; charset=utf-8").send(html);
  });
  server.post("/recovery/resume", async (request, reply) => {
    const raw = typeof request.body === "string" ? request.body : "";
    const fromForm = String(request.headers["content-type"] ?? "").startsWith(
      "application/x-www-form-urlencoded",
    );
    let fields: Record<string, unknown> = {};
    try {
      const parsed: unknown = fromForm ? Object.fromEntries(new URLSearchParams(raw)) : JSON.parse(raw);
      if (parsed && typeof parsed === "object") fields = parsed as Record<string, unknown>;
    } catch {
      fields = {};
    }
    // Who may resume comes first: without a session nothing else is looked at.
    const refused = await options.recovery?.admit?.({ headers: request.headers, fromForm, fields });
    if (refused) return reply.code(refused.status).type(refused.contentType).send(refused.body);
    const referralId = fields.referralId;
    if (typeof referralId !== "string" || !REFERRAL_ID.test(referralId)) {
      return reply
        .code(400)
        .type("application/json")
        .send(
          JSON.stringify({
            error: "validation_failed",
            issues: [{ path: "referralId", message: "must be a referral id" }],
          }),
        );
    }
    if (!options.recovery) return reply.code(404).send();
    const outcome = await options.recovery.resume(referralId);
    options.log?.(`recovery: resume ${referralId}: ${outcome?.finding ?? "not found"}`);
    if (fromForm) return reply.code(303).header("location", "/").send();
    if (!outcome)
      return reply
        .code(404)
        .type("application/json")
        .send(JSON.stringify({ error: "not_found" }));
    return reply.type("application/json").send(JSON.stringify(outcome));
  });
  registerClockRoutes(server, {
    clock: engine.clock,
    formReturnsTo: "/",
    ...(options.settleBeforeClockMoves ? { settleBeforeClockMoves: options.settleBeforeClockMoves } : {}),
    ...(options.log ? { log: options.log } : {}),
  });

  const host = options.host ?? "127.0.0.1";
  await server.listen({ host: loopbackListenAddress(host), port: options.port ?? 0 });
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const base = `http://${host}:${port}`;
  return {
    operationsUrl: `${base}/`,
    clockUrl: `${base}/clock`,
    port,
    async stop() {
      await server.close();
    },
  };
}
