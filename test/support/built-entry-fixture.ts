/** An entry for test/unit/built-entry.test.ts: what a module run from a kept build knows of itself. */
import { REPO_ROOT } from "../../lib/constructs/frist-function";

/** The module's own URL, as the build gives it. */
export const ownUrl = import.meta.url;

/** The repository root as a module it imports, bundled with it, works it out from its own URL. */
export const repoRoot = REPO_ROOT;
