/**
 * The configuration a handler reads from its environment, read once and checked, so a missing
 * variable fails at cold start with its name rather than later with `undefined`.
 */
import { type ClinicConfig, parseClinicConfig } from "../domain/clinic";
import { bundledPriorityGuide } from "./priority-guide";

/** Returns the variable's value, or throws naming the variable that is missing. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`Missing environment variable ${name}`);
  }
  return value;
}

let clinicConfig: ClinicConfig | undefined;

/**
 * The clinic and its intake team, from CLINIC_CONFIG (set by the CDK app from context), with the
 * priority guide the bundle carries (priority-guide.ts: not an environment variable).
 */
export function clinicConfigFromEnv(): ClinicConfig {
  clinicConfig ??= parseClinicConfig(requireEnv("CLINIC_CONFIG"), bundledPriorityGuide());
  return clinicConfig;
}
