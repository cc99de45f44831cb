/**
 * The priority guide a function carries: the clinic's own table when the CDK app compiled one into
 * the bundle (`frist:priorityGuide`, lib/constructs/bundle-defines.ts), else the table shipped with
 * the code (functions/domain/priority-guide.data.json). Never read from the environment: Lambda
 * allows 4 KB of it per function, and the guide alone may take more.
 */
import { DEFAULT_PRIORITY_GUIDE, type PriorityGuide, parsePriorityGuide } from "../domain/priority-guide";

/**
 * The name esbuild replaces with the clinic's table (`define`). Locally, where the handlers run from
 * source, the local runtime sets a global of this name from the template before the handler loads.
 */
export const PRIORITY_GUIDE_DEFINE = "FRIST_PRIORITY_GUIDE";

declare const FRIST_PRIORITY_GUIDE: unknown;

let guide: PriorityGuide | undefined;

/**
 * The function's priority guide, parsed once per container. A bad table throws at init naming the
 * field, as a bad CLINIC_CONFIG does.
 */
export function bundledPriorityGuide(): PriorityGuide {
  guide ??= parsePriorityGuide(
    typeof FRIST_PRIORITY_GUIDE === "undefined" ? DEFAULT_PRIORITY_GUIDE : FRIST_PRIORITY_GUIDE,
  );
  return guide;
}
