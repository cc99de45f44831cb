/**
 * The operations page's "needs attention" section (the page's layout is page.ts): the
 * referrals the reconciler finds not where their record says, each with a resume button that posts to
 * the operations server's `POST /recovery/resume` (form or JSON `{referralId}`), shown to a
 * signed-in operations person or lead with the session's anti-forgery token (access.ts).
 * Ids only.
 */
import type { RecoveryVerdict } from "../../../functions/domain/recovery";
import { escapeHtml } from "../../../functions/views/escape-html";
import type { OperationsViewer } from "./access";
import type { OperationsSection } from "./page";

const FINDINGS: Record<RecoveryVerdict["finding"], string> = {
  healthy: "running",
  finished: "finished",
  starting: "being started",
  stranded: "no execution runs it, and it is not finished",
  failed: "its last execution failed, timed out or was aborted",
  "decision-not-resumed": "a decision was stored but the waiting execution never took it",
  "gave-up": "failed again after the automatic resumes: resume it by hand once the cause is fixed",
};

/** The resume cell of a row: a form with the session's token, or why there is none. */
function resumeCell(referralId: string, viewer: OperationsViewer | undefined): string {
  if (viewer?.kind === "signed-out" || viewer?.kind === "forbidden") return "";
  const token =
    viewer?.kind === "allowed"
      ? `<input type="hidden" name="csrfToken" value="${escapeHtml(viewer.csrfToken)}">`
      : "";
  return `<form method="post" action="/recovery/resume"><input type="hidden" name="referralId" value="${escapeHtml(
    referralId,
  )}">${token}<button>Resume</button></form>`;
}

/** Who may resume, said above the list. */
function accessNote(viewer: OperationsViewer | undefined): string {
  switch (viewer?.kind) {
    case "signed-out":
      return `<p class="note">Resuming by hand needs a signed-in operations person or the clinic lead: <a href="${escapeHtml(
        viewer.signInUrl,
      )}">sign in</a>, then open this page again.</p>`;
    case "forbidden":
      return `<p class="note">Signed in as ${escapeHtml(viewer.who)}: only operations or the clinic lead may resume a referral by hand.</p>`;
    default:
      return "";
  }
}

/**
 * The section, from what the reconciler would find now (`undefined`: it could not be asked); the
 * resume buttons only for a viewer who may resume (`viewer` absent: no sign-in on this page).
 */
export function recoverySection(
  verdicts: RecoveryVerdict[] | undefined,
  viewer?: OperationsViewer,
): OperationsSection {
  const intro = `<p>Referrals whose workflow is not where their record says. The reconciler resumes them by
itself (at start-up and every minute): a new execution from the referral's state, or the stored decision
sent on. One it gave up on waits for a person.</p>`;
  if (verdicts === undefined) {
    return {
      id: "attention",
      title: "Referrals that need attention",
      html: `${intro}<p class="none">The reconciler did not answer.</p>`,
    };
  }
  const rows = verdicts
    .map(
      (verdict) =>
        `<tr><td><code>${escapeHtml(verdict.referralId)}</code></td><td>${escapeHtml(FINDINGS[verdict.finding])}</td><td>${
          verdict.action.kind === "none" ? "" : escapeHtml(verdict.action.kind)
        }</td><td>${resumeCell(verdict.referralId, viewer)}</td></tr>`,
    )
    .join("\n");
  return {
    id: "attention",
    title: "Referrals that need attention",
    html: `${intro}${accessNote(viewer)}${
      verdicts.length === 0
        ? `<p class="none">None.</p>`
        : `<table><thead><tr><th>Referral</th><th>Found</th><th>The reconciler will</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
    }`,
  };
}
