/**
 * The operations page's "needs attention" section (the page's layout is operations-page.ts): the
 * referrals the reconciler finds not where their record says, each with a resume button that posts to
 * the local Step Functions server's `POST /recovery/resume` (form or JSON `{referralId}`). Ids only.
 */
import type { RecoveryVerdict } from "../../functions/domain/recovery";
import { escapeHtml, type OperationsSection } from "./operations-page";

const FINDINGS: Record<RecoveryVerdict["finding"], string> = {
  healthy: "running",
  finished: "finished",
  starting: "being started",
  stranded: "no execution runs it, and it is not finished",
  failed: "its last execution failed, timed out or was aborted",
  "decision-not-resumed": "a decision was stored but the waiting execution never took it",
  "gave-up": "failed again after the automatic resumes: resume it by hand once the cause is fixed",
};

/** The section, from what the reconciler would find now (`undefined`: it could not be asked). */
export function recoverySection(verdicts: RecoveryVerdict[] | undefined): OperationsSection {
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
        }</td><td><form method="post" action="/recovery/resume"><input type="hidden" name="referralId" value="${escapeHtml(
          verdict.referralId,
        )}"><button>Resume</button></form></td></tr>`,
    )
    .join("\n");
  return {
    id: "attention",
    title: "Referrals that need attention",
    html: `${intro}${
      verdicts.length === 0
        ? `<p class="none">None.</p>`
        : `<table><thead><tr><th>Referral</th><th>Found</th><th>The reconciler will</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
    }`,
  };
}
