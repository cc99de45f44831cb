/**
 * The views' side of the rendering port (functions/domain/rendering.ts): each letter and email a
 * use case asks for, by the view that renders it, in three parts so that a function's bundle holds
 * only the views its use cases render (the composition root's `render…` providers).
 */
import type { AgendaEmailRenderer, LetterRenderer, Renderer, StaffEmailRenderer } from "../domain/rendering";
import { renderAgendaEmail } from "./agenda-email";
import { renderLetterNotice } from "./letter-notice";
import {
  renderAcknowledgementLetter,
  renderDecisionLetter,
  renderInformationRequestLetter,
  renderStartOfCareBreachLetter,
} from "./letters";
import { formatMeetingTime } from "./norwegian-time";
import {
  renderAssessmentTaskEmail,
  renderAtRiskEmail,
  renderBreachByDefaultEmail,
  renderEscalationEmail,
  renderMeetingAtRiskEmail,
  renderPostalLetterEscalationEmail,
  renderProbableBreachEmail,
  renderReminderEmail,
  renderStartConfirmationEmail,
  renderStartOfCareReminderEmail,
  renderUrgentTargetEscalationEmail,
} from "./staff-email";

/** The letters, and the notice that one waits. */
export const letterViews: LetterRenderer = {
  decisionLetter: renderDecisionLetter,
  acknowledgementLetter: renderAcknowledgementLetter,
  informationRequestLetter: renderInformationRequestLetter,
  startOfCareBreachLetter: renderStartOfCareBreachLetter,
  letterNotice: renderLetterNotice,
};

/** The emails to staff. */
export const staffEmailViews: StaffEmailRenderer = {
  assessmentTaskEmail: renderAssessmentTaskEmail,
  meetingAtRiskEmail: renderMeetingAtRiskEmail,
  reminderEmail: renderReminderEmail,
  urgentTargetEscalationEmail: renderUrgentTargetEscalationEmail,
  escalationEmail: renderEscalationEmail,
  atRiskEmail: renderAtRiskEmail,
  startOfCareReminderEmail: renderStartOfCareReminderEmail,
  startConfirmationEmail: renderStartConfirmationEmail,
  probableBreachEmail: renderProbableBreachEmail,
  breachByDefaultEmail: renderBreachByDefaultEmail,
  postalLetterEscalationEmail: renderPostalLetterEscalationEmail,
  meetingTime: formatMeetingTime,
};

/** The agenda email. */
export const agendaEmailViews: AgendaEmailRenderer = { agendaEmail: renderAgendaEmail };

/**
 * Every letter and email of the rendering port, rendered by Frist's views. Marked pure so a bundle
 * that does not use it leaves it out, and with it the views of the parts it does not render (an
 * object spread would count as a side effect and keep them all).
 */
export const renderer: Renderer = /* @__PURE__ */ Object.assign(
  {},
  letterViews,
  staffEmailViews,
  agendaEmailViews,
);
