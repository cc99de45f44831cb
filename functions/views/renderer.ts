/**
 * The views' side of the rendering port (functions/domain/rendering.ts): each letter and email a
 * use case asks for, by the view that renders it. Handlers pass `renderer` in their use cases' deps.
 */
import type { Renderer } from "../domain/rendering";
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

/** Every letter and email of the rendering port, rendered by Frist's views. */
export const renderer: Renderer = {
  decisionLetter: renderDecisionLetter,
  acknowledgementLetter: renderAcknowledgementLetter,
  informationRequestLetter: renderInformationRequestLetter,
  startOfCareBreachLetter: renderStartOfCareBreachLetter,
  letterNotice: renderLetterNotice,
  agendaEmail: renderAgendaEmail,
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
