import { existsSync, readdirSync, readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** The folders whose test files share a module graph per worker, unless they change shared state. */
const SHARING = ["test/unit", "test/infra", "test/local"];

/**
 * What a test file does that other files would see: mock SDK clients or modules, or set the
 * environment a module reads at import (the handlers through the composition root). `process.env`
 * counts in code, not quoted (a bundle's define names it as a string).
 */
const CHANGES_SHARED_STATE = /mockClient\(|vi\.mock\(|vi\.stubEnv\(|(?<!["'])process\.env\b/;

const testFilesIn = (dir: string) =>
  readdirSync(dir)
    .filter((file) => file.endsWith(".test.ts"))
    .map((file) => `${dir}/${file}`);
const source = (file: string) => readFileSync(file, "utf8");
const usesSharedStack = (file: string) => source(file).includes("sharedLocalStack(");

/**
 * The test files that share one module graph per worker: those in {@link SHARING} that change no
 * shared state, which saves importing the same modules (and synthesizing the CDK app, for the
 * template tests) again for each file, and the end-to-end files on the worker's shared local stack
 * (test/support/shared-stack.ts), which the shared graph keeps alive from one file to the next.
 * Every other test file gets a module graph of its own. Found by reading the files, so a new test
 * that mocks is isolated without anyone listing it.
 */
const sharingFiles = [
  ...SHARING.flatMap(testFilesIn),
  ...testFilesIn("test/e2e").filter(usesSharedStack),
].filter((file) => !CHANGES_SHARED_STATE.test(source(file)));
/**
 * The end-to-end files that start local stacks of their own (a simulated clock, faults, another
 * context, a stopped reconciler, a data directory) and stop them when they end. One local stack per
 * process at a time is all they need, so they too run one after another in a worker that keeps its
 * module graph: the local runtime's modules are imported once per worker, not once per file.
 */
const ownStackFiles = testFilesIn("test/e2e").filter(
  (file) => !usesSharedStack(file) && !CHANGES_SHARED_STATE.test(source(file)),
);
for (const file of ["test/e2e", ...SHARING].flatMap(testFilesIn).filter(usesSharedStack)) {
  // In a module graph of its own, the file would start a stack that nothing stops.
  if (!sharingFiles.includes(file)) {
    throw new Error(`${file} runs on the shared local stack, so it must not change shared state`);
  }
}

/**
 * The end-to-end files that take longest (40–80 s each on 2 cores, 7 December 2026), longest first.
 * Without vitest's results cache (a fresh clone, as in CI) it runs the largest files first, and these
 * are among the smallest: started last, they kept one worker busy long after the other had finished.
 */
const LONGEST = [
  "test/e2e/simulate.test.ts",
  "test/e2e/urgent-priority.test.ts",
  "test/e2e/simulated-time.test.ts",
  "test/e2e/meeting-capacity.test.ts",
  "test/e2e/faults.test.ts",
];
for (const file of LONGEST) {
  if (!existsSync(file)) throw new Error(`vitest.config.ts names ${file}, which is gone`);
}

/** Vitest's order (by project, then by past duration or size), with {@link LONGEST} first in its project. */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const projects = [...new Set(sorted.map((spec) => spec.project.name))];
    const rank = (spec: TestSpecification) => {
      const at = LONGEST.findIndex((file) => spec.moduleId.endsWith(`/${file}`));
      return at === -1 ? LONGEST.length : at;
    };
    const project = (spec: TestSpecification) => projects.indexOf(spec.project.name);
    return sorted
      .map((spec, index) => ({ spec, index }))
      .sort((a, b) => project(a.spec) - project(b.spec) || rank(a.spec) - rank(b.spec) || a.index - b.index)
      .map(({ spec }) => spec);
  }
}

export default defineConfig({
  test: {
    // The end-to-end suites start Java (DynamoDB Local) and synthesize the CDK app: give them room.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Two cores: keep the heavy suites from starving each other.
    maxWorkers: 2,
    sequence: { sequencer: LongestFirst },
    // The local stacks of a run synthesize each CDK context once, not once per file, and their
    // DynamoDB Local starts map one class data archive.
    globalSetup: ["test/support/synthesize-once.ts", "test/support/java-class-archive.ts"],
    // The handlers' info lines (ids only) would bury the test report; errors still print.
    env: { FRIST_QUIET: "1" },
    projects: [
      { extends: true, test: { name: "shared", include: sharingFiles, isolate: false } },
      { extends: true, test: { name: "own-stacks", include: ownStackFiles, isolate: false } },
      {
        extends: true,
        test: {
          name: "isolated",
          include: ["test/**/*.test.ts"],
          exclude: [...sharingFiles, ...ownStackFiles],
          // A fresh worker thread per file, not a fresh process: a module graph and an environment
          // of its own all the same (a thread's process.env is its own copy), started for less.
          pool: "threads",
        },
      },
    ],
  },
});
