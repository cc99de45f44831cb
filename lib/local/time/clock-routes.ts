/**
 * The simulated clock over HTTP, local only (served by the operations server, operations/server.ts):
 * `GET /clock` answers `{now, scale}`, and `POST /clock/advance` with `{"by": "PT36H" | <milliseconds>}`
 * or `{"to": "<ISO timestamp>"}` (JSON, `Content-Type: application/json`) moves it forward; a form post
 * from the operations page works too. No web page of another site moves it.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { FastifyInstance } from "fastify";
import { fromAnotherSite, headerValue, mediaTypeOf } from "../browser-requests";
import { ClockInputError, parseAdvanceRequest, type SimulatedClock } from "./simulated-clock";

const OSLO_TIME = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/Oslo",
  weekday: "short",
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  timeZoneName: "short",
});

/** The simulated time as a line of text: ISO, Oslo wall time, and the speed-up. */
export function describeClock(clock: SimulatedClock): string {
  const now = clock.now();
  return `${now.toISOString()} (${OSLO_TIME.format(now)} in Oslo), ${clock.scale}× real time`;
}

/** The clock as `GET /clock` answers it. */
export function clockState(clock: SimulatedClock): { now: string; scale: number } {
  return { now: clock.now().toISOString(), scale: clock.scale };
}

/**
 * Why `POST /clock/advance` is refused, if it is: 403 from another site; a form only with this
 * page's own Origin (the operations page's form; browsers send Origin with every form post);
 * otherwise `Content-Type: application/json` (415), never `text/plain`, which any page may send.
 */
export function clockRequestRefusal(
  headers: IncomingHttpHeaders,
): { status: 403 | 415; body: { error: string; message: string } } | undefined {
  if (fromAnotherSite(headers)) {
    return {
      status: 403,
      body: {
        error: "cross_site_request",
        message: "the clock moves from this machine only, not from a web page",
      },
    };
  }
  const type = mediaTypeOf(headers);
  if (type === "application/json") return undefined;
  if (type === "application/x-www-form-urlencoded" && headerValue(headers, "origin") !== undefined)
    return undefined;
  if (type === "application/x-www-form-urlencoded") {
    return {
      status: 403,
      body: {
        error: "form_without_origin",
        message: "a form is taken from the operations page only; send JSON",
      },
    };
  }
  return {
    status: 415,
    body: { error: "unsupported_media_type", message: "Content-Type must be application/json" },
  };
}

/** Options of {@link registerClockRoutes}. */
export interface ClockRoutesOptions {
  clock: SimulatedClock;
  /** Where a form post is sent back to (the page the form is on). */
  formReturnsTo: string;
  /**
   * Resolves once the work under way has finished (the local stack: no Lambda running, no execution
   * between a failed attempt and its Retry), or when it gives up waiting. The clock moves after it.
   */
  settleBeforeClockMoves?: () => Promise<void>;
  log?: (line: string) => void;
}

/**
 * Adds `GET /clock` and `POST /clock/advance` to a server whose content-type parser hands every body
 * over as a string (as the operations server's does).
 */
export function registerClockRoutes(server: FastifyInstance, options: ClockRoutesOptions): void {
  const { clock } = options;
  server.get("/clock", async (_request, reply) =>
    reply.type("application/json").send(JSON.stringify(clockState(clock))),
  );
  server.post("/clock/advance", async (request, reply) => {
    const raw = typeof request.body === "string" ? request.body : "";
    // Any web page could post here (a form, or a text/plain fetch): a cross-site request is refused,
    // JSON needs its own content type (which a page can only send after a CORS preflight that this
    // server never grants), and a form only comes from the operations page itself (its own Origin).
    const refused = clockRequestRefusal(request.headers);
    if (refused)
      return reply.code(refused.status).type("application/json").send(JSON.stringify(refused.body));
    const fromForm = mediaTypeOf(request.headers) === "application/x-www-form-urlencoded";
    try {
      let body: unknown;
      if (fromForm) {
        body = Object.fromEntries(new URLSearchParams(raw));
      } else {
        try {
          body = JSON.parse(raw);
        } catch {
          throw new ClockInputError(
            'the body must be JSON: {"by": "PT36H" | milliseconds} or {"to": "<ISO>"}',
          );
        }
      }
      // A bad request is refused before any waiting.
      const asked = parseAdvanceRequest(body, clock.nowMs());
      // Time jumps between two steps, never inside one: a step that read the clock before the jump
      // and hands its wait (in seconds, as a Task's TimeoutSecondsPath takes it) to a state entered
      // after it would start that wait days late. On AWS a step takes milliseconds of the time it
      // stands for; locally, on a busy machine, it can take seconds, so the jump waits for it.
      await options.settleBeforeClockMoves?.();
      const before = clock.nowMs();
      // Answer the instant the clock was moved to, not a fresh reading: a running clock has
      // already moved on by the time the reply is written, and `{to}` must read back as sent.
      // "by" counts from the clock as it is after the wait; "to" is an instant (a running clock may
      // have reached it meanwhile, which is not the caller's error).
      const target = "to" in (body as object) ? Math.max(asked, before) : parseAdvanceRequest(body, before);
      const movedTo = clock.advanceTo(target);
      const state = { now: movedTo.toISOString(), scale: clock.scale };
      options.log?.(`clock advanced to ${state.now}`);
      if (fromForm) return reply.code(303).header("location", options.formReturnsTo).send();
      return reply
        .type("application/json")
        .send(JSON.stringify({ ...state, advancedByMs: movedTo.getTime() - before }));
    } catch (error) {
      if (!(error instanceof ClockInputError)) throw error;
      return reply
        .code(400)
        .type("application/json")
        .send(JSON.stringify({ error: "invalid_clock_request", message: error.message }));
    }
  });
}
