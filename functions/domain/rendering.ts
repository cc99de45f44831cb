/**
 * The rendering port: what the use cases ask of the views (functions/views) to turn facts into a
 * letter or an email, and the facts each one may know. The domain decides what is said and to whom;
 * the views decide how it reads. A use case takes the part of the {@link Renderer} it sends in its deps, and the handler
 * passes the one the views implement (functions/views/renderer.ts), so the domain
 * imports neither Handlebars nor a template (the layer rule in biome.json).
 */
import type { IsoDate } from "./calendar";
import type { ClinicConfig } from "./clinic";
import type { Decision } from "./decision";
import type { LetterRecord, RecipientRole } from "./records";

// Letters

/** A rendered letter: its subject and its body as HTML and as plain text. */
export interface RenderedLetter {
  subject: string;
  html: string;
  text: string;
}

/** The clinic as the letters present it. */
export type LetterClinic = ClinicConfig["clinic"];

/** The patient as a letter names them: name and birth date, never the national ID. */
export interface LetterPatient {
  name: string;
  /** YYYY-MM-DD, read from the national ID. */
  birthDate?: IsoDate;
  /** Where the patient's copy is posted, when it goes by post. */
  postalAddress?: { line1: string; postalCode: string; city: string };
  /** The language the patient needs an interpreter for: a granted right's letter says one is booked. */
  interpreterLanguage?: string;
}

/** The referrer (henviser). */
export interface LetterReferrer {
  name: string;
  organisation: string;
}

/**
 * Who the letter is to: the referrer, or the copy to the patient, to the GP, or to the parents or
 * others with parental responsibility of a patient under 16 (pbrl § 3-4 første ledd).
 */
export type LetterRecipient = "referrer" | "patient" | "gp" | "guardian";

/** Who assessed the referral and who is responsible for the assessment. */
export interface LetterAssessment {
  /** `intake-meeting`: the multidisciplinary team; `single-assessor`: one clinician alone. */
  track: "intake-meeting" | "single-assessor";
  /** The professions of those who took part (the team's roles, or the one assessor's). */
  participantRoles: string[];
  /** The clinician responsible for the assessment, named in the letter and signing it. */
  responsible: { name: string; role: string };
}

/** What the answer to a referral says, for one recipient. */
export interface DecisionLetterInput {
  /** The letter's reference ("Vår referanse"). */
  referralId: string;
  recipientRole: LetterRecipient;
  /** The date the clock counts from: receipt, or for a forwarded referral the ansiennitetsdato. */
  receivedDate: IsoDate;
  patient: LetterPatient;
  referrer: LetterReferrer;
  /** The GP, when the GP is someone else than the referrer; absent, the GP gets no separate copy. */
  gp?: { name: string };
  decision: Decision;
  decidedDate: IsoDate;
  assessment: LetterAssessment;
  /**
   * The assessment due date, counted from the ansiennitetsdato: a forward keeps it, so the letter
   * says the receiving clinic must answer by then (absent, the letter names no date).
   */
  assessmentDueDate?: IsoDate;
  /** The patient is under 16: the parents or others with parental responsibility get a copy (pbrl § 3-4). */
  guardianCopy?: boolean;
  clinic: LetterClinic;
}

export interface AcknowledgementLetterInput {
  /** The letter's reference ("Vår referanse"). */
  referralId: string;
  /** The Oslo date the referral was received. */
  receivedDate: IsoDate;
  patient: LetterPatient;
  referrer: LetterReferrer;
  /** The earlier rights assessment the secondary referral builds on. */
  previousDecisionRef: string;
  /** The date of the letter. */
  date: IsoDate;
  clinic: LetterClinic;
}

export interface InformationRequestLetterInput {
  /** The letter's reference ("Vår referanse"). */
  referralId: string;
  /** The date the clock counts from (for a forward, the ansiennitetsdato). */
  receivedDate: IsoDate;
  /** The assessment due date: the letter says the clock keeps running until then. */
  assessmentDueDate: IsoDate;
  patient: LetterPatient;
  referrer: LetterReferrer;
  /** What the intake team asks, as typed on the task page. */
  question: string;
  /** The date of the letter. */
  date: IsoDate;
  clinic: LetterClinic;
}

export interface StartOfCareBreachLetterInput {
  /** The letter's reference ("Vår referanse"). */
  referralId: string;
  /** The patient, or the parents of a patient under 16 (pbrl § 3-4 første ledd). */
  recipientRole: "patient" | "guardian";
  patient: LetterPatient;
  /** The start-of-care deadline that was, or cannot be, kept. */
  startOfCareDeadline: IsoDate;
  /**
   * Whether the deadline had passed when the notice was filed: then care "was not started" in time;
   * otherwise (an expected breach reported before the deadline) it "cannot be started" in time.
   */
  passed: boolean;
  /** The day the clinic notified Helfo, as recorded: the letter goes out only after that. */
  reportedOn: IsoDate;
  /** The date of the letter. */
  date: IsoDate;
  clinic: LetterClinic;
}

// Staff emails

/** What every staff email may know: dates, the clinic, and whether the referral is urgent. */
export interface StaffEmailInput {
  /** The assessment due date (10 working days). */
  assessmentDueDate: IsoDate;
  clinicName: string;
  /** An urgent referral ("haster"): the subject and the text say so, and nothing more about why. */
  urgent?: boolean;
  /** An urgent referral's internal target date, inside the legal 10 working days. */
  internalTargetDate?: IsoDate;
}

export interface AssessmentTaskEmailInput extends StaffEmailInput {
  /** The task page, e.g. https://…/prod/tasks/<taskId>. */
  taskUrl: string;
  /** The intake meeting the referral is set up for, as written ("tirsdag 4. mars 2025 kl. 12.00"). */
  meetingTime?: string;
}

/** A rendered staff email. */
export interface StaffEmail {
  subject: string;
  text: string;
  html: string;
}

/** What the start-of-care emails to the clinic lead may say: the reference and the deadline. */
export interface StartOfCareEmailInput {
  /** The referral's reference, to find it in the worklist; not health data. */
  referralId: string;
  startOfCareDeadline: IsoDate;
  clinicName: string;
  /** The referral's staff page (opens after sign-in), where the start is recorded. */
  referralUrl?: string;
}

// The notice of a letter, and the agenda email

/** What the notice may know: which kind of letter, to whom, its reference and link, the clinic. */
export interface LetterNoticeInput {
  letterKind: LetterRecord["letterKind"];
  recipientRole: RecipientRole;
  referralId: string;
  /** The letter page, e.g. https://…/prod/inbox/<referralId>.<linkId>. */
  link: string;
  clinic: Pick<LetterClinic, "name" | "department" | "phone">;
}

/** A rendered notice email. */
export interface LetterNotice {
  subject: string;
  text: string;
  html: string;
}

/** What the agenda email may say: when, how many, where the agenda is. No patient data fits in. */
export interface AgendaEmailInput {
  agendaUrl: string;
  /** The meeting's id ("2025-03-04T12:00", Oslo time). */
  meetingId: string;
  referralCount: number;
  clinicName: string;
}

/** The letters a use case can ask the views for, and the neutral email that a letter waits. */
export interface LetterRenderer {
  decisionLetter(input: DecisionLetterInput): RenderedLetter;
  acknowledgementLetter(input: AcknowledgementLetterInput): RenderedLetter;
  informationRequestLetter(input: InformationRequestLetterInput): RenderedLetter;
  startOfCareBreachLetter(input: StartOfCareBreachLetterInput): RenderedLetter;
  letterNotice(input: LetterNoticeInput): LetterNotice;
}

/** The emails to staff a use case can ask the views for (neutral: dates, links, references). */
export interface StaffEmailRenderer {
  assessmentTaskEmail(input: AssessmentTaskEmailInput): StaffEmail;
  meetingAtRiskEmail(input: StaffEmailInput & { meetingTime?: string }): StaffEmail;
  reminderEmail(input: AssessmentTaskEmailInput): StaffEmail;
  urgentTargetEscalationEmail(
    input: StaffEmailInput & { internalTargetDate: IsoDate; taskUrl?: string },
  ): StaffEmail;
  escalationEmail(input: StaffEmailInput & { taskUrl?: string }): StaffEmail;
  atRiskEmail(input: StaffEmailInput & { deadlinePassed: boolean }): StaffEmail;
  startOfCareReminderEmail(input: StartOfCareEmailInput & { plannedStart?: IsoDate }): StaffEmail;
  startConfirmationEmail(
    input: StartOfCareEmailInput & { plannedStart: IsoDate; referralUrl: string },
  ): StaffEmail;
  probableBreachEmail(input: StartOfCareEmailInput & { confirmBy: IsoDate; referralUrl: string }): StaffEmail;
  breachByDefaultEmail(input: StartOfCareEmailInput & { referralUrl: string }): StaffEmail;
  postalLetterEscalationEmail(input: {
    referralId: string;
    /** The assessment due date: the patient must be informed by then. */
    assessmentDueDate: IsoDate;
    clinicName: string;
    /** Whose copies wait for post. */
    waiting: readonly ("patient" | "guardian")[];
  }): StaffEmail;
  /** An intake meeting's time as an email writes it ("tirsdag 4. mars 2025 kl. 12.00"), from its id. */
  meetingTime(meetingId: string): string;
}

/** The intake team's agenda email. */
export interface AgendaEmailRenderer {
  agendaEmail(input: AgendaEmailInput): StaffEmail;
}

/**
 * Every letter and email of the port. A use case asks for the part it sends (so a function's bundle
 * holds only the views it renders); a handler whose steps send both letters and staff emails, and
 * tests, take the whole.
 */
export type Renderer = LetterRenderer & StaffEmailRenderer & AgendaEmailRenderer;
