/**
 * Workflow steps of the start-of-care timer after a granted right: `plan` (when to remind, when the
 * deadline runs out), `remind` (the clinic lead, once, unless a start is recorded) and `check` (at
 * the end of the deadline day: kept, or a fristbrudd with its Helfo notification and letter).
 */
import { clock, config, dependencies, mailer, metrics, publicBaseUrl, store } from "../adapters/root";
import { checkStartOfCare, planStartOfCare, remindStartOfCare } from "../domain/start-of-care";

const deps = dependencies(store, clock, mailer, metrics, config, publicBaseUrl);

export const handler = async (input: { referralId: string; step: "plan" | "remind" | "check" }) => {
  switch (input.step) {
    case "plan":
      return planStartOfCare(deps, input.referralId);
    case "remind":
      return remindStartOfCare(deps, input.referralId);
    case "check":
      return checkStartOfCare(deps, input.referralId);
    default:
      throw new Error("unknown start-of-care step");
  }
};
