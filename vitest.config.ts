import { readdirSync, readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

/** The folders whose test files share a module graph per worker, unless they change shared state. */
const SHARING = ["test/unit", "test/infra", "test/local"];

/**
 * What a test file does that other files would see: mock SDK clients or modules, or set the
 * environment a module reads at import (the handlers through the composition root).
 */
const CHANGES_SHARED_STATE = /mockClient\(|vi\.mock\(|vi\.stubEnv\(|process\.env\b/;

/**
 * The test files in {@link SHARING} that change no shared state: they share one module graph per
 * worker, which saves importing the same modules (and synthesizing the CDK app, for the template
 * tests) again for each file. Every other test file gets a module graph of its own. Found by reading
 * the files, so a new test that mocks is isolated without anyone listing it.
 */
const sharingFiles = SHARING.flatMap((dir) =>
  readdirSync(dir)
    .filter((file) => file.endsWith(".test.ts"))
    .map((file) => `${dir}/${file}`)
    .filter((file) => !CHANGES_SHARED_STATE.test(readFileSync(file, "utf8"))),
);

export default defineConfig({
  test: {
    // The end-to-end suites start Java (DynamoDB Local) and synthesize the CDK app: give them room.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Two cores: keep the heavy suites from starving each other.
    maxWorkers: 2,
    // The local stacks of a run synthesize each CDK context once, not once per file.
    globalSetup: ["test/support/synthesize-once.ts"],
    // The handlers' info lines (ids only) would bury the test report; errors still print.
    env: { FRIST_QUIET: "1" },
    projects: [
      { extends: true, test: { name: "shared", include: sharingFiles, isolate: false } },
      { extends: true, test: { name: "isolated", include: ["test/**/*.test.ts"], exclude: sharingFiles } },
    ],
  },
});
