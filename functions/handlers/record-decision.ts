/** Workflow step RecordDecision: the answered task's decision becomes the referral's. */
import { systemClock } from "../adapters/clock";
import { referralStoreFromEnv } from "../adapters/wiring";
import { recordDecision } from "../domain/assessment";

const deps = { store: referralStoreFromEnv(), clock: systemClock };

export const handler = async (input: { referralId: string; taskId: string }) => recordDecision(deps, input);
