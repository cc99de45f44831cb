/**
 * What a granted right's start of care looks like from outside (api.md "Start of care"): the shape
 * the staff and portal views show and the referral schema includes. Its own module, with no
 * imports from records or use cases, so referral.ts can use it without an import cycle through the
 * start-of-care use case.
 */
import * as z from "zod";
import type { IsoDate } from "./calendar";
import { builtOnFirstUse } from "./validation";

/** What GET /referrals/{id} shows of a granted right's start of care. */
export interface StartOfCareView {
  deadline: IsoDate;
  plannedStart: IsoDate | null;
  startedOn: IsoDate | null;
  /** A fristbrudd is on record (confirmed, expected and now past, or by default). */
  breached: boolean;
  /** Staff recorded before the deadline that it cannot be kept (the Helfo notice is filed). */
  expectedBreach: boolean;
  /** The deadline passed with no start recorded, and the lead has not yet confirmed either way. */
  probableBreach: boolean;
}

/**
 * What every view (staff and portal) shows of a granted right's start of care (api.md "Start of
 * care"), as a schema. Built on first use.
 */
export const startOfCareViewSchema = /* @__PURE__ */ builtOnFirstUse(() =>
  z.object({
    deadline: z.iso.date(),
    plannedStart: z.iso.date().nullable(),
    startedOn: z.iso.date().nullable(),
    breached: z.boolean(),
    expectedBreach: z
      .boolean()
      .describe("Staff recorded before the deadline that the start cannot be kept; Helfo is to be told."),
    probableBreach: z
      .boolean()
      .describe(
        "The deadline passed with no start recorded; the clinic is confirming the start or the breach.",
      ),
  }),
);
