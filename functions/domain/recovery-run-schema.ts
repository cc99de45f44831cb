/**
 * One finding of a recorded reconciler run ({@link RecoveryRunFinding}), as one schema: parsed where
 * the run is read back from the table (adapters/dynamo-recovery-runs.ts) and, with the link to look
 * into it, described in the staff home's JSON (staff-home-answer.ts).
 */
import * as z from "zod";
import { RECOVERY_FINDINGS, type RecoveryRunFinding } from "./recovery";
import { builtOnFirstUse } from "./validation";

const RECOVERY_ACTIONS = [
  "none",
  "start",
  "resume-decision",
] as const satisfies readonly RecoveryRunFinding["action"][];

/** A recorded finding: ids, what was found and what was done. */
export const recoveryRunFindingSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    referralId: z.string(),
    finding: z.enum(RECOVERY_FINDINGS),
    action: z.enum(RECOVERY_ACTIONS),
    result: z.string().optional(),
    executionName: z.string().optional(),
  }),
);
