/**
 * The pages intake staff see: the task page (summary, missing content, flags, deadline and one form
 * per outcome), the page for a task that is gone, the confirmations and the expired-form page.
 * Server-rendered, escaped, Norwegian, and usable without JavaScript: each outcome is its own form
 * with its own POST, every field has a label, and errors sit next to their fields.
 */

import { ATTACHMENT_TYPES, type AttachmentMimeType } from "../domain/attachments";
import { type IsoDate, osloDate } from "../domain/calendar";
import { CONFIRM_DEADLINE_FIELD } from "../domain/deadline-warnings";
import { addDays, CARE_FORMS, MAX_DEADLINE_DAYS } from "../domain/decision-labels";
import type { ReferralSubmission } from "../domain/referral";
import {
  CONTENT_ITEMS,
  type ContentItem,
  FLAGS,
  KIND_LABELS,
  PRIORITY_LABELS,
} from "../domain/referral-labels";
import type { Issue } from "../domain/validation";
import { htmlTemplate } from "./engine";
import { formatNorwegianDate } from "./norwegian-time";
import { registerTaskPagePartials, TASK_PAGE } from "./task-page-markup";

// The message pages live in message-pages.ts (see there); re-exported for the pages that import them here.
export {
  renderDecisionRecordedPage,
  renderFormExpiredPage,
  renderInformationReceivedPage,
  renderInformationRequestedPage,
  renderInformationRequestOpenPage,
  renderMessagePage,
  renderTaskGonePage,
} from "./message-pages";

registerTaskPagePartials();
const taskPageTemplate = htmlTemplate(TASK_PAGE);

// ---------------------------------------------------------------------------------------------
// The task page

export interface TaskPageInput {
  /** Not shown: the link is the credential, so the id stays out of the page text. */
  taskId: string;
  referral: {
    referralId: string;
    kind: ReferralSubmission["kind"];
    priority: ReferralSubmission["priority"];
    /** ISO instant of receipt; shown as the Oslo date. */
    receivedAt: string;
    assessmentDueDate: IsoDate;
    workingDaysLeft: number;
    /** The birth date (from the national ID) beside the name, so the right patient is assessed. */
    patient: { name: string; birthDate?: IsoDate };
    /** Under 18 on the day of receipt: the guideline's pathway is for adults. */
    under18?: boolean;
    /** Under 16 today: the parents get a copy of the answer (pbrl § 3-4). */
    under16?: boolean;
    /** The language the patient needs an interpreter for. */
    interpreterLanguage?: string;
    referrer: { name: string; organisation: string };
    diagnoses: { system: string; code: string; text?: string }[];
    reason: string;
    content: Partial<Record<ContentItem, string>>;
    flags: readonly string[];
    missingContent: readonly ContentItem[];
    /** For a forwarded referral: the ansiennitetsdato the clock counts from, and where it came from. */
    forwarded?: { ansiennitetsdato: IsoDate; previousInstitution: string };
    /** Flagged at risk of missing the deadline (at intake or by the timer). */
    atRisk?: boolean;
    /** The 10 working days passed without a decision. */
    deadlineBreached?: boolean;
    /**
     * An urgent referral's date for the faster assessment the law gives on suspicion of serious or
     * life-threatening illness (pbrl § 2-2), as the clinic sets it inside the 10 working days.
     */
    internalTargetDate?: IsoDate;
    /** The message's attachments, each with the link that serves it (GET /tasks/{taskId}/attachments/{n}). */
    attachments?: readonly { name: string; mimeType: AttachmentMimeType; size: number; href: string }[];
    /** Staff's changes of the priority, oldest first, with who, when and why. */
    priorityChanges?: readonly {
      from: ReferralSubmission["priority"];
      to: ReferralSubmission["priority"];
      reason: string;
      by: string;
      at: string;
    }[];
  };
  /** Where the forms post (POST /tasks/{taskId}/decision). */
  formAction: string;
  /** Where the priority form posts (POST /tasks/{taskId}/priority); absent, no priority form. */
  priorityAction?: string;
  /**
   * A secondary referral waiting for staff to confirm it concerns the condition already assessed:
   * the page asks that (POST to `action`) instead of showing the decision and priority forms.
   */
  secondaryConfirmation?: { action: string; previousDecisionRef: string; confirmBy: IsoDate };
  /** The task's anti-forgery token, put in a hidden field of every form. */
  csrfToken?: string;
  /**
   * The signed-in clinician ("Ola Haugen, psykolog"): the decision is theirs, so the forms ask no
   * "assessed by" field and say who decides instead.
   */
  signedInAs?: string;
  /**
   * The clinic's priority guide as decision support: its conditions for the searchable list, and the
   * picked condition with the suggestion counted from today (the latest start a working day).
   */
  guide?: {
    title: string;
    version: IsoDate;
    source: string;
    conditions: { id: string; name: string }[];
    /** The condition the portal proposed with the referral, if the table has it. */
    proposedByPortal?: string;
    /** What was picked when the table has no such condition (shown back with the error). */
    unknown?: string;
    selected?: {
      id: string;
      name: string;
      advisedRight: "granted" | "refused";
      weeks?: number;
      startOf?: "assessment" | "treatment";
      /** The guide the condition comes from, when not the table's own. */
      guide?: string;
      latestStart?: IsoDate;
      factors: string[];
      source: { url: string; date: IsoDate };
    };
  };
  /** Today in Oslo: the young-adult deadline suggestion counts from it. */
  today?: IsoDate;
  /** How many weeks out the page suggests the deadline for a young adult at risk (default 4). */
  youngAdultDeadlineWeeks?: number;
  /** The clinic's upper bound on the start-of-care deadline, in days (said in the hint). */
  maxDeadlineDays?: number;
  /** The Oslo date of the task's open information request, while no answer is recorded. */
  openRequestSince?: IsoDate;
  /** Issues from a rejected submission, shown in a summary and at their fields. */
  errors?: Issue[];
  /**
   * Warnings about the posted granted form's deadline: shown like errors, with a box confirming the
   * date (`confirmStartOfCareDeadline`, its value the date), so the next post records it.
   */
  warnings?: Issue[];
  /** What was submitted (its `outcome` names the form), so a rejected form comes back filled in. */
  values?: Record<string, string>;
}

/** The outcomes, each with its own form, in the order the page shows them. */
export const FORM_OUTCOMES = ["granted", "refused", "forwarded", "information-requested"] as const;
type FormOutcome = (typeof FORM_OUTCOMES)[number];

type FieldName =
  | "startOfCareDeadline"
  | "plannedStart"
  | "startNoticeBy"
  | "forwardToContact"
  | "justification"
  | "advice"
  | "forwardTo"
  | "question"
  | "deviationReason"
  | "assessedBy";

interface FieldDef {
  name: FieldName;
  label: string;
  hint?: string;
  type?: "text" | "date";
  multiline?: boolean;
  required?: boolean;
}

const ASSESSED_BY: FieldDef = {
  name: "assessedBy",
  label: "Vurdert av",
  hint: "Ditt HPR-nummer eller ansatt-ID.",
  type: "text",
  required: true,
};

/** The reason for departing from the guide's suggestion: shown with a condition picked. */
const DEVIATION_REASON: FieldDef = {
  name: "deviationReason",
  label: "Begrunnelse for avvik fra veilederen",
  hint: "Kreves når rett eller frist er en annen enn veilederens forslag: din individuelle vurdering av pasienten. Lagres med vurderingen, ikke i brevet.",
  multiline: true,
};

interface FormDef {
  title: string;
  intro?: string;
  button: string;
  careForm?: boolean;
  fields: FieldDef[];
}

const FORMS: Record<FormOutcome, FormDef> = {
  granted: {
    title: "Rett til nødvendig helsehjelp",
    button: "Registrer rett til helsehjelp",
    careForm: true,
    fields: [
      {
        name: "startOfCareDeadline",
        label: "Frist for igangsetting av helsehjelp",
        hint: "Den juridiske fristen, ÅÅÅÅ-MM-DD. Må være etter dagens dato.",
        type: "date",
        required: true,
      },
      {
        name: "plannedStart",
        label: "Planlagt oppstart",
        hint: "ÅÅÅÅ-MM-DD: fra i dag og senest på fristen. Pasienten skal få vite når helsehjelpen starter.",
        type: "date",
      },
      {
        name: "startNoticeBy",
        label: "Eller: pasienten får vite tidspunktet senest",
        hint: "Bare når oppstart ikke er planlagt ennå. ÅÅÅÅ-MM-DD, før fristen. Står i brevet til pasienten.",
        type: "date",
      },
      ASSESSED_BY,
    ],
  },
  refused: {
    title: "Avslag",
    button: "Registrer avslag",
    fields: [
      {
        name: "justification",
        label: "Faglig begrunnelse",
        hint: "Tas med i svarbrevet.",
        multiline: true,
        required: true,
      },
      {
        name: "advice",
        label: "Råd om videre oppfølging",
        hint: "Råd og anbefalinger til videre oppfølging i primærhelsetjenesten. Tas med i svarbrevet.",
        multiline: true,
        required: true,
      },
      ASSESSED_BY,
    ],
  },
  forwarded: {
    title: "Videresend henvisningen",
    intro: "Ansiennitetsdatoen følger henvisningen, og svarbrevet sier det.",
    button: "Registrer videresending",
    fields: [
      {
        name: "forwardTo",
        label: "Sendes til",
        hint: "Klinikken eller senteret som skal vurdere henvisningen.",
        type: "text",
        required: true,
      },
      {
        name: "forwardToContact",
        label: "Kontaktinformasjon til mottakende klinikk",
        hint: "Telefon og adresse. Står i brevet, så pasienten vet hvem som skal svare.",
        type: "text",
        required: true,
      },
      {
        name: "justification",
        label: "Begrunnelse for videresending",
        hint: "Tas med i svarbrevet.",
        multiline: true,
        required: true,
      },
      ASSESSED_BY,
    ],
  },
  "information-requested": {
    title: "Forespørsel til henviser",
    intro:
      "Be henviser om flere opplysninger. Dette er ikke en vurdering: oppgaven forblir åpen, og fristen for vurdering løper videre.",
    button: "Send forespørsel",
    fields: [
      {
        name: "question",
        label: "Spørsmål til henviser",
        hint: "Hva trenger inntaksteamet å vite? Teksten sendes til henviser.",
        multiline: true,
        required: true,
      },
      ASSESSED_BY,
    ],
  },
};

function errorsFor(errors: readonly Issue[], path: string): string | null {
  const messages = errors.filter((issue) => issue.path === path).map((issue) => issue.message);
  return messages.length > 0 ? messages.join(" ") : null;
}

function isFormOutcome(value: string | undefined): value is FormOutcome {
  return (FORM_OUTCOMES as readonly string[]).includes(value ?? "");
}

/** The view of one field of one outcome's form; ids are prefixed by the outcome, so they stay unique. */
function fieldView(
  outcome: FormOutcome,
  def: FieldDef,
  errors: readonly Issue[],
  values: Record<string, string>,
) {
  const id = `${outcome}-${def.name}`;
  const error = errorsFor(errors, def.name);
  const describedBy = [def.hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return {
    ...def,
    type: def.type ?? "text",
    id,
    hintId: `${id}-hint`,
    errorId: `${id}-error`,
    value: values[def.name] ?? "",
    error,
    describedBy: describedBy || null,
    required: def.required ?? false,
  };
}

function careFormView(errors: readonly Issue[], values: Record<string, string>) {
  return {
    name: "careForm",
    legend: "Tilbudsform",
    error: errorsFor(errors, "careForm"),
    errorId: "granted-careForm-error",
    options: CARE_FORMS.map((form) => ({
      id: `granted-careForm-${form.key}`,
      value: form.key,
      label: capitalise(form.label),
      checked: values.careForm === form.key,
    })),
  };
}

/** Where the error summary links to: the field in the form that was posted. */
function anchorFor(outcome: FormOutcome | undefined, path: string): string | null {
  if (!outcome) return null;
  if (path === "careForm" && outcome === "granted") return `#granted-careForm-${CARE_FORMS[0].key}`;
  if (path === DEVIATION_REASON.name && (outcome === "granted" || outcome === "refused")) {
    return `#${outcome}-${path}`;
  }
  return FORMS[outcome].fields.some((field) => field.name === path) ? `#${outcome}-${path}` : null;
}

function daysLeftText(days: number): string {
  if (days > 1) return `${days} virkedager igjen`;
  if (days === 1) return "1 virkedag igjen";
  if (days === 0) return "fristen er i dag";
  return `fristen er passert med ${-days} ${days === -1 ? "virkedag" : "virkedager"}`;
}

/** The banner over the page: the deadline breached, or at risk. */
function bannerOf(referral: TaskPageInput["referral"]) {
  if (referral.deadlineBreached || referral.workingDaysLeft < 0) {
    return {
      kind: "breached",
      title: "Fristen for vurdering er passert",
      text: "Henvisningen skulle vært vurdert innen 10 virkedager. Vurder den så snart som mulig; lederen av inntaksmøtet er varslet.",
    };
  }
  if (referral.atRisk || referral.workingDaysLeft <= 2) {
    return {
      kind: "at-risk",
      title: "Fristen for vurdering er nær",
      text: "Henvisningen må vurderes snart for at fristen på 10 virkedager skal holdes.",
    };
  }
  return null;
}

/** Renders GET /tasks/{taskId} (and the same page with errors after a rejected POST). */
export function renderTaskPage(input: TaskPageInput): string {
  const { referral } = input;
  // Issues of the priority form (paths "priority.…") show at that form, not in the decision summary.
  const priorityErrors = (input.errors ?? []).filter((issue) => issue.path.startsWith("priority."));
  const errors = (input.errors ?? []).filter((issue) => !issue.path.startsWith("priority."));
  const values = input.values ?? {};
  const posted = isFormOutcome(values.outcome) ? values.outcome : undefined;
  const missing = new Set<ContentItem>(referral.missingContent);
  const contentItems = CONTENT_ITEMS.map((item) => {
    const text = referral.content[item.key];
    return { label: item.label, text, missing: missing.has(item.key) || !text };
  });
  const missingCount = contentItems.filter((item) => item.missing).length;
  const youngAdult = referral.flags.includes("young-adult-at-risk");
  const maxDeadlineDays = input.maxDeadlineDays ?? MAX_DEADLINE_DAYS;
  const selected = input.guide?.selected;

  const forms = FORM_OUTCOMES.map((outcome) => {
    // One open information request per task: while one is open, its form records the answer instead.
    if (outcome === "information-requested" && input.openRequestSince) {
      return {
        id: "information-received",
        outcome: "information-received",
        title: "Forespørsel til henviser",
        intro: `Henviser fikk en forespørsel om tilleggsopplysninger ${formatNorwegianDate(input.openRequestSince)}, og svaret er ikke registrert. Registrer svaret når det er kommet; først da kan du sende en ny forespørsel. Fristen løper uansett.`,
        button: "Registrer at svaret er mottatt",
        careForm: null,
        fields: [],
      };
    }
    const def = FORMS[outcome];
    // Only the form that was posted gets the errors and the values back.
    const ownErrors = outcome === posted ? [...errors, ...(input.warnings ?? [])] : [];
    const ownValues = outcome === posted ? values : {};
    // With a condition picked, a granted or refused decision may depart from the guide: its reason.
    const withReason =
      selected && (outcome === "granted" || outcome === "refused")
        ? [...def.fields.slice(0, -1), DEVIATION_REASON, ...def.fields.slice(-1)]
        : def.fields;
    const fields = withReason
      .filter((field) => !(input.signedInAs && field.name === "assessedBy"))
      .map((field) => fieldView(outcome, field, ownErrors, ownValues));
    if (outcome === "granted") {
      const deadline = fields.find((field) => field.name === "startOfCareDeadline");
      if (deadline) {
        deadline.hint = `Den juridiske fristen, ÅÅÅÅ-MM-DD: etter dagens dato og høyst ${maxDeadlineDays} dager fram i tid.`;
        if (youngAdult && input.today) {
          const weeks = input.youngAdultDeadlineWeeks ?? 4;
          const suggested = addDays(input.today, weeks * 7);
          deadline.hint = `Ung voksen med risiko for frafall fra skole eller arbeid: sett en kort frist. Forslag: ${weeks} uker, ${formatNorwegianDate(suggested)}. ${deadline.hint}`;
          if (posted !== "granted") deadline.value = suggested;
        }
        // The guide's latest start for the picked condition, prefilled; the assessor may change it.
        if (selected?.latestStart) {
          deadline.hint = `Veilederens forslag for «${selected.name}»: senest ${formatNorwegianDate(selected.latestStart)}. ${deadline.hint}`;
          if (posted !== "granted") deadline.value = selected.latestStart;
        }
      }
    }
    const warnedDeadline = values.startOfCareDeadline ?? "";
    return {
      id: outcome,
      outcome,
      condition: selected && outcome !== "information-requested" ? selected.id : null,
      title: def.title,
      intro: def.intro ?? null,
      button: def.button,
      careForm: def.careForm ? careFormView(ownErrors, ownValues) : null,
      fields,
      confirmDeadline:
        outcome === "granted" && posted === "granted" && (input.warnings ?? []).length > 0
          ? {
              name: CONFIRM_DEADLINE_FIELD,
              value: warnedDeadline,
              label: `Ja, fristen for igangsetting skal være ${/^\d{4}-\d{2}-\d{2}$/.test(warnedDeadline) ? formatNorwegianDate(warnedDeadline) : warnedDeadline}`,
            }
          : null,
    };
  });

  const conditionError = errorsFor(errors, "condition");
  return taskPageTemplate({
    guide: input.guide
      ? {
          ...input.guide,
          value: selected?.name ?? input.guide.unknown ?? "",
          error: conditionError,
          selected: selected
            ? {
                ...selected,
                granted: selected.advisedRight === "granted",
                startOf: selected.startOf === "assessment" ? "utredning" : "behandling",
                guideName: selected.guide ?? input.guide.title,
              }
            : null,
        }
      : null,
    errors: errors.map((issue) => ({
      message: issue.message,
      href: issue.path === "condition" && input.guide ? "#guide-condition" : anchorFor(posted, issue.path),
    })),
    warnings: posted === "granted" ? (input.warnings ?? []) : [],
    banner: bannerOf(referral),
    assessmentDueDate: referral.assessmentDueDate,
    daysLeft: daysLeftText(referral.workingDaysLeft),
    deadlineClose: referral.workingDaysLeft <= 2,
    referralId: referral.referralId,
    kind: KIND_LABELS[referral.kind],
    forwarded: referral.forwarded
      ? {
          ansiennitetsdato: formatNorwegianDate(referral.forwarded.ansiennitetsdato),
          previousInstitution: referral.forwarded.previousInstitution,
        }
      : null,
    priority: PRIORITY_LABELS[referral.priority],
    urgent: referral.priority === "urgent",
    internalTarget: referral.internalTargetDate ? formatNorwegianDate(referral.internalTargetDate) : null,
    priorityChanges: (referral.priorityChanges ?? []).map((change) => ({
      at: formatNorwegianDate(osloDate(new Date(change.at))),
      from: PRIORITY_LABELS[change.from].toLowerCase(),
      to: PRIORITY_LABELS[change.to].toLowerCase(),
      by: change.by,
      reason: change.reason,
    })),
    secondary: input.secondaryConfirmation
      ? {
          action: input.secondaryConfirmation.action,
          previousDecisionRef: input.secondaryConfirmation.previousDecisionRef,
          confirmBy: formatNorwegianDate(input.secondaryConfirmation.confirmBy),
        }
      : null,
    priorityForm:
      input.priorityAction && !input.secondaryConfirmation
        ? {
            action: input.priorityAction,
            to: referral.priority === "urgent" ? "ordinary" : "urgent",
            toLabel: PRIORITY_LABELS[referral.priority === "urgent" ? "ordinary" : "urgent"].toLowerCase(),
            error: priorityErrors.map((issue) => issue.message).join(" ") || null,
          }
        : null,
    receivedDate: formatNorwegianDate(osloDate(new Date(referral.receivedAt))),
    patient: referral.patient,
    referrer: referral.referrer,
    diagnoses: referral.diagnoses,
    flags: [
      ...(referral.under18
        ? ["Under 18 år ved mottak: utenfor veilederens pasientforløp for voksne; vurder barneklinikk"]
        : []),
      ...(referral.under16
        ? [
            "Under 16 år: foreldre eller andre med foreldreansvar får kopi av svaret i posten (pasient- og brukerrettighetsloven § 3-4)",
          ]
        : []),
      ...(referral.interpreterLanguage ? [`Trenger tolk: ${referral.interpreterLanguage}`] : []),
      ...referral.flags.map((flag) => FLAGS.find((known) => known.key === flag)?.label ?? flag),
    ],
    reason: referral.reason,
    attachments: (referral.attachments ?? []).map((attachment) => ({
      name: attachment.name,
      href: attachment.href,
      type: ATTACHMENT_TYPES[attachment.mimeType].label,
      size: sizeText(attachment.size),
    })),
    contentSummary:
      missingCount === 0
        ? `Alle ${CONTENT_ITEMS.length} anbefalte opplysninger er med.`
        : `Mangler ${missingCount} av ${CONTENT_ITEMS.length} anbefalte opplysninger.`,
    contentItems,
    formAction: input.formAction,
    csrfToken: input.csrfToken ?? null,
    signedInAs: input.signedInAs ?? null,
    forms,
  });
}

/** A file's size as staff read it: "12 kB", "1,4 MB". */
function sizeText(bytes: number): string {
  if (bytes < 1000 * 1000) return `${Math.max(1, Math.round(bytes / 1000))} kB`;
  return `${(bytes / (1000 * 1000)).toFixed(1).replace(".", ",")} MB`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
