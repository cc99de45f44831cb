/**
 * What the task page's forms (the decision, the priority, the secondary referral's confirmation)
 * share: the route's options (a form or JSON, a signed-in assessor or lead, a same-host Origin for a
 * form), reading who posts with which anti-forgery token, and the answers to a post about an unknown
 * or finished task or with a wrong token, which no form records anything for.
 */
import type { APIGatewayProxyResult } from "aws-lambda";
import { type ApiRequest, errorAnswer, header, html, type RouteOptions } from "../adapters/http";
import { type AccessLog, accessEventOf } from "../domain/access-log";
import type { TaskRecords } from "../domain/ports";
import { authorOf } from "../domain/session";
import { renderFormExpiredPage, renderTaskGonePage } from "../views/message-pages";
import { referralOfTask, TASK_PAGE_VIEW, taskLinks } from "./task-page-view";

/** The route options of a task form: `name` for the failure log, `maxBodyBytes` for the form's size. */
export function taskFormRoute(
  store: Pick<TaskRecords, "findTask">,
  options: { name: string; maxBodyBytes: number },
): RouteOptions {
  return {
    ...options,
    accepts: ["application/x-www-form-urlencoded", "application/json"],
    access: {
      roles: ["assessor", "lead"],
      referralOf: (event) => referralOfTask(store, event.pathParameters?.taskId),
    },
    // The token is the task's own: the use case that reads the task compares it.
    form: {
      token: "task",
      expired: (event) =>
        html(
          403,
          renderFormExpiredPage({ taskHref: taskLinks(event.pathParameters?.taskId ?? "").fromForm }),
        ),
    },
  };
}

/** A task form's post as the use cases take it. */
export interface TaskFormPost {
  taskId: string;
  /** From the form's answer back to the task page. */
  back: string;
  fromForm: boolean;
  /** The signed-in person: the author of whatever the form records. */
  author: string;
  body: Record<string, unknown>;
  /** The anti-forgery token: the form's field, or the X-CSRF-Token header with JSON. */
  csrfToken: unknown;
}

/** Reads a task form's post (the route's `access` has admitted a staff session). */
export function readTaskFormPost(
  request: ApiRequest,
  intakeTeam: readonly { email: string; role: string }[],
): TaskFormPost {
  const taskId = request.event.pathParameters?.taskId ?? "";
  const principal = request.session?.principal;
  if (principal?.kind !== "staff") throw new Error("a staff route without a staff session");
  const body = request.body() as Record<string, unknown>;
  return {
    taskId,
    back: taskLinks(taskId).fromForm,
    fromForm: request.fromForm,
    author: authorOf(principal, intakeTeam),
    body,
    csrfToken: request.fromForm ? body.csrfToken : header(request.event, "x-csrf-token"),
  };
}

/**
 * Records that the signed-in person is shown the task page again (a form's answer with its errors):
 * the page holds the whole referral, so it is a read like GET /tasks/{taskId}. Call it before
 * rendering: a read that cannot be logged is not shown.
 */
export async function logTaskPageShownAgain(
  deps: { accessLog: AccessLog; clock: { now(): Date } },
  request: Pick<ApiRequest, "session">,
  referralId: string,
): Promise<void> {
  const principal = request.session?.principal;
  if (!principal) throw new Error("a staff route without a session");
  await deps.accessLog.record(
    accessEventOf(principal, { referralId, what: TASK_PAGE_VIEW, at: deps.clock.now() }),
  );
}

/** Why a task form recorded nothing before reading the form: no such task, it is done, or a forgery. */
export type TaskRefusal =
  | { kind: "unknown" }
  | { kind: "gone"; reason: "answered" | "expired" | "withdrawn" }
  | { kind: "forbidden" };

/** The answer to a refused task form post: a page for a form, JSON for JSON. */
export function taskRefusalAnswer(
  refusal: TaskRefusal,
  post: Pick<TaskFormPost, "fromForm" | "back">,
): APIGatewayProxyResult {
  switch (refusal.kind) {
    case "unknown":
      return post.fromForm
        ? html(404, renderTaskGonePage({ reason: "unknown" }))
        : errorAnswer(404, { error: "not_found", message: "no task with this id" });
    case "gone":
      return post.fromForm
        ? html(410, renderTaskGonePage({ reason: refusal.reason }))
        : errorAnswer(410, { error: "task_gone", reason: refusal.reason });
    case "forbidden":
      return post.fromForm
        ? html(403, renderFormExpiredPage({ taskHref: post.back }))
        : errorAnswer(403, {
            error: "csrf_token_mismatch",
            message: "send the task page's csrfToken in the X-CSRF-Token header",
          });
  }
}
