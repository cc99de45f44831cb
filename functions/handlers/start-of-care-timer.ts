/**
 * Workflow steps of the start-of-care timer after a granted right. Each does its part once and
 * returns where the timer goes next (`{next, at}`): `plan` (the first point), `remind` (before the
 * deadline: confirm the planned start or record that it cannot be kept), `confirm-start` (after the
 * planned start: confirm that care started), `check` (the end of the deadline day: kept, an expected
 * breach now a breach, or a probable breach put to the lead) and `grace` (the end of the lead's time
 * to answer: the law's default, the lead escalated).
 */
import { workflowStep } from "../adapters/invocation";
import {
  clock,
  config,
  dependencies,
  mailer,
  metrics,
  publicBaseUrl,
  renderStaffEmails,
  store,
} from "../adapters/root";
import {
  askToConfirmStart,
  checkStartOfCare,
  confirmBreachByDefault,
  planStartOfCare,
  remindStartOfCare,
} from "../domain/start-of-care";

const deps = dependencies(store, clock, mailer, renderStaffEmails, metrics, config, publicBaseUrl);

export const handler = workflowStep(
  async (input: { referralId: string; step: "plan" | "remind" | "confirm-start" | "check" | "grace" }) => {
    switch (input.step) {
      case "plan":
        return planStartOfCare(deps, input.referralId);
      case "remind":
        return remindStartOfCare(deps, input.referralId);
      case "confirm-start":
        return askToConfirmStart(deps, input.referralId);
      case "check":
        return checkStartOfCare(deps, input.referralId);
      case "grace":
        return confirmBreachByDefault(deps, input.referralId);
      default:
        throw new Error("unknown start-of-care step");
    }
  },
);
