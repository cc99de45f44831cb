/**
 * The referral's names and labels: the guideline's 13 content items, the flags, kinds, priorities,
 * referrer types and statuses. Plain constants with no schema, so that a page or a statistic that
 * only shows them does not build referral.ts's zod schemas at cold start; referral.ts builds its
 * schemas from these and re-exports them.
 */

/**
 * What a referral to a pain clinic should contain, in the guideline's order and wording
 * ("Tilstrekkelig innhold i henvisningene"). Missing items never make a referral invalid; the
 * intake team sees at a glance what is missing.
 */
export const CONTENT_ITEMS = [
  { key: "patientPerspective", label: "Pasientens opplevelse av egen situasjon og ønske om hjelp" },
  { key: "painDescription", label: "Beskrivelse av smertetilstanden (karakter, lokalisasjon og varighet)" },
  { key: "physicalFunction", label: "Fysisk funksjonsevne" },
  { key: "comorbidity", label: "Komorbiditet (somatisk og psykisk sykdom, søvnforstyrrelser)" },
  {
    key: "psychosocial",
    label: "Psykososial situasjon (familie, sosialt nettverk, arbeidsevne, oppfølging fra NAV)",
  },
  { key: "medications", label: "Legemidler (legemiddeloversikt og tidligere legemiddelbruk)" },
  { key: "dependency", label: "Eventuell rus- eller legemiddelavhengighet" },
  { key: "substanceUse", label: "Alkohol- og rusmiddelbruk" },
  { key: "examinations", label: "Resultat av relevante kliniske og supplerende undersøkelser" },
  { key: "previousInvestigations", label: "Tidligere relevante utredninger" },
  { key: "previousTreatments", label: "Tidligere relevante behandlinger og effekten av dem" },
  { key: "expectations", label: "Forventninger til helsehjelpen fra pasient og henviser" },
  { key: "motivation", label: "Pasientens motivasjon for tverrfaglig vurdering" },
] as const;

export type ContentItem = (typeof CONTENT_ITEMS)[number]["key"];

/** Patient groups the guideline singles out; young adults at risk get a short deadline. */
export const FLAGS = [
  { key: "young-adult-at-risk", label: "Ung voksen med risiko for frafall fra skole eller arbeid" },
  { key: "trauma", label: "Traumer" },
  { key: "elderly", label: "Eldre pasient" },
  { key: "mental-health", label: "Psykisk helse" },
  { key: "substance-dependency", label: "Rus- eller legemiddelavhengighet" },
] as const;

export type ReferralFlag = (typeof FLAGS)[number]["key"];

export const KIND_LABELS = {
  new: "Ny henvisning",
  forwarded: "Videresendt henvisning",
  secondary: "Sekundærhenvisning",
} as const;

export const PRIORITY_LABELS = { ordinary: "Ordinær", urgent: "Haster" } as const;

/** How a referral came: new, forwarded by another institution (keeps its ansiennitetsdato), or secondary. */
export const REFERRAL_KINDS = [
  "new",
  "forwarded",
  "secondary",
] as const satisfies readonly (keyof typeof KIND_LABELS)[];
export type ReferralKind = (typeof REFERRAL_KINDS)[number];

/** `urgent`: suspected serious or life-threatening illness, a right to a faster assessment. */
export const PRIORITIES = ["ordinary", "urgent"] as const satisfies readonly (keyof typeof PRIORITY_LABELS)[];
export type Priority = (typeof PRIORITIES)[number];

/** Who referred: primary care (a GP, a physiotherapist in the municipality) or a specialist. */
export const REFERRER_TYPES = ["primary-care", "specialist"] as const;
export type ReferrerType = (typeof REFERRER_TYPES)[number];

/** The life of a referral: received → awaiting-assessment → decided → closed, or failed. */
export const REFERRAL_STATUSES = ["received", "awaiting-assessment", "decided", "closed", "failed"] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];
