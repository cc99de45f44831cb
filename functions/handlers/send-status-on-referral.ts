/**
 * Workflow step SendStatusOnReferral (after DispatchLetters): a referral that came as a Henvisning
 * message gets its answer back to the sender as a Status på henvisning over EDI 2.0, once.
 */

import { ediFromEnv } from "../adapters/edi-client";
import { gpRegisterFromEnv } from "../adapters/fastlegeregisteret";
import { workflowStep } from "../adapters/invocation";
import { clock, config, dependencies, store } from "../adapters/root";
import { validateXml } from "../adapters/xml";
import { sendStatusOnReferral } from "../domain/send-status-on-referral";
import { renderDecisionLetterPdf } from "../views/letter-pdf";
import { renderStatusOnReferral } from "../views/status-pa-henvisning";

// Built once per execution environment; only this function is given EDI_API_URL and
// FASTLEGEREGISTERET.
const deps = {
  ...dependencies(store, clock, config),
  outbound: ediFromEnv(),
  gpRegister: gpRegisterFromEnv(),
  render: renderStatusOnReferral,
  letterPdf: renderDecisionLetterPdf,
  validate: (xml: string) => validateXml(xml, "msghead"),
};

export const handler = workflowStep(async (input: { referralId: string }) =>
  sendStatusOnReferral(deps, input.referralId),
);
