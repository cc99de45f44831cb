/**
 * The clinic's configuration (CLINIC_CONFIG): who the clinic is, as its letters present it, and who
 * sits on the multidisciplinary intake team that assesses referrals.
 */
import { z } from "zod";
import { formatIssues } from "./validation";

const text = (max: number) => z.string().trim().min(1).max(max);

/** The professions of a tverrfaglig inntaksteam (lege, psykolog, fysioterapeut, sykepleier). */
export const INTAKE_ROLES = ["physician", "psychologist", "physiotherapist", "nurse"] as const;

export const clinicConfigSchema = z.object({
  clinic: z.object({
    name: text(200),
    department: text(200),
    address: text(300),
    phone: text(50),
    email: z.email().max(254),
    /** The complaints body, e.g. "Statsforvalteren i Oslo og Viken". */
    complaintsTo: text(200),
  }),
  intakeTeam: z
    .array(
      z.object({
        name: text(200),
        role: z.enum(INTAKE_ROLES),
        email: z.email().max(254),
        lead: z.boolean().optional(),
      }),
    )
    .min(1, "the intake team needs at least one member"),
});

export type ClinicConfig = z.infer<typeof clinicConfigSchema>;
export type IntakeRole = (typeof INTAKE_ROLES)[number];

/**
 * Parses CLINIC_CONFIG. Throws one Error naming every problem, so a misconfigured deployment fails
 * at its first invocation with a message that says what to fix (config is not personal data, but
 * values are still left out: the path and the rule are enough).
 */
export function parseClinicConfig(json: string): ClinicConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error("Clinic configuration is not valid JSON");
  }
  const result = clinicConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems = formatIssues(result.error)
      .map((issue) => `${issue.path || "(root)"}: ${issue.message}`)
      .join("; ");
    throw new Error(`Clinic configuration is invalid: ${problems}`);
  }
  return result.data;
}
